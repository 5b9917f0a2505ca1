"""Tests that need a real Celery worker process, and /health/ when things are down."""

import socket

import environ
import pytest
from django.db import connections, transaction

from core import alerts
from core.models import Alert
from core.tasks import deliver_alerts
from tests.factories import UserFactory
from tests.worker import database_url


def _health(client):
    from django.test import override_settings

    # Details (each component) only for staff or the holder of the health token.
    with override_settings(HEALTH_TOKEN="ops-token"):
        response = client.get(
            "/health/", HTTP_ACCEPT="application/json", HTTP_X_HEALTH_TOKEN="ops-token"
        )
    return response.status_code, response.json()


def _status_of(body: dict, name: str) -> str:
    return next(value for key, value in body.items() if key.startswith(name))


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@127.0.0.1:5432/test_quality_gw0",
        "postgres://app:s%40cret@db.example:6543/quality?sslmode=require",
        "postgres://postgres@/test_quality?host=%2Fsrv%2Fvar%2Fpg",
    ],
)
def test_worker_database_url_round_trips_a_django_database_entry(url):
    entry = environ.Env.db_url_config(url)
    assert environ.Env.db_url_config(database_url(entry)) == entry


@pytest.mark.worker
@pytest.mark.external
@pytest.mark.django_db(transaction=True)
def test_health_is_200_when_a_worker_answers(client, celery_worker_process):
    status, body = _health(client)
    assert status == 200, body
    assert _status_of(body, "Ping") == "OK"


@pytest.mark.worker
@pytest.mark.external
@pytest.mark.django_db(transaction=True)
def test_committed_alert_is_emailed_once_by_the_real_worker(celery_worker_process):
    worker = celery_worker_process
    user = UserFactory(email="agent@example.test", preferred_language="en")
    with transaction.atomic():
        alert = alerts.raise_alert(kind="test", key="worker:1", user=user, payload={"n": 41})
        # Not committed yet: nothing is queued, so nothing can be delivered.
    assert alert is not None

    def delivered(pk):
        return Alert.objects.filter(pk=pk, delivered_at__isnull=False).exists()

    assert worker.wait_for(lambda: delivered(alert.pk)), worker.log()[-4000:]
    # Extra runs of the task, racing on the worker's two pool processes, send nothing again.
    for _ in range(3):
        deliver_alerts.delay()
    with transaction.atomic():
        later = alerts.raise_alert(kind="test", key="worker:2", user=user, payload={"n": 42})
    assert worker.wait_for(lambda: delivered(later.pk)), worker.log()[-4000:]
    assert worker.wait_for(lambda: worker.queue_length("mail") == 0 and _idle(worker))

    messages = worker.sent_messages()
    subjects = sorted(m["Subject"] for m in messages)
    assert [m["To"] for m in messages] == ["agent@example.test"] * 2
    assert subjects == [
        "[Merchant Quality Governance] Test alert 41",
        "[Merchant Quality Governance] Test alert 42",
    ]


def _idle(worker) -> bool:
    from config.celery import app

    inspect = app.control.inspect([worker.nodename], timeout=0.5)
    active, reserved = inspect.active() or {}, inspect.reserved() or {}
    return not any(active.values()) and not any(reserved.values())


def test_health_is_503_when_postgresql_is_unreachable(client, db, monkeypatch):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    # The checks run in fresh threads, which open connections from these settings.
    broken = {
        **connections.settings["default"],
        "HOST": "127.0.0.1",
        "PORT": closed_port,
        "OPTIONS": {"connect_timeout": 2},
    }
    monkeypatch.setitem(connections.settings, "default", broken)
    status, body = _health(client)
    assert status == 503
    assert _status_of(body, "Database").startswith("Unavailable: connection")
    assert _status_of(body, "Cache") == "OK"

"""The sweep in real Celery worker processes: killed mid-sweep (SIGKILL) and overlapping,
every due alert ends up existing exactly once and every breach escalates exactly once."""

import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from complaints import services
from complaints.models import Case, Priority, SLAClock
from config.celery import QUEUES, app
from core.models import Alert, Decision
from tests.clock import python_module
from tests.factories.complaints import CaseFactory
from tests.worker import database_url

ROOT = Path(__file__).resolve().parents[2]
CASES = 40
DUE_ALERTS = 4 * CASES  # response and resolution, at risk and breached


def _start_worker(concurrency: int, log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        # Socket-path servers (the embedded one) keep the host in OPTIONS.
        "DATABASE_URL": database_url(db),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    return subprocess.Popen(
        [
            *python_module("celery"),
            "-A",
            "config",
            "worker",
            "--queues",
            ",".join(QUEUES),
            "-P",
            "prefork",
            "-c",
            str(concurrency),
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: killed as one, and only it
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def _kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)


def _wait_for(predicate, timeout=90.0, step=0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _sweeps_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        # Activity statistics are a snapshot per transaction: take a fresh one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            """SELECT count(*) FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid()
                 AND wait_event_type = 'Lock' AND query ILIKE '%%complaints_slaclock%%'"""
        )
        return cursor.fetchone()[0]


def _other_backends_busy() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid()
                 AND state <> 'idle'"""
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.worker
@pytest.mark.external
@pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task")
@pytest.mark.django_db(transaction=True)
def test_sweeps_killed_mid_way_and_overlapping_raise_every_alert_exactly_once(role_user, tmp_path):
    log = tmp_path / "worker.log"
    agent = role_user("consumer_service")
    with time_machine.travel(timezone.now() - timedelta(hours=100)):
        for case in CaseFactory.create_batch(CASES):
            services.assign(case=case, to=agent)
    app.control.purge()

    for _round in range(2):
        worker = _start_worker(concurrency=2, log=log)
        try:
            # Hold the decision table: a sweep marks the response clocks and inserts the
            # at-risk alerts (first statement), then blocks escalating the breaches.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("LOCK TABLE core_decision IN SHARE ROW EXCLUSIVE MODE")
                for _ in range(2):
                    app.send_task("complaints.tasks.sweep_sla")  # two overlapping sweeps
                assert _wait_for(lambda: _sweeps_waiting_on_a_lock() >= 1), log.read_text()
                _kill(worker)  # SIGKILL mid-sweep, while it holds its marks uncommitted
        finally:
            if worker.poll() is None:
                _kill(worker)
        assert _wait_for(lambda: not _other_backends_busy(), timeout=30)
        assert Alert.objects.count() == 0  # the killed sweeps committed nothing
        assert not SLAClock.objects.filter(stage__gt=0).exists()
        assert not Case.objects.filter(escalated=True).exists()

    app.control.purge()
    worker = _start_worker(concurrency=2, log=log)
    try:
        for _ in range(4):  # overlapping sweeps on two processes
            app.send_task("complaints.tasks.sweep_sla")
        assert _wait_for(lambda: Alert.objects.count() >= DUE_ALERTS)
        app.send_task("complaints.tasks.sweep_sla")
        time.sleep(3)  # a late, redundant sweep must change nothing
    finally:
        _kill(worker)

    assert Alert.objects.count() == DUE_ALERTS
    assert Alert.objects.values("key").distinct().count() == DUE_ALERTS
    assert set(Case.objects.values_list("priority", flat=True)) == {Priority.URGENT}
    assert Decision.objects.filter(action="escalate").count() == 2 * CASES
    assert settings.CELERY_TASK_ACKS_LATE

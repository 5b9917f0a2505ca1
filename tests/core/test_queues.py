"""Queues by urgency: tasks are routed to named queues, and a worker per queue keeps the
minute sweep on time while a long report task holds the reports worker."""

from datetime import timedelta

import psycopg2
import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from config.celery import QUEUES, app
from core.models import Alert
from reports.models.snapshots import Snapshot
from tests.factories.complaints import CaseFactory
from tests.worker import start_worker


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("complaints.tasks.sweep_sla", "sla"),
        ("merchants.tasks.appeal_deadline_sweep", "sla"),
        ("core.tasks.deliver_alerts", "mail"),
        ("complaints.tasks.notify_consumer", "mail"),
        ("complaints.tasks.send_tracking_link", "mail"),
        ("complaints.tasks.ingest_mailbox", "mail"),
        ("reports.tasks.snapshots.generate_snapshot", "reports"),
        ("reports.tasks.dashboards.refresh_daily_figures", "reports"),
        ("products.tasks.rescan_claims", "reports"),
        ("merchants.tasks.daily_document_sweep", "default"),
        ("reviews.tasks.compute_rolling_ratings", "default"),
    ],
)
def test_each_task_is_routed_to_the_queue_of_its_urgency(task, queue):
    route = app.amqp.router.route({}, task, (), {})
    assert route["queue"].name == queue
    assert queue in QUEUES


def _hold_row_lock(snapshot_id: int):
    """Another session takes the snapshot's row lock and keeps it: the report task that
    needs the row waits, as a long quarterly computation would hold its worker."""
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or (db.get("OPTIONS") or {}).get("host") or None,
        port=db.get("PORT") or None,
    )
    with conn.cursor() as cursor:
        cursor.execute("SELECT id FROM reports_snapshot WHERE id = %s FOR UPDATE", [snapshot_id])
    return conn


def _report_waiting_on_the_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            """SELECT count(*) FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock'
                 AND query ILIKE '%%reports_snapshot%%'"""
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.worker
@pytest.mark.external
@pytest.mark.django_db(transaction=True)
def test_the_minute_sweep_is_served_on_time_while_a_long_report_task_runs(tmp_path):
    with time_machine.travel(timezone.now() - timedelta(hours=30), tick=False):
        case = CaseFactory()  # its 24 h response deadline is long past
    snapshot = Snapshot.objects.create(year=2026, quarter=1, trigger=Snapshot.Trigger.ON_DEMAND)
    prefix = "test-queues-"
    lock = _hold_row_lock(snapshot.pk)
    try:
        with (
            start_worker(tmp_path, queues=["reports"], concurrency=1, prefix=prefix) as reports,
            start_worker(tmp_path, queues=["sla"], concurrency=1, prefix=prefix) as sla,
        ):
            app.send_task("reports.tasks.snapshots.generate_snapshot", args=[snapshot.pk])
            assert reports.wait_for(_report_waiting_on_the_lock, timeout=30), reports.log()
            app.send_task("complaints.tasks.sweep_sla")

            def breached():
                return Alert.objects.filter(
                    kind="sla_breached", object_id=str(case.pk), key__contains=":response:"
                ).exists()

            # The report still runs (its worker is busy) while the sweep has done its work.
            assert sla.wait_for(breached, timeout=20), sla.log()[-4000:]
            assert _report_waiting_on_the_lock()
            lock.rollback()
            assert reports.wait_for(
                lambda: Snapshot.objects.get(pk=snapshot.pk).state != Snapshot.State.QUEUED,
                timeout=60,
            ), reports.log()[-4000:]
    finally:
        lock.close()

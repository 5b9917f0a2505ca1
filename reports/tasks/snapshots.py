"""Reports tasks: quarterly snapshots. Thin and idempotent; the services hold the rules."""

from celery import shared_task

from core.audit import system_context


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def generate_snapshot(snapshot_id: int) -> int:
    """Compute and freeze one snapshot (re-delivery after a lost worker recomputes it; a
    ready snapshot is left as it is). Returns the snapshot's progress."""
    from reports.services import snapshots

    with system_context("reports.generate_snapshot"):
        return snapshots.generate(snapshot_id=snapshot_id).progress


@shared_task(acks_late=True)
def quarterly_snapshot() -> int | None:
    """Beat (daily): the last closed quarter gets its scheduled snapshot once."""
    from reports.services import snapshots

    with system_context("reports.quarterly_snapshot"):
        snapshot = snapshots.schedule_quarter_end_snapshot()
        return snapshot.pk if snapshot else None

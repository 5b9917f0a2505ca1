"""Demo data for the reports app (run by `manage.py seed_demo` after every other app)."""


def seed_late(log):
    seed_quarterly_report(log)


def seed_quarterly_report(log):
    """The current quarter's figures so far, frozen and published by the demo quality
    manager, so the staff report page and the public transparency page have content.
    Idempotent: a quarter with a published report is left alone."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from reports.models.snapshots import QuarterlyReport
    from reports.services import snapshots
    from reports.services.figures import quarter_of

    period = quarter_of(timezone.now())
    if QuarterlyReport.objects.filter(
        year=period.year, quarter=period.quarter, status=QuarterlyReport.Status.PUBLISHED
    ).exists():
        return
    manager = get_user_model().objects.get(username="manager")
    snapshot = snapshots.request_snapshot(year=period.year, quarter=period.quarter, by=manager)
    # Computed here rather than by a worker; the queued task then finds it ready.
    snapshot = snapshots.generate(snapshot_id=snapshot.pk)
    snapshots.publish_report(report=snapshot.report, by=manager, reason="Demo report")
    log(
        f"  quarterly report {period.label} published ({len(snapshot.figures['merchants'])} "
        "merchant scorecards)"
    )

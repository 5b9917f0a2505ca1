"""Demo data for reports, derived from every other app's examples once they exist: risk
scores (recomputed after sanctions and restrictions), the spike check, and a year of daily
dashboard figures. Idempotent: scores and days are rewritten in place, alerts are keyed."""

from datetime import timedelta

from django.utils import timezone

from reports.services import risk


def seed(log):
    result = risk.recompute_scores()
    log(f"  risk scores computed: {result.scored}")


def seed_late(log):
    seed_risk(log)
    seed_dashboards(log)
    seed_quarterly_report(log)


def seed_risk(log) -> None:
    result = risk.recompute_scores()
    spikes = risk.detect_spikes()
    log(
        f"  risk scores recomputed: {result.scored}; spikes this week "
        f"{spikes.merchant_alerts + spikes.category_alerts}"
    )
    for row in risk.top_risk(limit=3):
        log(f"    {row['merchant']}: {row['score']} ({row['tier']})")


def seed_dashboards(log) -> None:
    """Daily figures for the last year, so the dashboard shows the demo's cases at once
    (the beat keeps today and yesterday fresh afterwards)."""
    from reports.services.dashboards import refresh_daily_figures

    today = timezone.localdate()
    written = refresh_daily_figures(first=today - timedelta(days=365), last=today)
    log(f"  dashboards: {written} daily figure rows for the last year")


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

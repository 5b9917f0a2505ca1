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

"""Reports demo data. `seed_late` runs once every app has its examples."""

from datetime import timedelta

from django.utils import timezone


def seed(log) -> None:
    """Reports derive from every other app's rows: nothing to add before they exist."""


def seed_late(log) -> None:
    seed_dashboards(log)


def seed_dashboards(log) -> None:
    """Daily figures for the last year, so the dashboard shows the demo's cases at once
    (the beat keeps today and yesterday fresh afterwards). Idempotent: a refresh
    recomputes whole days."""
    from reports.services.dashboards import refresh_daily_figures

    today = timezone.localdate()
    written = refresh_daily_figures(first=today - timedelta(days=365), last=today)
    log(f"  dashboards: {written} daily figure rows for the last year")

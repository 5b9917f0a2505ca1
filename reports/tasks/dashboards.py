"""Reports tasks: dashboards. Thin and idempotent: a refresh recomputes whole days."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def refresh_daily_figures() -> int:
    """Woken by beat every few minutes: today's and yesterday's figures. Running twice, or
    concurrently with a backfill, is harmless (an advisory lock orders them)."""
    from reports.services.dashboards import refresh_recent

    written = refresh_recent()
    logger.info("daily figures: %d rows refreshed", written)
    return written

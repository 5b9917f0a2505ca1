"""Periodic work of the merchants app: thin, idempotent, calling services."""

from celery import shared_task

from core.audit import system_context


@shared_task(acks_late=True)
def daily_document_sweep() -> dict:
    """Expiry reminders, expiry restrictions, licence re-verification, agreement grace
    periods and probation ends, for every merchant at once."""
    from merchants.services import run_daily_sweep

    with system_context("merchants.daily_document_sweep"):
        result = run_daily_sweep()
    return {
        "reminders": result.reminders,
        "expired_alerts": result.expired_alerts,
        "restricted_merchants": result.restricted,
        "reverification_alerts": result.reverification_alerts,
        "probation_alerts": result.probation_alerts,
    }

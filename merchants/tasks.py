"""Periodic work of the merchants app: thin, idempotent, calling services."""

import logging

from celery import shared_task

from core.audit import system_context

logger = logging.getLogger(__name__)


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


@shared_task(acks_late=True, ignore_result=True)
def standing_daily_sweep() -> dict:
    """Expire ledger entries, lower held ladder steps, end time-boxed sanctions."""
    from merchants.services import sweep_standing

    with system_context("merchants.standing-sweep"):
        result = sweep_standing()
    logger.info("standing sweep: %s", result)
    return result.__dict__


@shared_task(acks_late=True, ignore_result=True)
def appeal_deadline_sweep() -> int:
    """Alert Merchant Management about appeal decisions due within a day or overdue."""
    from merchants.services import raise_appeal_deadline_alerts

    with system_context("merchants.appeal-deadlines"):
        return raise_appeal_deadline_alerts()


@shared_task(acks_late=True, ignore_result=True)
def training_sweep() -> dict:
    """Training: new cycles, audience entries, reminders 14/3/1, overdue alert, restriction."""
    from merchants.services import sweep_training

    with system_context("merchants.training-sweep"):
        result = sweep_training()
    logger.info("training sweep: %s", result)
    return result.__dict__

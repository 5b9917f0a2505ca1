"""Reports tasks: risk. Thin and idempotent: the daily score recompute, the spike check
and the end-of-probation reviews, each calling its service."""

import logging

from celery import shared_task

from core.audit import system_context

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def recompute_risk_scores() -> dict:
    from reports.services.risk import recompute_scores

    with system_context("reports.recompute_risk_scores"):
        result = recompute_scores()
    logger.info("risk recompute: %s", result)
    return result.__dict__


@shared_task(acks_late=True, ignore_result=True)
def detect_risk_spikes() -> dict:
    from reports.services.risk import detect_spikes

    with system_context("reports.detect_risk_spikes"):
        result = detect_spikes()
    logger.info("risk spikes: %s", result)
    return result.__dict__


@shared_task(acks_late=True, ignore_result=True)
def review_probations() -> dict:
    from reports.services.probation import run_probation_reviews

    with system_context("reports.review_probations"):
        result = run_probation_reviews()
    logger.info("probation reviews: %s", result)
    return result.__dict__

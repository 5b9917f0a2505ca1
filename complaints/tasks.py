"""Celery tasks: thin, idempotent, take ids, call services."""

import logging

from celery import shared_task
from django.conf import settings

from core.audit import system_context

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def sweep_sla() -> int:
    """Woken every minute by beat. Safe to run twice, concurrently, or after a kill: see
    complaints.sweep."""
    from complaints.services import record_merchant_breaches
    from complaints.sweep import sweep

    result = sweep()
    if result.total:
        logger.info("sla sweep raised %s", result.raised)
    # Merchant-caused breaches count against the merchant (violation points).
    with system_context("sla-merchant-breaches"):
        recorded = record_merchant_breaches()
    if recorded:
        logger.info("recorded %d merchant SLA breaches", recorded)
    return result.total


@shared_task(acks_late=True, ignore_result=True)
def sweep_remedies() -> int:
    """Woken by beat: remedies past due and still promised alert once, and the platform pays
    first what the merchant owed (complaints.remedy_sweep). Safe to run twice or overlap."""
    from complaints.remedy_sweep import sweep_remedies as sweep

    raised = sweep()
    if raised:
        logger.info("remedy sweep raised %d alerts", raised)
    return raised


@shared_task(acks_late=True, ignore_result=True)
def notify_platform_paid(remedy_ids: list[int]) -> int:
    """After a remedy sweep: the consumers whose remedy the platform now pays are told."""
    from complaints.services.remedies import tell_platform_paid as tell

    with system_context("remedy-sweep"):
        return tell(remedy_ids)


@shared_task(acks_late=True, ignore_result=True)
def notify_consumer(case_id: int, event: str, detail: str = "") -> None:
    """Tell the consumer that their case moved (complaints.notifications), in the case's
    language, on each of their channels. At least once: a retried task may send the same
    notice again, which is harmless."""
    from complaints import notifications
    from complaints.models import Case

    case = Case.objects.filter(pk=case_id).first()
    if case is None or event not in notifications.EVENTS:
        return
    with system_context("notify-consumer"):
        notifications.deliver(case, event, detail)


@shared_task(acks_late=True, ignore_result=True)
def send_tracking_link(case_id: int, token: str, to: str = "", reissued: bool = False) -> None:
    """Send the consumer the link to their case (at filing, or a new one they asked for on
    the lookup page, then only to the contact they typed). The token lives only in this
    message; the database keeps its hash."""
    from complaints import notifications
    from complaints.models import Case

    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return
    with system_context("send-tracking-link"):
        notifications.send_link(case, token, to=to, reissued=reissued)


@shared_task(acks_late=True, ignore_result=True)
def ingest_mailbox() -> int:
    """Woken by beat when COMPLAINTS_MAILBOX is set; idempotent by Message-ID."""
    from complaints.mail import ingest

    if not settings.COMPLAINTS_MAILBOX:
        return 0
    with system_context("ingest-complaint-mail"):
        result = ingest(settings.COMPLAINTS_MAILBOX)
    if result.stored:
        logger.info("complaint mailbox: %s", result)
    return result.stored


@shared_task(acks_late=True, ignore_result=True)
def deliver_buyer_notices() -> int:
    """Send queued buyer notices (complaints.services.buyer_notices), batch by batch. Woken
    when notices are queued and by beat for the retries; safe to run concurrently."""
    from complaints.services.buyer_notices import deliver_queued

    with system_context("deliver-buyer-notices"):
        sent = deliver_queued()
    if sent:
        logger.info("sent %d buyer notices", sent)
    return sent

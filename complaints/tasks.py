"""Celery tasks: thin, idempotent, take ids, call services."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

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


NOTICES = {
    "message": lambda: _("There is a new message about your case %(reference)s."),
    "question": lambda: _(
        "We need more information about your case %(reference)s. The clock is paused until "
        "you reply."
    ),
    "resolved": lambda: _("Your case %(reference)s has been decided: %(outcome)s."),
}


@shared_task(acks_late=True, ignore_result=True)
def notify_consumer(case_id: int, event: str) -> None:
    """Tell the consumer by email that their case moved. At least once: a retried task
    may send the same notice again, which is harmless."""
    from complaints.models import Case

    case = Case.objects.filter(pk=case_id).first()
    if case is None or not case.consumer_email or event not in NOTICES:
        return
    with system_context("notify-consumer"), translation.override(settings.LANGUAGE_CODE):
        text = NOTICES[event]() % {
            "reference": case.reference,
            "outcome": case.get_outcome_display(),
        }
        body = "\n\n".join(
            [text, _("Open the tracking link you received when you filed the case.")]
        )
        send_mail(
            f"[{settings.DISPLAY_NAME}] {case.reference}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [case.consumer_email],
        )


@shared_task(acks_late=True, ignore_result=True)
def send_tracking_link(case_id: int, token: str) -> None:
    """Mail the consumer the link to their case when staff recorded it for them (phone,
    email). The token lives only in this message; the database keeps its hash."""
    from django.urls import reverse

    from complaints.models import Case

    case = Case.objects.filter(pk=case_id).first()
    if case is None or not case.consumer_email:
        return
    with system_context("send-tracking-link"), translation.override(settings.LANGUAGE_CODE):
        link = settings.SITE_URL.rstrip("/") + reverse("complaints:case", args=[token])
        body = "\n\n".join(
            [
                _("We have recorded your case %(reference)s.") % {"reference": case.reference},
                _("Follow it, reply and add files here: %(link)s") % {"link": link},
                _("Keep this link private: anyone who has it can read the case."),
            ]
        )
        send_mail(
            f"[{settings.DISPLAY_NAME}] {case.reference}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [case.consumer_email],
        )


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

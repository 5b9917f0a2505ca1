import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from core.models import Alert

logger = logging.getLogger(__name__)
BATCH = 100


def _recipients(alert: Alert) -> list[tuple[str, str]]:
    """(email, language) of whoever should read this alert."""
    if alert.recipient_user_id:
        users = [alert.recipient_user]
    else:
        users = list(alert.recipient_group.user_set.filter(is_active=True))
    return [(u.email, u.preferred_language) for u in users if u.email]


def _send(alert: Alert) -> None:
    for email, language in _recipients(alert):
        with translation.override(language):
            text = alert.text
            body = f"{text}\n\n{settings.SITE_URL}{alert.url}" if alert.url else text
            send_mail(
                f"[{settings.DISPLAY_NAME}] {text}"[:200],
                body,
                settings.DEFAULT_FROM_EMAIL,
                [email],
            )


def deliver_pending(batch: int = BATCH) -> int:
    """Deliver undelivered alerts; safe to run many times at once.

    Each batch is claimed with FOR UPDATE SKIP LOCKED, so two runners never take the same
    row; a row is marked delivered in the transaction that claimed it. If the process dies
    after sending but before commit the row is sent again by the next run: at least once,
    never twice from two concurrent runners.
    """
    delivered = 0
    while True:
        with transaction.atomic():
            alerts = list(
                Alert.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(delivered_at__isnull=True)
                .select_related("recipient_user", "recipient_group")
                .order_by("created_at")[:batch]
            )
            if not alerts:
                return delivered
            for alert in alerts:
                _send(alert)
            Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(delivered_at=timezone.now())
            delivered += len(alerts)


@shared_task(acks_late=True, ignore_result=True)
def deliver_alerts() -> int:
    count = deliver_pending()
    if count:
        logger.info("delivered %d alerts", count)
    return count


__all__ = ["deliver_alerts", "deliver_pending"]

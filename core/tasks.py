import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from core.models import Alert
from core.text import one_line

logger = logging.getLogger(__name__)
BATCH = 100


def _recipients(alert: Alert) -> list[tuple[str, str]]:
    """(email, language) of whoever should read this alert."""
    if alert.recipient_user_id:
        users = [alert.recipient_user]
    else:
        users = list(alert.recipient_group.user_set.filter(is_active=True))
    return [(u.email, u.preferred_language) for u in users if u.email]


def header_text(text: str, limit: int = 200) -> str:
    """One line for an e-mail header: every run of whitespace and control characters (CR,
    LF included) becomes one space, so no alert text can ever make a header invalid."""
    return one_line(text, limit)


def _send(alert: Alert) -> None:
    for email, language in _recipients(alert):
        with translation.override(language):
            text = alert.text
            body = f"{text}\n\n{settings.SITE_URL}{alert.url}" if alert.url else text
            send_mail(
                header_text(f"[{settings.DISPLAY_NAME}] {text}"),
                body,
                settings.DEFAULT_FROM_EMAIL,
                [email],
            )


# Retry delays after the 1st, 2nd, ... failed attempt; one more failure parks the alert.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1


def _failed(alert: Alert, error: Exception, now) -> None:
    attempts = alert.attempts + 1
    fields = {"attempts": attempts, "last_error": f"{type(error).__name__}: {error}"[:2000]}
    if attempts >= MAX_ATTEMPTS:
        fields.update(failed_at=now, next_attempt_at=None)
    else:
        fields["next_attempt_at"] = now + BACKOFF[attempts - 1]
    Alert.objects.filter(pk=alert.pk).update(**fields)
    logger.warning(
        "alert %s delivery failed (attempt %d of %d): %s",
        alert.pk,
        attempts,
        MAX_ATTEMPTS,
        fields["last_error"],
    )


def deliver_pending(batch: int = BATCH) -> int:
    """Deliver undelivered alerts; safe to run many times at once. Returns how many were sent.

    Each batch is claimed with FOR UPDATE SKIP LOCKED, so two runners never take the same
    row; a row is marked delivered in the transaction that claimed it. If the process dies
    after sending but before commit the row is sent again by the next run: at least once,
    never twice from two concurrent runners.

    Failures stay local: an alert whose sending raises is given its error and a later
    attempt time (backoff), so it leaves this run's scan and the alerts behind it go on;
    after MAX_ATTEMPTS it is parked as a dead letter (failed_at), visible in the admin.
    """
    delivered = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            alerts = list(
                Alert.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(delivered_at__isnull=True, failed_at__isnull=True)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .select_related("recipient_user", "recipient_group")
                .order_by("created_at")[:batch]
            )
            if not alerts:
                return delivered
            sent = []
            for alert in alerts:
                try:
                    # A savepoint, so that even a database error while reading the
                    # recipients leaves the claiming transaction usable.
                    with transaction.atomic():
                        _send(alert)
                except Exception as error:
                    _failed(alert, error, now)
                else:
                    sent.append(alert.pk)
            if sent:
                Alert.objects.filter(pk__in=sent).update(
                    delivered_at=timezone.now(), next_attempt_at=None
                )
            delivered += len(sent)


def retry_delivery(alert_ids) -> int:
    """Put failed or parked alerts back in the queue (admin action)."""
    return Alert.objects.filter(pk__in=alert_ids, delivered_at__isnull=True).update(
        failed_at=None, next_attempt_at=None, attempts=0
    )


@shared_task(acks_late=True, ignore_result=True)
def deliver_alerts() -> int:
    count = deliver_pending()
    if count:
        logger.info("delivered %d alerts", count)
    return count


__all__ = ["deliver_alerts", "deliver_pending", "header_text", "retry_delivery"]


@shared_task
def maintain_partitions():
    """Monthly: create the coming months' partitions, then apply each table's retention."""
    from core import partitioning
    from core.audit import system_context

    with system_context("maintain_partitions"):
        created = partitioning.ensure_partitions()
        archived = partitioning.apply_retention()
    return {
        "created": created,
        "archived": [{"partition": a.partition, "rows": a.rows} for a in archived],
    }

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from core.alerts import alerts_read
from core.models import Alert
from core.text import one_line

logger = logging.getLogger(__name__)
BATCH = 100


def _read_members(alerts: list[Alert]) -> None:
    """The active members (email, language) of every group these alerts are addressed to,
    in one query, kept on each group alert as `group_members` for `_recipients`."""
    group_ids = {a.recipient_group_id for a in alerts if not a.recipient_user_id}
    group_ids.discard(None)
    members: dict[int, list[tuple[str, str]]] = {pk: [] for pk in group_ids}
    if group_ids:
        rows = (
            get_user_model()
            .objects.filter(groups__in=group_ids, is_active=True)
            .order_by("pk")
            .values_list("groups", "email", "preferred_language")
        )
        for group_id, email, language in rows:
            members[group_id].append((email, language))
    for alert in alerts:
        if not alert.recipient_user_id:
            alert.group_members = members.get(alert.recipient_group_id, [])


def _recipients(alert: Alert) -> list[tuple[str, str]]:
    """(email, language) of whoever should read this alert (a group's members as
    `_read_members` read them for the whole batch)."""
    if alert.recipient_user_id:
        users = [(alert.recipient_user.email, alert.recipient_user.preferred_language)]
    else:
        users = alert.group_members
    return [(email, language) for email, language in users if email]


def header_text(text: str, limit: int = 200) -> str:
    """One line for an e-mail header: every run of whitespace and control characters (CR,
    LF included) becomes one space, so no alert text can ever make a header invalid."""
    return one_line(text, limit)


def _messages(alert: Alert) -> list[tuple[str, str, str]]:
    """(subject, body, address) of each recipient, the text rendered once per language."""
    texts: dict[str, tuple[str, str]] = {}
    messages = []
    for email, language in _recipients(alert):
        if language not in texts:
            with translation.override(language):
                text = alert.text
                body = f"{text}\n\n{settings.SITE_URL}{alert.url}" if alert.url else text
                texts[language] = (header_text(f"[{settings.DISPLAY_NAME}] {text}"), body)
        subject, body = texts[language]
        messages.append((subject, body, email))
    return messages


def _prepare(alerts: list[Alert]) -> tuple[dict, dict]:
    """The messages of each alert ({pk: [(subject, body, address)]}) and the alerts that
    could not be read ({alert: error}).

    The whole batch is read at once: the groups' members in one query, and within
    `alerts_read` whatever the texts name (categories ...) once, so a batch costs the same
    statements however many alerts it has; a single savepoint guards it. Should anything
    fail there (a database error included), that savepoint is rolled back and the batch is
    read again alert by alert, each in its own savepoint, so the alert at fault is the only
    one that waits. Nothing has been sent yet at this point, so the second reading sends
    nobody anything twice."""
    try:
        with transaction.atomic():
            _read_members(alerts)
            with alerts_read(alerts):
                return {alert.pk: _messages(alert) for alert in alerts}, {}
    except Exception:
        logger.warning("reading an alert batch failed; reading it alert by alert", exc_info=True)
    prepared, failed = {}, {}
    for alert in alerts:
        try:
            with transaction.atomic():
                _read_members([alert])
                with alerts_read([alert]):
                    prepared[alert.pk] = _messages(alert)
        except Exception as error:
            failed[alert] = error
    return prepared, failed


def _send_all(alerts: list[Alert], prepared: dict, failed: dict) -> list[int]:
    """Send the prepared messages through one mail connection; returns the pks of the alerts
    whose every message went, and adds the others to `failed`.

    Sending reads and writes nothing in the database, so no savepoint per alert: an alert
    whose sending raises is caught here and the others go on."""
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:
        # The mail server cannot be reached: every alert of the batch waits (backoff)
        # rather than each trying it again in turn.
        failed.update((alert, error) for alert in alerts if alert.pk in prepared)
        return []
    sent = []
    try:
        for alert in alerts:
            if alert.pk not in prepared:
                continue
            try:
                for subject, body, email in prepared[alert.pk]:
                    send_mail(
                        subject, body, settings.DEFAULT_FROM_EMAIL, [email], connection=connection
                    )
            except Exception as error:
                failed[alert] = error
                _reconnect(connection)
            else:
                sent.append(alert.pk)
    finally:
        try:
            connection.close()
        except Exception:
            logger.warning("closing the mail connection failed", exc_info=True)
    return sent


def _reconnect(connection) -> None:
    """After a failed message the connection may be broken (the server hung up): open a
    new one for the alerts behind it. Should that fail, each of them fails on its own."""
    try:
        connection.close()
        connection.open()
    except Exception:
        logger.warning("reopening the mail connection failed", exc_info=True)


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
            prepared, failed = _prepare(alerts)
            sent = _send_all(alerts, prepared, failed)
            for alert, error in failed.items():
                _failed(alert, error, now)
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

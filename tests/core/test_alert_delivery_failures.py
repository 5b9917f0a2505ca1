"""Alert delivery: one bad alert never stops the others (issue 16, finding 1)."""

from datetime import timedelta
from unittest import mock

from django.core import mail
from django.utils import timezone

from core import tasks
from core.models import Alert
from core.tasks import MAX_ATTEMPTS, deliver_pending, retry_delivery
from tests.factories import UserFactory


def _alerts(user, payloads):
    return Alert.objects.bulk_create(
        Alert(kind="test", key=f"fail:{i}", recipient_user=user, payload={"n": n})
        for i, n in enumerate(payloads)
    )


def test_alert_text_with_line_breaks_is_sent_with_a_single_line_subject(db):
    user = UserFactory(email="agent@example.test")
    _alerts(user, ["Evil Ltd\r\nBcc: victim@example.test", "fine"])
    assert deliver_pending() == 2
    subjects = sorted(m.subject for m in mail.outbox)
    assert all("\n" not in s and "\r" not in s for s in subjects)
    assert any("Evil Ltd Bcc: victim@example.test" in s for s in subjects)
    # The full text stays in the body.
    assert any("Evil Ltd\r\nBcc" in m.body for m in mail.outbox)
    assert all(m.to == ["agent@example.test"] for m in mail.outbox)


def test_a_failing_alert_is_retried_later_and_the_alerts_behind_it_are_delivered(db):
    user = UserFactory(email="agent@example.test")
    bad, *good = _alerts(user, ["boom", "1", "2", "3"])
    real = tasks.send_mail

    def send(subject, body, *args, **kwargs):
        if "boom" in body:
            raise ConnectionError("SMTP said no")
        return real(subject, body, *args, **kwargs)

    with mock.patch.object(tasks, "send_mail", send):
        assert deliver_pending(batch=2) == 3
        bad.refresh_from_db()
        assert bad.delivered_at is None and bad.failed_at is None
        assert bad.attempts == 1
        assert "SMTP said no" in bad.last_error
        assert bad.next_attempt_at > timezone.now()
        # Not due yet: a second run does not try it again.
        assert deliver_pending() == 0
        bad.refresh_from_db()
        assert bad.attempts == 1
    assert len(mail.outbox) == 3
    assert (
        Alert.objects.filter(pk__in=[a.pk for a in good], delivered_at__isnull=False).count() == 3
    )

    # Once due, it is tried again and delivered when the cause has gone.
    with mock.patch.object(tasks.timezone, "now", return_value=bad.next_attempt_at):
        assert deliver_pending() == 1
    bad.refresh_from_db()
    assert bad.delivered_at is not None


def test_an_alert_failing_every_attempt_ends_as_a_dead_letter_with_its_error(db, admin_client):
    user = UserFactory(email="agent@example.test")
    (bad,) = _alerts(user, ["boom"])
    now = timezone.now()
    with mock.patch.object(tasks, "send_mail", side_effect=ValueError("bad header")):
        for _attempt in range(MAX_ATTEMPTS):
            with mock.patch.object(tasks.timezone, "now", return_value=now):
                deliver_pending()
            now += timedelta(days=1)
    bad.refresh_from_db()
    assert bad.attempts == MAX_ATTEMPTS
    assert bad.failed_at is not None and bad.delivered_at is None
    assert bad.next_attempt_at is None
    # Parked: later runs leave it alone.
    with mock.patch.object(tasks, "send_mail") as send:
        assert deliver_pending() == 0
        send.assert_not_called()

    listing = admin_client.get("/admin/core/alert/?failed_at__isnull=False")
    assert listing.status_code == 200
    assert f"/admin/core/alert/{bad.pk}/change/" in listing.content.decode()
    page = admin_client.get(f"/admin/core/alert/{bad.pk}/change/")
    assert "ValueError: bad header" in page.content.decode()

    assert retry_delivery([bad.pk]) == 1
    assert deliver_pending() == 1
    bad.refresh_from_db()
    assert bad.delivered_at is not None


def test_a_database_error_while_sending_one_alert_does_not_abort_the_batch(db):
    user = UserFactory(email="agent@example.test")
    bad, good = _alerts(user, ["boom", "ok"])
    real = tasks._recipients

    def recipients(alert):
        if alert.pk == bad.pk:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SELECT 1/0")
        return real(alert)

    with mock.patch.object(tasks, "_recipients", recipients):
        assert deliver_pending() == 1
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.delivered_at is not None
    assert bad.attempts == 1 and "division by zero" in bad.last_error

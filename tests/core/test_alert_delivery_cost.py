"""Alert delivery is set-based (issue 21): a batch costs the same statements however many
alerts it holds, its mail goes through one connection, one failing alert waits alone."""

from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Alert
from core.tasks import BACKOFF, deliver_pending
from merchants.models import ViolationRule
from tests.factories import CategoryFactory, UserFactory

RULES = ["late-shipping", "fake-report"]


@pytest.fixture
def audience(db):
    """Two users (one per language) and two groups of three members, both languages in
    each, plus an inactive member who must get nothing."""
    users = [
        UserFactory(email="solo-en@example.test", preferred_language="en"),
        UserFactory(email="solo-zh@example.test", preferred_language="zh-hans"),
    ]
    groups = []
    for g in range(2):
        group = Group.objects.create(name=f"delivery cost {g}")
        for i, language in enumerate(["en", "zh-hans", "en"]):
            UserFactory(email=f"g{g}-m{i}@example.test", preferred_language=language).groups.add(
                group
            )
        UserFactory(email=f"g{g}-gone@example.test", is_active=False).groups.add(group)
        groups.append(group)
    categories = [CategoryFactory(name_en=f"Tea {c}", name_zh=f"茶叶{c}") for c in range(3)]
    for code in RULES:
        for version in (1, 2):
            ViolationRule.objects.create(
                code=code,
                version=version,
                title_en=f"Rule {code} v{version}",
                title_zh=f"规则{code}第{version}版",
                points=3,
                severity="minor",
                effective_from=timezone.now(),
            )
    return users, groups, categories


def _kind_and_payload(n: int, categories) -> tuple[str, dict]:
    """A test alert, a sanction revoked for a reason naming a category, a violation of a
    rule: the texts of the last two read a category's name, a rule's title."""
    if n % 2:
        return "test", {"n": n}
    if n % 4:
        return "sanction_revoked", {
            "merchant": f"Shop {n}",
            "kind": "warning",
            "reason": {
                "reason_code": "category_not_approved",
                "reason_params": {"category": categories[n % 3].pk},
            },
        }
    rule = RULES[n % 8 // 4]
    return "violation_recorded", {
        "merchant": f"Shop {n}",
        "points": 3,
        "rule": rule,
        "expires": "2027-01-01",
    }


def _raise(audience, count: int, prefix: str) -> list[Alert]:
    users, groups, categories = audience
    rows = []
    for n in range(count):
        kind, payload = _kind_and_payload(n, categories)
        target = {"recipient_user": users[n % 2]} if n % 3 else {"recipient_group": groups[n % 2]}
        rows.append(Alert(kind=kind, key=f"{prefix}:{n}", payload=payload, **target))
    return Alert.objects.bulk_create(rows)


def _expected(alert: Alert) -> list[tuple[str, str]]:
    if alert.recipient_user_id:
        members = [alert.recipient_user]
    else:
        members = alert.recipient_group.user_set.filter(is_active=True)
    return [(u.email, u.preferred_language) for u in members]


def _statements(audience, count: int, prefix: str) -> int:
    _raise(audience, count, prefix)
    with CaptureQueriesContext(connection) as queries:
        assert deliver_pending() == count
    return len(queries)


def test_a_batch_costs_the_same_statements_for_3_or_30_alerts(audience):
    few = _statements(audience, 3, "few")
    many = _statements(audience, 30, "many")
    assert few == many
    # The claim, the groups' members, the categories, the rules, the UPDATE and the empty
    # claim that ends the run; one savepoint (2 statements) around the batch's reading, and
    # within the test's transaction each claiming transaction is a savepoint too (2 x 2):
    # nothing per alert.
    assert many == 6 + 2 + 4


def test_each_recipient_gets_one_mail_in_their_own_language(audience):
    alerts = _raise(audience, 30, "lang")
    mail.outbox = []
    assert deliver_pending() == 30
    expected = sorted(
        (email, alert.pk, language) for alert in alerts for email, language in _expected(alert)
    )
    assert len(mail.outbox) == len(expected)
    assert not any("gone" in address for m in mail.outbox for address in m.to)
    names = titles = 0
    by_address: dict[str, list] = {}
    for message in mail.outbox:
        (address,) = message.to
        by_address.setdefault(address, []).append(message)
    for address, messages in by_address.items():
        language = next(lang for email, _pk, lang in expected if email == address)
        wanted = sum(1 for email, _pk, _lang in expected if email == address)
        assert len(messages) == wanted, address
        for message in messages:
            if language == "en":
                assert message.subject.startswith("[Merchant Quality Governance]")
            else:
                assert message.subject.startswith("[商家质量治理]")
            if "Tea " in message.body or "茶叶" in message.body:
                assert ("Tea " in message.body) == (language == "en"), message.body
                assert ("茶叶" in message.body) == (language == "zh-hans"), message.body
                names += 1
            if "Rule " in message.body or "规则" in message.body:
                # The rule's latest version, in the reader's language.
                latest = {"en": ("Rule {} v2"), "zh-hans": "规则{}第2版"}[language]
                assert any(latest.format(code) in message.body for code in RULES), message.body
                titles += 1
    assert names and titles
    assert not Alert.objects.filter(delivered_at__isnull=True).exists()


def test_the_batch_is_sent_through_one_mail_connection(audience):
    _raise(audience, 12, "conn")
    with mock.patch.object(EmailBackend, "open", autospec=True, return_value=True) as opened:
        assert deliver_pending() == 12
    assert opened.call_count == 1


def test_one_alert_failing_to_send_is_retried_and_the_others_are_delivered(audience):
    alerts = _raise(audience, 9, "fail")
    bad = next(a for a in alerts if a.recipient_group_id)
    Alert.objects.filter(pk=bad.pk).update(kind="test", payload={"n": 999})
    real = EmailBackend.send_messages

    def send_messages(self, messages):
        if any("Test alert 999" in m.body for m in messages):
            raise ConnectionError("SMTP said no")
        return real(self, messages)

    now = timezone.now()
    mail.outbox = []
    with (
        mock.patch.object(EmailBackend, "send_messages", send_messages),
        mock.patch("core.tasks.timezone.now", return_value=now),
    ):
        assert deliver_pending() == 8
    bad.refresh_from_db()
    assert bad.delivered_at is None and bad.failed_at is None
    assert bad.attempts == 1 and "SMTP said no" in bad.last_error
    assert bad.next_attempt_at == now + BACKOFF[0]
    others = Alert.objects.exclude(pk=bad.pk)
    assert others.count() == 8
    assert not others.filter(delivered_at__isnull=True).exists()
    assert len(mail.outbox) == sum(len(_expected(a)) for a in alerts if a.pk != bad.pk)

    # Not due yet; once due it is delivered, the cause gone.
    with mock.patch("core.tasks.timezone.now", return_value=now):
        assert deliver_pending() == 0
    with mock.patch("core.tasks.timezone.now", return_value=now + BACKOFF[0]):
        assert deliver_pending() == 1
    bad.refresh_from_db()
    assert bad.delivered_at is not None
    assert len(mail.outbox) == sum(len(_expected(a)) for a in alerts)

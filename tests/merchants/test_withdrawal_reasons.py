"""Why a violation was withdrawn: the system's reasons (an upheld appeal, a passed re-test:
tests/inspections/test_retest_withdrawal_reason.py) are a code plus parameters read in each
reader's language, on the entry, its decisions and the sanctions the withdrawal revokes;
what staff typed stays as typed; the sentences stored as text before are given their code
(issue 19)."""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from core.audit import decisions_for
from core.decision_labels import reason_label
from core.exceptions import DomainError
from core.models import Decision
from merchants import reason_texts, services
from merchants.models import Sanction, ViolationEntry
from tests.factories.standing import EvidenceFactory, rules_catalogue  # noqa: F401
from tests.languages import in_both

pytestmark = pytest.mark.django_db
backfill = import_module("merchants.migrations.0022_withdrawal_reason_codes").forwards

UPHELD = ("Appeal upheld: Wrong shop.", "申诉成立：Wrong shop.")  # noqa: RUF001


@pytest.fixture
def manager(role_user):
    return role_user("merchant_management")


@pytest.fixture
def colleague(role_user):
    return role_user("merchant_management")


def add(merchant, by=None):
    return services.record_violation(
        merchant=merchant,
        rule_code="inspection_lot_rejected",
        evidence=EvidenceFactory(),
        recorded_by=by,
    )


def read(client, url, language):
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200, url
    return page.content.decode()


def test_an_upheld_appeal_withdraws_with_a_code_read_in_each_language(
    merchant_a, owner_a, manager, colleague
):
    add(merchant_a)
    disputed = add(merchant_a, by=manager)  # 12 points: a sales restriction
    step12 = Sanction.objects.get(step_points=12, kind="sales_restriction")
    appeal = services.submit_appeal(by=owner_a, statement="Not our lot.", entry=disputed)
    services.start_appeal_review(appeal=appeal, by=colleague)
    services.decide_appeal(appeal=appeal, by=colleague, upheld=True, reason=" Wrong shop. ")

    entry = ViolationEntry.objects.get(pk=disputed.pk)
    assert entry.status == "withdrawn"
    assert (entry.withdrawal_reason, entry.withdrawal_code) == ("", reason_texts.APPEAL_UPHELD)
    assert entry.withdrawal_params == {"reason": "Wrong shop."}
    assert in_both(lambda: entry.withdrawal_text) == UPHELD
    (withdrawn,) = [d for d in decisions_for(entry) if d.action == "withdraw"]
    assert withdrawn.reason == ""
    assert withdrawn.data["reason_code"] == reason_texts.APPEAL_UPHELD
    assert in_both(lambda: reason_label(withdrawn)) == UPHELD
    # The ladder sanction the entry no longer justifies is revoked with the same reason.
    step12.refresh_from_db()
    assert (step12.status, step12.end_reason) == ("revoked", "")
    assert step12.end_reason_code == reason_texts.APPEAL_UPHELD
    assert in_both(lambda: step12.end_text) == UPHELD

    # The merchant portal and the staff standing page show it in the reader's language.
    for user, url in (
        (owner_a, "/merchant/standing/"),
        (manager, f"/staff/merchants/{merchant_a.pk}/standing/"),
    ):
        client = Client()
        client.force_login(user)
        assert UPHELD[0] in read(client, url, "en")
        page = read(client, url, "zh-hans")
        assert UPHELD[1] in page and UPHELD[0] not in page
    # The API keeps withdrawal_reason, now in the reader's language, beside the code.
    api = APIClient()
    api.force_authenticate(owner_a)
    url = f"/api/v1/standing/entries/{entry.pk}/"
    body = api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["withdrawal_code"] == "appeal_upheld"
    assert body["withdrawal_params"] == {"reason": "Wrong shop."}
    assert body["withdrawal_reason"] == UPHELD[0]
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["withdrawal_reason"] == UPHELD[1]


def test_a_staff_withdrawal_keeps_its_typed_reason(merchant_a, manager):
    entry = add(merchant_a)
    services.withdraw_violation(
        evidence=entry.evidence,
        rule_code=entry.rule_code,
        by=manager,
        reason="Recorded against the wrong shop.",
    )
    entry = ViolationEntry.objects.get(pk=entry.pk)
    assert (entry.withdrawal_reason, entry.withdrawal_code, entry.withdrawal_params) == (
        "Recorded against the wrong shop.",
        "",
        {},
    )
    assert in_both(lambda: entry.withdrawal_text) == ("Recorded against the wrong shop.",) * 2
    (withdrawn,) = [d for d in decisions_for(entry) if d.action == "withdraw"]
    assert withdrawn.reason == "Recorded against the wrong shop."
    assert "reason_code" not in withdrawn.data


def test_a_withdrawal_needs_a_reason_or_a_code(merchant_a, manager):
    entry = add(merchant_a)
    with translation.override("en"), pytest.raises(DomainError, match="reason"):
        services.withdraw_violation(
            evidence=entry.evidence, rule_code=entry.rule_code, by=manager, reason="  "
        )


# --- the backfill of the sentences stored as text -----------------------------------------
def test_the_backfill_converts_exact_sentences_and_leaves_other_text(merchant_a, manager):
    entries = [add(merchant_a) for _ in range(5)]
    texts = [
        "Re-test #41 accepted the lot; the verdict is overturned.",
        "复检 #42 判定该批接收；原判定被推翻。",  # noqa: RUF001
        "Appeal upheld: Wrong shop.",
        "申诉成立：别家的批次。",  # noqa: RUF001
        "Re-test #43 accepted the lot; the verdict is overturned. Also the label was wrong.",
    ]
    for entry, text in zip(entries, texts, strict=True):
        ViolationEntry.objects.filter(pk=entry.pk).update(
            status="withdrawn", withdrawal_reason=text
        )
    entry_type = ContentType.objects.get_for_model(ViolationEntry)
    decisions = [
        Decision.objects.create(
            content_type=entry_type, object_id=str(entry.pk), action="withdraw", reason=text
        )
        for entry, text in zip(entries, texts, strict=True)
    ]
    sanction = Sanction.objects.get(step_points=12, kind="sales_restriction")
    Sanction.objects.filter(pk=sanction.pk).update(status="revoked", end_reason=texts[0])

    backfill(apps, SimpleNamespace(connection=connection))

    expected = [
        (reason_texts.RETEST_OVERTURNED, {"id": "41"}),
        (reason_texts.RETEST_OVERTURNED, {"id": "42"}),
        (reason_texts.APPEAL_UPHELD, {"reason": "Wrong shop."}),
        (reason_texts.APPEAL_UPHELD, {"reason": "别家的批次。"}),
    ]
    rows = ViolationEntry.objects.in_bulk([e.pk for e in entries])
    for entry, (code, params) in zip(entries, expected, strict=False):
        row = rows[entry.pk]
        assert (row.withdrawal_reason, row.withdrawal_code, row.withdrawal_params) == (
            "",
            code,
            params,
        )
    assert in_both(lambda: rows[entries[0].pk].withdrawal_text) == (
        texts[0],
        "复检 #41 判定该批接收；原判定被推翻。",  # noqa: RUF001
    )
    assert in_both(lambda: rows[entries[1].pk].withdrawal_text)[0] == (
        "Re-test #42 accepted the lot; the verdict is overturned."
    )
    assert in_both(lambda: rows[entries[3].pk].withdrawal_text) == (
        "Appeal upheld: 别家的批次。",
        texts[3],
    )
    # Text that is not exactly the system's sentence stays as written.
    kept = rows[entries[4].pk]
    assert (kept.withdrawal_reason, kept.withdrawal_code, kept.withdrawal_params) == (
        texts[4],
        "",
        {},
    )
    for decision in decisions:
        decision.refresh_from_db()
    assert [d.data.get("reason_code") for d in decisions] == [c for c, _ in expected] + [None]
    assert decisions[4].reason == texts[4]
    assert in_both(lambda: reason_label(decisions[0]))[1] == "复检 #41 判定该批接收；原判定被推翻。"  # noqa: RUF001
    sanction.refresh_from_db()
    assert (sanction.end_reason, sanction.end_reason_code) == (
        "",
        reason_texts.RETEST_OVERTURNED,
    )
    assert in_both(lambda: sanction.end_text)[0] == texts[0]

"""Reasons the system writes on restrictions, sanctions and their decisions are stored as a
code plus parameters and read in each reader's language (issue 19, "no raw codes")."""

import re

import pytest
from django.utils import translation

from core.decision_labels import reason_label
from core.models import Decision
from merchants import reason_texts, services
from merchants.models import Restriction, Sanction
from tests.factories.merchants import MerchantFactory
from tests.factories.standing import EvidenceFactory, rules_catalogue  # noqa: F401
from tests.merchants.test_onboarding_expiry import TODAY, shop, sweep  # noqa: F401

pytestmark = pytest.mark.django_db
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def in_both(render):
    with translation.override("en"):
        en = render()
    with translation.override("zh-hans"):
        zh = render()
    for text in (en, zh):
        assert text and not SNAKE.search(text), text
    return en, zh


# code, parameters, English, a fragment only the Chinese has
CASES = [
    (
        reason_texts.DOCUMENT_EXPIRED,
        {"document_type": "business_licence", "number": "91-1", "expires": "2026-06-01"},
        "Required document expired: Business licence 91-1 (2026-06-01)",
        "营业执照 91-1",
    ),
    (
        reason_texts.AGREEMENT_NOT_ACCEPTED,
        {"version": 3},
        "Merchant agreement not accepted: version 3",
        "第 3 版",
    ),
    (
        reason_texts.RATING_BELOW,
        {
            "average": "3.4833",
            "count": 20,
            "threshold": "3.5",
            "accuracy": "4",
            "attitude": "3.45",
            "logistics": "3",
        },
        "90-day service rating 3.48 over 20 ratings is below 3.50 (description 4.00, "
        "attitude 3.45, logistics 3.00).",
        "共 20 条评分",
    ),
    (
        reason_texts.INSPECTION_DISCONTINUED,
        {},
        "5 lots rejected on tightened inspection: acceptance stopped",
        "加严检验",
    ),
    (
        reason_texts.TRAINING_OVERDUE,
        {"programme": "Food safety", "due": "2026-06-01"},
        "Training Food safety overdue since 2026-06-01",
        "起逾期",
    ),
    (
        reason_texts.LADDER_STEP,
        {"points": 14, "step": 12},
        "14 points reached the 12-point step of the sanction ladder.",
        "处罚阶梯",
    ),
    (
        reason_texts.LADDER_SHORTENED,
        {"points": 10, "step": 6},
        "Shortened after a violation was withdrawn: 10 points remain for the 6-point step.",
        "剩余 10 分",
    ),
]


@pytest.mark.parametrize(("code", "params", "english", "chinese"), CASES)
def test_a_stored_restriction_reads_in_the_readers_language(code, params, english, chinese):
    merchant = MerchantFactory(status="active")
    restriction = services.restrict(
        merchant=merchant,
        kind=Restriction.Kind.SALES_RESTRICTION,
        reason=Restriction.Reason.MANUAL,
        source=f"test:{code}",
        reason_code=code,
        reason_params=params,
    )
    restriction = Restriction.objects.get(pk=restriction.pk)  # as stored
    assert restriction.detail == "" and restriction.reason_code == code
    en, zh = in_both(lambda: restriction.detail_text)
    assert en == english
    assert chinese in zh and en != zh
    decision = Decision.objects.get(
        content_type__model="restriction", object_id=str(restriction.pk), action="restrict"
    )
    assert decision.data["reason_code"] == code
    assert in_both(lambda: reason_label(decision)) == (en, zh)


def test_staff_written_detail_stays_as_typed():
    merchant = MerchantFactory(status="active")
    restriction = services.restrict(
        merchant=merchant,
        kind=Restriction.Kind.SALES_RESTRICTION,
        reason=Restriction.Reason.MANUAL,
        source="test:manual",
        detail="Counterfeit batch under investigation",
    )
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert restriction.detail_text == "Counterfeit batch under investigation"


def test_the_expiry_sweep_stores_codes_not_words(shop):  # noqa: F811
    merchant, _owner, _category, licence, _report = shop
    licence.expires_on = TODAY
    licence.number = "91-7"
    licence.save()
    sweep(0)
    restriction = Restriction.objects.get(merchant=merchant, reason="document_expired")
    assert restriction.detail == ""
    assert restriction.reason_params == {
        "document_type": "business_licence",
        "number": "91-7",
        "expires": TODAY.isoformat(),
    }
    en, zh = in_both(lambda: restriction.detail_text)
    assert en == f"Required document expired: Business licence 91-7 ({TODAY.isoformat()})"
    assert "营业执照 91-7" in zh
    decision = Decision.objects.get(
        content_type__model="restriction", object_id=str(restriction.pk), action="restrict"
    )
    assert decision.reason == ""
    assert in_both(lambda: reason_label(decision)) == (en, zh)


def add(merchant, code):
    return services.record_violation(merchant=merchant, rule_code=code, evidence=EvidenceFactory())


def test_a_ladder_sanction_and_its_restriction_read_in_the_readers_language(merchant_a):
    add(merchant_a, "inspection_lot_rejected")  # 6
    for _ in range(3):
        add(merchant_a, "sla_breach_merchant")  # 12: the 12-point step
    sanction = Sanction.objects.get(merchant=merchant_a, kind="sales_restriction")
    assert sanction.reason_code == reason_texts.LADDER_STEP
    assert sanction.reason_params == {"points": 12, "step": 12}
    en, zh = in_both(lambda: sanction.why)
    assert en == "12 points reached the 12-point step of the sanction ladder."
    assert zh == "积分达到 12 分，触发处罚阶梯的 12 分档。"  # noqa: RUF001
    restriction = sanction.restriction
    assert restriction.detail == "" and in_both(lambda: restriction.detail_text) == (en, zh)
    decision = Decision.objects.get(
        content_type__model="sanction", object_id=str(sanction.pk), action="impose"
    )
    assert in_both(lambda: reason_label(decision)) == (en, zh)


def test_the_sanction_api_gives_the_reason_in_the_readers_language(merchant_a, owner_a):
    from rest_framework.test import APIClient

    add(merchant_a, "inspection_lot_rejected")
    for _ in range(3):
        add(merchant_a, "sla_breach_merchant")
    sanction = Sanction.objects.get(merchant=merchant_a, kind="sales_restriction")
    client = APIClient()
    client.force_authenticate(owner_a)
    url = f"/api/v1/standing/sanctions/{sanction.pk}/"
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert en["why"] == "12 points reached the 12-point step of the sanction ladder."
    assert zh["why"] == "积分达到 12 分，触发处罚阶梯的 12 分档。"  # noqa: RUF001
    assert en["reason_code"] == "ladder_step" and en["reason_params"] == {"points": 12, "step": 12}


def test_staff_and_portal_pages_show_the_reasons_as_words(merchant_a, owner_a, role_user):
    from django.test import Client

    add(merchant_a, "inspection_lot_rejected")
    for _ in range(3):
        add(merchant_a, "sla_breach_merchant")
    pages = [
        (owner_a, "/merchant/"),
        (owner_a, "/merchant/standing/"),
        (role_user("merchant_management"), f"/staff/merchants/{merchant_a.pk}/standing/"),
    ]
    for user, url in pages:
        client = Client()
        client.force_login(user)
        for language, words in (
            ("en", "12 points reached the 12-point step"),
            ("zh-hans", "触发处罚阶梯的 12 分档"),
        ):
            page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert page.status_code == 200, url
            text = page.content.decode()
            assert words in text, (url, language)
            for code in ("ladder_step", "sales_restriction", "inspection_lot_rejected"):
                assert f">{code}<" not in text and f" {code} " not in text

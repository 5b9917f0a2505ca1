# ruff: noqa: F811  (pytest fixtures imported from test_standing_teeth)
"""Ledger notes, sanction end reasons and listing status reasons the system writes are stored
as a code plus parameters and read in each reader's language; what staff typed stays as typed;
the sentences stored as text before the codes are given their code by one statement (issue 19).
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.alerts import render_text
from core.models import Alert
from merchants import reason_texts, services
from merchants.models import Sanction, ViolationEntry
from products.models import Product
from tests.factories.standing import EvidenceFactory, rules_catalogue  # noqa: F401
from tests.merchants.test_reason_texts import in_both
from tests.merchants.test_standing_teeth import (  # noqa: F401  (fixtures)
    colleague,
    delist,
    food,
    manager,
    product_a,
    suspend,
)

pytestmark = pytest.mark.django_db


def breach(merchant, reference="C-2026-0001"):
    return services.record_violation(
        merchant=merchant,
        rule_code="sla_breach_merchant",
        evidence=EvidenceFactory(),
        note_code=reason_texts.CASE_NOT_ANSWERED,
        note_params={"reference": reference},
    )


def read(client, url, language):
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200, url
    return page.content.decode()


# --- ledger notes -------------------------------------------------------------------------
def test_a_system_ledger_note_reads_in_the_readers_language(merchant_a, owner_a, role_user):
    entry = ViolationEntry.objects.get(pk=breach(merchant_a).pk)  # as stored
    assert (entry.note, entry.note_code) == ("", reason_texts.CASE_NOT_ANSWERED)
    en, zh = in_both(lambda: entry.note_text)
    assert en == "The merchant did not answer case C-2026-0001 in time."
    assert zh == "商家未在时限内答复案件 C-2026-0001。"
    # The merchant portal and the staff standing page show it in the reader's language.
    for user, url in (
        (owner_a, "/merchant/standing/"),
        (role_user("merchant_management"), f"/staff/merchants/{merchant_a.pk}/standing/"),
    ):
        client = Client()
        client.force_login(user)
        assert en in read(client, url, "en")
        assert zh in read(client, url, "zh-hans")
    # The API gives the code, its parameters and the words of the reader's language.
    api = APIClient()
    api.force_authenticate(owner_a)
    url = f"/api/v1/standing/entries/{entry.pk}/"
    body = api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["note_code"] == "case_not_answered"
    assert body["note_params"] == {"reference": "C-2026-0001"}
    assert body["note_text"] == en
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["note_text"] == zh


def test_a_staff_note_stays_as_typed(merchant_a):
    entry = services.record_violation(
        merchant=merchant_a,
        rule_code="sla_breach_merchant",
        evidence=EvidenceFactory(),
        note="Courier slip shows 9 days.",
    )
    assert entry.note_code == ""
    assert in_both(lambda: entry.note_text) == ("Courier slip shows 9 days.",) * 2


# --- sanction end reasons -----------------------------------------------------------------
def test_a_sanction_ended_by_the_sweep_reads_in_the_readers_language(merchant_a, manager):
    sanction = suspend(merchant_a, manager, days=21)
    with time_machine.travel(timezone.now() + timedelta(days=22)):
        services.sweep_standing()
    sanction = Sanction.objects.get(pk=sanction.pk)
    assert sanction.status == "ended"
    assert (sanction.end_reason, sanction.end_reason_code) == ("", reason_texts.TIME_RAN_OUT)
    assert in_both(lambda: sanction.end_text) == (
        "The sanction's time ran out.",
        "处罚期限已届满。",
    )


def test_an_upheld_appeal_ends_a_delisting_and_relists_in_the_readers_language(
    merchant_a, owner_a, product_a, manager, colleague
):
    sanction = delist(product_a, manager)
    product = Product.objects.get(pk=product_a.pk)
    assert product.status == "delisted" and product.status_reason == ""
    assert product.status_reason_code == reason_texts.DELISTED_BY_SANCTION
    assert product.status_reason_params == {"reason": "Counterfeit charger."}
    assert in_both(lambda: product.status_reason_text) == (
        "Delisted by a sanction: Counterfeit charger.",
        "因处罚下架：Counterfeit charger.",  # noqa: RUF001
    )
    # So do the merchant's alert, its product list and the API.
    alert = Alert.objects.get(kind="listing_status", recipient_user=owner_a)
    en, zh = in_both(lambda: render_text(alert.kind, alert.payload))
    assert en.endswith("is now Delisted: Delisted by a sanction: Counterfeit charger.")
    assert "因处罚下架" in zh
    client = Client()
    client.force_login(owner_a)
    assert "因处罚下架" in read(client, "/merchant/products/", "zh-hans")
    api = APIClient()
    api.force_authenticate(owner_a)
    body = api.get(f"/api/v1/products/{product.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["status_reason_code"] == "delisted_by_sanction"
    assert body["status_reason_text"] == "Delisted by a sanction: Counterfeit charger."

    appeal = services.submit_appeal(by=owner_a, statement="Genuine.", sanction=sanction)
    services.start_appeal_review(appeal=appeal, by=colleague)
    services.decide_appeal(appeal=appeal, by=colleague, upheld=True, reason="Brand confirmed.")
    sanction = Sanction.objects.get(pk=sanction.pk)
    assert sanction.end_reason_code == reason_texts.APPEAL_UPHELD
    assert in_both(lambda: sanction.end_text) == (
        "Appeal upheld: Brand confirmed.",
        "申诉成立：Brand confirmed.",  # noqa: RUF001
    )
    product = Product.objects.get(pk=product_a.pk)
    assert product.status == "listed"
    assert product.status_reason_code == reason_texts.DELISTING_REVOKED
    # The relisting quotes the sanction's end reason, each part in the reader's language.
    assert in_both(lambda: product.status_reason_text) == (
        "The delisting sanction was revoked: Appeal upheld: Brand confirmed.",
        "下架处罚已撤销：申诉成立：Brand confirmed.",  # noqa: RUF001
    )


# --- the backfill of the sentences stored as text -----------------------------------------
def test_the_backfill_gives_known_sentences_their_code_in_one_statement(merchant_a, product_a):
    """The migrations' statement (merchants 0012, products 0009) run again on rows written
    as text in either language; a sentence nobody knows keeps its text."""
    from importlib import import_module

    merchants_0012 = import_module("merchants.migrations.0012_system_reason_codes")
    products_0009 = import_module("products.migrations.0009_system_reason_codes")
    english = breach(merchant_a, "C-1")
    chinese = breach(merchant_a, "C-2")
    typed = breach(merchant_a, "C-3")
    ViolationEntry.objects.filter(pk=english.pk).update(
        note_code="", note_params={}, note="The merchant did not answer case C-1 in time."
    )
    ViolationEntry.objects.filter(pk=chinese.pk).update(
        note_code="", note_params={}, note="商家未在时限内答复案件 C-2。"
    )
    ViolationEntry.objects.filter(pk=typed.pk).update(
        note_code="", note_params={}, note="Courier lost it."
    )
    Product.objects.filter(pk=product_a.pk).update(status_reason="复检 I-7 合格。")
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        cursor.execute(
            reason_texts.backfill_sql("merchants_violationentry", "note", merchants_0012.NOTES)
        )
    assert len(queries) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            reason_texts.backfill_sql("products_product", "status_reason", products_0009.REASONS)
        )
    for entry, reference in ((english, "C-1"), (chinese, "C-2")):
        entry.refresh_from_db()
        assert (entry.note, entry.note_code) == ("", reason_texts.CASE_NOT_ANSWERED)
        assert entry.note_params == {"reference": reference}
        assert in_both(lambda e=entry: e.note_text)[1] == f"商家未在时限内答复案件 {reference}。"
    typed.refresh_from_db()
    assert (typed.note, typed.note_code) == ("Courier lost it.", "")
    product = Product.objects.get(pk=product_a.pk)
    assert product.status_reason_params == {"ref": "I-7"}
    assert in_both(lambda: product.status_reason_text) == (
        "Re-inspection I-7 passed.",
        "复检 I-7 合格。",
    )

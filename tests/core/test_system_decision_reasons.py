"""Reasons the system writes on decisions are a code plus parameters, read in the reader's
language, and old rows holding the sentence in either language are converted (issue 19):
a rating standing's verdict, a merchant put live by an approved application, a superseded
quarterly report (the live path of the last is in tests/reports/test_snapshot_publish.py)."""

import importlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import translation

from core.audit import SYSTEM, decisions_for
from core.decision_labels import reason_label
from core.models import Decision
from merchants.models import Merchant
from merchants.services.onboarding import start_probation
from reports.models.snapshots import QuarterlyReport
from reviews.models import MerchantRatingStanding
from tests.factories.merchants import MerchantFactory
from tests.languages import in_both
from tests.reviews.test_rolling import DAY, rate, run

pytestmark = pytest.mark.django_db

VERDICT = ("90-day service rating 3.48 over 20 ratings.", "90 天服务评分 3.48（共 20 条评分）。")  # noqa: RUF001


def test_a_rating_verdict_reads_in_each_language(merchant_a):
    rate(merchant_a, (4, 4, 3), count=9, at=DAY)
    rate(merchant_a, (4, 3, 3), count=11, at=DAY)  # 3.4833 over 20 ratings
    run(DAY)
    standing = MerchantRatingStanding.objects.get(merchant=merchant_a)
    verdict = decisions_for(standing).get(action="verdict")
    assert verdict.reason == "" and verdict.data["reason_code"] == "rating_verdict"
    assert verdict.data["overall"] == "3.4833"  # the figure's evidence is kept beside it
    assert in_both(lambda: reason_label(verdict)) == VERDICT


def test_an_approved_application_reads_in_each_language(role_user):
    merchant = MerchantFactory(status=Merchant.Status.ONBOARDING)
    start_probation(merchant=merchant, actor=role_user("merchant_management"))
    live = decisions_for(merchant).get(action="status", to_state=Merchant.Status.PROBATION)
    assert live.reason == ""
    assert in_both(lambda: reason_label(live)) == ("Application approved", "申请已批准")


def _old(model, action, text) -> Decision:
    return Decision.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id="1",
        action=action,
        actor_label=SYSTEM,
        reason=text,
    )


def test_old_rows_in_either_language_become_codes_and_typed_words_stay():
    from django.apps import apps

    rows = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            rows[language] = [
                _old(MerchantRatingStanding, "verdict", VERDICT[language != "en"]),
                _old(Merchant, "status", str(translation.gettext("Application approved"))),
                _old(
                    QuarterlyReport,
                    "superseded",
                    translation.gettext("Replaced by report #%(id)s.") % {"id": 7},
                ),
            ]
    typed = _old(Merchant, "status", "Approved after the call with the owner")
    with connection.schema_editor() as editor:
        for name in (
            "merchants.migrations.0019_system_decision_reason_codes",
            "reports.migrations.0006_replaced_report_reason_codes",
        ):
            importlib.import_module(name).forwards(apps, editor)
    for decisions in rows.values():
        verdict, approved, superseded = (Decision.objects.get(pk=d.pk) for d in decisions)
        assert in_both(lambda d=verdict: reason_label(d)) == VERDICT
        assert in_both(lambda d=approved: reason_label(d)) == ("Application approved", "申请已批准")
        assert superseded.data["reason_params"] == {"id": "7"}
        assert in_both(lambda d=superseded: reason_label(d)) == (
            "Replaced by report #7.",
            "已由报告 #7 取代。",
        )
    typed.refresh_from_db()
    assert typed.reason == "Approved after the call with the owner"
    assert "reason_code" not in typed.data

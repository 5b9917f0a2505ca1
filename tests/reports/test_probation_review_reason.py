"""The automatic end-of-probation review's reason is a code plus the review's reason codes,
read in each reader's language wherever it shows (the evaluation, the probation, its
decisions, the merchant's status change, a terminated merchant's restriction, the risk page,
the admin and the API); a staff override keeps the words typed; the sentences stored as text
before are given their code (issue 19)."""

from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.audit import decisions_for
from core.decision_labels import reason_label
from core.models import Decision
from merchants.models import Merchant, Probation, Restriction
from merchants.services import start_probation
from reports import reason_texts
from reports.models import ProbationEvaluation
from reports.services.probation import override_probation, run_probation_reviews
from tests.factories.merchants import MerchantFactory
from tests.languages import in_both

pytestmark = pytest.mark.django_db
backfill = import_module("reports.migrations.0008_probation_review_reason_backfill").forwards

TERMINATED = (
    "Automatic end-of-probation review: Not enough passed inspections; "
    "Already extended the most times allowed",
    "试运营期结束自动评估：合格抽检次数不足；已达到允许的最多延长次数",  # noqa: RUF001
)


@pytest.fixture
def probation(db):
    """A merchant whose probation ended yesterday, already extended once, with no passed
    inspection: the review terminates it."""
    merchant = MerchantFactory(legal_name="Probation Co.", status="onboarding")
    probation = start_probation(
        merchant=merchant, actor=None, at=timezone.now() - timedelta(days=91)
    )
    Probation.objects.filter(pk=probation.pk).update(extensions=1)
    return probation


def test_the_review_stores_a_code_read_in_each_language_everywhere(probation):
    assert run_probation_reviews().evaluated == 1
    evaluation = ProbationEvaluation.objects.get(probation=probation)
    assert (evaluation.reason, evaluation.reason_code, evaluation.reason_params) == (
        "",
        reason_texts.AUTO_PROBATION_REVIEW,
        {"reasons": ["no_passed_inspection", "extensions_exhausted"]},
    )
    assert in_both(lambda: evaluation.reason_text) == TERMINATED
    probation.refresh_from_db()
    assert probation.status == Probation.Status.TERMINATED
    assert (probation.decision_reason, probation.decision_reason_code) == (
        "",
        reason_texts.AUTO_PROBATION_REVIEW,
    )
    assert in_both(lambda: probation.decision_text) == TERMINATED
    decided = decisions_for(probation).get(action="terminate")
    status = decisions_for(Merchant(pk=probation.merchant_id)).get(
        action="status", to_state="terminated"
    )
    for decision in (decided, status):
        assert decision.reason == ""
        assert in_both(lambda d=decision: reason_label(d)) == TERMINATED
    restriction = Restriction.objects.get(source=f"merchants.probation:{probation.pk}")
    assert restriction.detail == ""
    assert in_both(lambda: restriction.detail_text) == TERMINATED
    assert (
        in_both(lambda: reason_label(decisions_for(restriction).get(action="restrict")))
        == TERMINATED
    )


def test_the_risk_page_admin_and_api_show_the_sentence_not_the_code(probation, role_user):
    run_probation_reviews()
    evaluation = ProbationEvaluation.objects.get(probation=probation)
    manager = role_user("merchant_management", is_superuser=True)
    api = APIClient()
    api.force_login(manager)
    pages = {
        "risk page": reverse("reports:risk-merchant", args=[probation.merchant_id]),
        "evaluation admin": reverse(
            "admin:reports_probationevaluation_change", args=[evaluation.pk]
        ),
        "probation admin": reverse("admin:merchants_probation_change", args=[probation.pk]),
    }
    for language, sentence in zip(("en", "zh-hans"), TERMINATED, strict=True):
        for name, url in pages.items():
            response = api.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, name
            body = response.content.decode()
            assert sentence in body, (name, language)
            assert reason_texts.AUTO_PROBATION_REVIEW not in body, (name, language)
            assert "extensions_exhausted" not in body, (name, language)
            # The history's rows and the policy link are words too.
            assert "open → terminated" not in body, (name, language)
            assert "probation_review v1" not in body, (name, language)
        row = api.get(
            "/api/v1/probation-evaluations/",
            {"probation": probation.pk},
            HTTP_ACCEPT_LANGUAGE=language,
        ).json()["results"][0]
        assert row["reason_text"] == sentence
        assert row["reason_code"] == reason_texts.AUTO_PROBATION_REVIEW


def test_a_staff_override_keeps_the_words_typed(probation, role_user):
    staff = role_user("merchant_management")
    evaluation = override_probation(
        probation=probation, outcome="pass", reason="Inspection booked", by=staff
    )
    assert (evaluation.reason, evaluation.reason_code) == ("Inspection booked", "")
    assert in_both(lambda: evaluation.reason_text) == ("Inspection booked",) * 2
    probation.refresh_from_db()
    assert in_both(lambda: probation.decision_text) == ("Inspection booked",) * 2
    assert decisions_for(probation).get(action="pass").reason == "Inspection booked"


# --- the backfill of the sentences stored as text -----------------------------------------
def test_the_backfill_gives_old_sentences_their_code_and_leaves_staff_words(probation):
    run_probation_reviews()
    evaluation = ProbationEvaluation.objects.get(probation=probation)
    restriction = Restriction.objects.get(source=f"merchants.probation:{probation.pk}")
    old = TERMINATED[1]  # written while Chinese was active
    ProbationEvaluation.objects.filter(pk=evaluation.pk).update(
        reason=old, reason_code="", reason_params={}
    )
    Probation.objects.filter(pk=probation.pk).update(
        decision_reason=old, decision_reason_code="", decision_reason_params={}
    )
    Restriction.objects.filter(pk=restriction.pk).update(
        detail=old, reason_code="", reason_params={}
    )
    decisions = [
        decisions_for(probation).get(action="terminate"),
        decisions_for(Merchant(pk=probation.merchant_id)).get(
            action="status", to_state="terminated"
        ),
        decisions_for(restriction).get(action="restrict"),
    ]
    for decision in decisions:
        data = {k: v for k, v in decision.data.items() if not k.startswith("reason_")}
        Decision.objects.filter(pk=decision.pk).update(reason=old, data=data)
    # An override's words (even when they quote the sentence) are not the review's.
    other = MerchantFactory(status="onboarding")
    kept = start_probation(merchant=other, actor=None, at=timezone.now() - timedelta(days=10))
    typed = "Automatic end-of-probation review: wrong, inspection booked"
    staff_row = ProbationEvaluation.objects.create(
        probation=kept,
        merchant=other,
        mode="override",
        recommended="extend",
        outcome="pass",
        figures={},
        reasons=["no_passed_inspection"],
        reason=typed,
        policy_version=evaluation.policy_version,
        period_end=kept.ends_at,
    )
    Decision.objects.create(
        content_type=ContentType.objects.get_for_model(Probation),
        object_id=str(kept.pk),
        action="pass",
        reason=typed,
        data={"evidence": {"evaluation": staff_row.pk}},
    )

    backfill(apps, SimpleNamespace(connection=connection))

    evaluation.refresh_from_db()
    probation.refresh_from_db()
    restriction.refresh_from_db()
    assert (evaluation.reason, evaluation.reason_params) == (
        "",
        {"reasons": ["no_passed_inspection", "extensions_exhausted"]},
    )
    assert in_both(lambda: evaluation.reason_text) == TERMINATED
    assert in_both(lambda: probation.decision_text) == TERMINATED
    assert in_both(lambda: restriction.detail_text) == TERMINATED
    for decision in decisions:
        decision.refresh_from_db()
        assert decision.reason == ""
        assert in_both(lambda d=decision: reason_label(d)) == TERMINATED
    staff_row.refresh_from_db()
    assert (staff_row.reason, staff_row.reason_code) == (typed, "")
    assert decisions_for(kept).get(action="pass").reason == typed


def test_a_decision_and_a_policy_version_read_as_words(probation):
    run_probation_reviews()
    decision = decisions_for(probation).get(action="terminate")
    assert in_both(lambda: str(decision)) == (
        "Terminated: Running → Terminated",
        "已清退：进行中 → 已清退",  # noqa: RUF001
    )
    version = ProbationEvaluation.objects.get(probation=probation).policy_version
    assert in_both(lambda: str(version))[0].endswith(", version 1")
    assert "probation_review" not in "".join(in_both(lambda: str(version)))

"""The automatic end-of-probation review (pass / extend / terminate at each threshold, with
the evidence) and the staff override with a reason."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.audit import decisions_for
from core.exceptions import DomainError, NotAllowed
from merchants.models import Merchant, Probation
from merchants.services import start_probation
from reports.models import ProbationEvaluation
from reports.services.probation import override_probation, run_probation_reviews
from reports.tasks.risk import review_probations
from tests.factories import reports as data
from tests.factories.merchants import MerchantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_probation(db):
    """A merchant whose 90-day probation ended yesterday."""
    merchant = MerchantFactory(legal_name="Probation Co.", status="onboarding")
    probation = start_probation(
        merchant=merchant, actor=None, at=timezone.now() - timedelta(days=91)
    )
    return probation


def review(probation) -> ProbationEvaluation:
    run_probation_reviews()
    probation.refresh_from_db()
    return ProbationEvaluation.objects.get(probation=probation, mode="automatic")


def test_a_clean_probation_passes_with_its_evidence(on_probation):
    data.inspection(on_probation.merchant, status="accepted")
    evaluation = review(on_probation)
    assert evaluation.outcome == "pass"
    assert evaluation.reasons == ["all_met"]
    assert evaluation.figures["figures"]["passed_inspections"] == 1
    assert evaluation.figures["figures"]["complaint_rate"] == 0
    assert on_probation.status == Probation.Status.PASSED
    assert Merchant.objects.get(pk=on_probation.merchant_id).status == "active"
    decision = decisions_for(on_probation).get(action="pass")
    assert decision.actor is None
    assert decision.data["evidence"]["evaluation"] == evaluation.pk
    assert decision.data["evidence"]["figures"]["passed_inspections"] == 1


@pytest.mark.parametrize(
    ("complaints", "outcome"),
    [(2, "pass"), (3, "extend"), (5, "extend"), (6, "terminate")],
)
def test_complaint_rate_thresholds(on_probation, complaints, outcome):
    """Per 1,000 orders over at least 100: 2 -> 20 (the pass limit), 5 -> 50 (the
    termination limit, not over it), 6 -> 60."""
    merchant = on_probation.merchant
    data.inspection(merchant, status="accepted")
    data.purchases(merchant, 100, paid_at=timezone.now() - timedelta(days=30))
    data.complaints(merchant, complaints, at=timezone.now() - timedelta(days=20))
    evaluation = review(on_probation)
    assert evaluation.figures["figures"]["complaint_rate"] == complaints * 10
    assert evaluation.outcome == outcome


@pytest.mark.parametrize(
    ("breached", "outcome"),
    [(1, "pass"), (2, "extend"), (3, "extend"), (4, "terminate")],
)
def test_merchant_answer_breach_thresholds(on_probation, breached, outcome):
    """10 merchant-answer deadlines: 0.1 is the pass limit, 0.3 the termination limit."""
    merchant = on_probation.merchant
    data.inspection(merchant, status="accepted")
    data.purchases(merchant, 1000, paid_at=timezone.now() - timedelta(days=30))
    cases = data.complaints(merchant, 10, at=timezone.now() - timedelta(days=20))
    data.merchant_answer_clocks(cases, breached=breached)
    evaluation = review(on_probation)
    assert evaluation.figures["figures"]["sla_breach_rate"] == breached / 10
    assert evaluation.outcome == outcome


def test_without_a_passed_inspection_probation_is_extended_and_reviewed_again(on_probation):
    data.inspection(on_probation.merchant, status="rejected")
    evaluation = review(on_probation)
    assert evaluation.outcome == "extend"
    assert evaluation.reasons == ["no_passed_inspection"]
    assert on_probation.status == Probation.Status.OPEN
    assert on_probation.extensions == 1
    assert on_probation.ends_at > timezone.now() + timedelta(days=29)
    assert run_probation_reviews().evaluated == 0  # the new end has not come


def test_still_failing_after_the_allowed_extensions_terminates(on_probation):
    Probation.objects.filter(pk=on_probation.pk).update(extensions=1)
    evaluation = review(on_probation)
    assert evaluation.outcome == "terminate"
    assert evaluation.reasons == ["no_passed_inspection", "extensions_exhausted"]
    assert on_probation.status == Probation.Status.TERMINATED
    assert Merchant.objects.get(pk=on_probation.merchant_id).status == "terminated"


@pytest.mark.parametrize(("severity", "outcome"), [("major", "pass"), ("severe", "terminate")])
def test_a_serious_violation_terminates(on_probation, severity, outcome):
    data.inspection(on_probation.merchant, status="accepted")
    data.serious_violation(on_probation.merchant, severity=severity)
    evaluation = review(on_probation)
    assert evaluation.outcome == outcome
    assert evaluation.figures["figures"]["serious_violations"] == int(outcome == "terminate")


def test_a_probation_not_yet_ended_is_not_reviewed_and_a_second_run_decides_nothing(
    on_probation,
):
    running = start_probation(
        merchant=MerchantFactory(status="onboarding"), actor=None, at=timezone.now()
    )
    data.inspection(on_probation.merchant, status="accepted")
    assert review_probations.delay().get()["evaluated"] == 1
    assert run_probation_reviews().evaluated == 0
    assert not ProbationEvaluation.objects.filter(probation=running).exists()
    assert ProbationEvaluation.objects.count() == 1


def test_staff_override_with_a_reason_is_recorded(on_probation, role_user):
    staff = role_user("merchant_management")
    evaluation = override_probation(
        probation=on_probation, outcome="pass", reason="Inspection booked, good record", by=staff
    )
    assert (evaluation.mode, evaluation.recommended, evaluation.outcome) == (
        "override",
        "extend",
        "pass",
    )
    assert evaluation.decided_by == staff
    on_probation.refresh_from_db()
    assert on_probation.status == Probation.Status.PASSED
    decision = decisions_for(on_probation).get(action="pass")
    assert decision.actor == staff
    assert decision.reason == "Inspection booked, good record"
    assert decision.data["evidence"]["override"] is True
    assert decision.data["evidence"]["recommended"] == "extend"
    with pytest.raises(DomainError):
        override_probation(probation=on_probation, outcome="terminate", reason="x", by=staff)


def test_an_override_needs_a_reason_and_merchant_management(on_probation, role_user):
    with pytest.raises(DomainError):
        override_probation(
            probation=on_probation, outcome="pass", reason=" ", by=role_user("merchant_management")
        )
    with pytest.raises(NotAllowed):
        override_probation(
            probation=on_probation, outcome="pass", reason="ok", by=role_user("data_analysis")
        )
    assert not ProbationEvaluation.objects.exists()


def test_the_override_page(client, on_probation, role_user):
    url = reverse("reports:risk-probation-override", args=[on_probation.pk])
    client.force_login(role_user("data_analysis"))
    assert client.post(url, {"outcome": "pass", "reason": "ok"}).status_code == 403
    client.force_login(role_user("merchant_management"))
    response = client.post(url, {"outcome": "extend", "reason": ""})
    assert response.status_code == 400
    response = client.post(
        url, {"outcome": "extend", "extend_days": 14, "reason": "One more check"}
    )
    assert response.status_code == 302
    on_probation.refresh_from_db()
    assert on_probation.extensions == 1
    evaluation = ProbationEvaluation.objects.get()
    assert (evaluation.mode, evaluation.outcome) == ("override", "extend")
    page = client.get(reverse("reports:risk-merchant", args=[on_probation.merchant_id]))
    assert "One more check" in page.content.decode()

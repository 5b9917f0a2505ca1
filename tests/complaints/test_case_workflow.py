"""Case workflow: transitions, assignment, merchant scoping, outcomes, reopen, rating."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from complaints import services
from complaints.models import Case, CaseMessage, Priority
from core.audit import decisions_for
from core.exceptions import DomainError, InvalidTransition, NotAllowed
from inspections.models import InspectionPlan
from merchants.models import ViolationEntry
from tests.factories.complaints import CaseFactory
from tests.factories.products import ProductFactory

pytestmark = pytest.mark.django_db

FILED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_tracking_token_is_returned_once_and_only_its_hash_is_stored():
    case = CaseFactory()
    assert len(case.tracking_token) >= 40
    stored = Case.objects.get(pk=case.pk)
    assert case.tracking_token not in stored.tracking_token_hash
    assert services.case_for_token(case.tracking_token) == stored
    assert services.case_for_token(case.tracking_token[:-1] + "x") is None
    assert services.case_for_token("") is None


def test_the_reference_names_kind_date_and_number():
    with time_machine.travel(FILED, tick=False):
        case = CaseFactory()
    assert case.reference == f"C20261123-{case.pk:06d}"


def test_bad_input_is_refused_and_nothing_is_stored(merchant_a, merchant_b):
    other_product = ProductFactory(merchant=merchant_b)
    bad = [
        {"delivered_at": datetime(2099, 1, 1, tzinfo=UTC)},
        {"product": other_product},
        {"consumer_email": "", "consumer_phone": ""},
        {"complaint_type": "nonsense"},
        {"description": "   "},
    ]
    for override in bad:
        with pytest.raises(DomainError):
            CaseFactory(merchant=merchant_a, **override)
    assert not Case.objects.exists()
    assert not CaseMessage.objects.exists()


def test_a_false_advertising_report_needs_the_product_and_the_claim(merchant_a):
    with pytest.raises(DomainError):
        CaseFactory(kind="ad_report", merchant=merchant_a, advertised_claim="Cures colds")
    product = ProductFactory(merchant=merchant_a)
    report = CaseFactory(
        kind="ad_report", merchant=merchant_a, product=product, advertised_claim="Cures colds"
    )
    assert report.reference.startswith("R")
    assert report.complaint_type == ""


def test_a_substantiated_report_restricts_the_product_adds_points_and_plans_an_inspection(
    merchant_a, role_user, django_capture_on_commit_callbacks
):
    agent = role_user("consumer_service")
    product = ProductFactory(merchant=merchant_a)
    report = CaseFactory(
        kind="ad_report", merchant=merchant_a, product=product, advertised_claim="全网第一"
    )
    services.assign(case=report, to=agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve(case=report, by=agent, outcome="substantiated", reason="Claim is false")
    product.refresh_from_db()
    assert (product.status, product.status_cause) == ("restricted", "ad_claim")
    [entry] = ViolationEntry.objects.filter(merchant=merchant_a)
    assert (entry.rule_code, entry.evidence) == ("false_advertising_substantiated", report)
    plan = InspectionPlan.objects.get(merchant=merchant_a)
    assert (plan.kind, plan.product) == ("risk_triggered", product)
    assert len(mail.outbox) == 1  # the reporter is told


def test_an_unsubstantiated_report_changes_nothing_but_the_case(merchant_a, role_user):
    agent = role_user("consumer_service")
    product = ProductFactory(merchant=merchant_a)
    report = CaseFactory(
        kind="ad_report", merchant=merchant_a, product=product, advertised_claim="Organic"
    )
    services.assign(case=report, to=agent)
    services.resolve(case=report, by=agent, outcome="rejected", reason="Certificate shown")
    product.refresh_from_db()
    assert product.status == "listed"
    assert not ViolationEntry.objects.exists()
    assert not InspectionPlan.objects.exists()


def test_least_load_assignment_picks_the_agent_with_fewest_open_cases(role_user):
    busy, idle = role_user("consumer_service"), role_user("consumer_service")
    for case in CaseFactory.create_batch(2):
        services.assign(case=case, to=busy)
    case = CaseFactory(auto_assign="least_load")
    case.refresh_from_db()
    assert case.assignee == idle
    assert case.status == "assigned"


def test_round_robin_assignment_takes_turns(role_user):
    agents = [role_user("consumer_service") for _ in range(3)]
    with time_machine.travel(FILED) as traveller:
        picked = []
        for _ in range(6):
            traveller.shift(timedelta(seconds=1))
            picked.append(CaseFactory(auto_assign="round_robin").assignee)
    assert picked == agents + agents


def test_assignment_needs_an_active_consumer_service_agent(role_user):
    case = CaseFactory()
    with pytest.raises(DomainError):
        services.assign(case=case, to=role_user("data_analysis"))
    with pytest.raises(DomainError):
        services.assign(case=case)  # nobody in consumer service yet


def test_reassigning_an_open_case_is_a_decision(agent, role_user):
    case = CaseFactory()
    services.assign(case=case, to=agent)
    other = role_user("consumer_service")
    services.assign(case=case, to=other, by=agent)
    case.refresh_from_db()
    assert case.assignee == other and case.status == "assigned"
    assert [d.action for d in decisions_for(case)][-1] == "reassign"


def test_a_transition_not_in_the_table_is_refused(agent):
    case = CaseFactory()
    with pytest.raises(InvalidTransition):
        services.ask_consumer(case=case, by=agent, question="?")  # still new
    with pytest.raises(InvalidTransition):
        services.close(case=case, by=agent)
    case.refresh_from_db()
    assert case.status == "new"
    assert not case.pauses.exists()


def test_only_the_case_merchant_may_answer(agent, merchant_a, owner_a, owner_b):
    case = CaseFactory(merchant=merchant_a)
    services.assign(case=case, to=agent)
    services.ask_merchant(case=case, by=agent, question="Your side?")
    with pytest.raises(NotAllowed):
        services.merchant_answer(case=case, by=owner_b, text="Not mine")
    services.merchant_answer(case=case, by=owner_a, text="We will refund")
    case.refresh_from_db()
    assert case.status == "assigned"
    assert case.merchant_answered_at is not None
    assert case.messages.filter(author_kind="merchant").count() == 1


def test_a_rejection_needs_a_reason_and_outcomes_fit_the_kind(agent):
    case = CaseFactory()
    services.assign(case=case, to=agent)
    with pytest.raises(DomainError):
        services.resolve(case=case, by=agent, outcome="rejected")
    with pytest.raises(DomainError):
        services.resolve(case=case, by=agent, outcome="substantiated")
    services.resolve(case=case, by=agent, outcome="rejected", reason="Outside the warranty")
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("resolved", "rejected")


def test_resolving_while_waiting_for_the_consumer_ends_the_pause(agent):
    case = CaseFactory()
    services.assign(case=case, to=agent)
    services.ask_consumer(case=case, by=agent, question="Photo?")
    services.resolve(case=case, by=agent, outcome="refund")
    pause = case.pauses.get()
    assert pause.ended_at is not None
    assert not case.clocks.filter(running=True).exists()


def test_the_consumer_is_emailed_when_the_case_is_decided(
    agent, django_capture_on_commit_callbacks
):
    case = CaseFactory(consumer_email="li@example.test")
    services.assign(case=case, to=agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve(case=case, by=agent, outcome="refund")
    assert [m.to for m in mail.outbox] == [["li@example.test"]]
    assert case.reference in mail.outbox[0].body


def test_reopen_is_allowed_for_seven_days_after_resolution(agent):
    with time_machine.travel(FILED, tick=False):
        case = CaseFactory()
        services.assign(case=case, to=agent)
        services.resolve(case=case, by=agent, outcome="refund")
        services.close(case=case, by=agent)
    with time_machine.travel(FILED + timedelta(days=7), tick=False):
        services.reopen(case=case, reason="Refund never arrived")
    case.refresh_from_db()
    assert case.status == "assigned" and case.reopen_count == 1
    assert case.resolution_due_at == FILED + timedelta(days=7, hours=72)
    with time_machine.travel(FILED + timedelta(days=8), tick=False):
        services.resolve(case=case, by=agent, outcome="refund")
    with (
        time_machine.travel(FILED + timedelta(days=15, seconds=1), tick=False),
        pytest.raises(DomainError),
    ):
        services.reopen(case=case, reason="Again")


def test_manual_escalation_raises_priority_and_records_why(agent):
    case = CaseFactory(priority=Priority.HIGH)
    services.assign(case=case, to=agent)
    services.escalate(case=case, by=agent, reason="VIP")
    services.escalate(case=case, by=agent, reason="Still VIP")
    case.refresh_from_db()
    assert case.escalated and case.priority == Priority.URGENT
    escalations = [d for d in decisions_for(case) if d.action == "escalate"]
    assert [d.data["priority_to"] for d in escalations] == [4, 4]


def test_the_consumer_rates_once_after_resolution(agent):
    case = CaseFactory()
    services.assign(case=case, to=agent)
    with pytest.raises(DomainError):
        services.rate(case=case, rating=5)
    services.resolve(case=case, by=agent, outcome="exchange")
    with pytest.raises(DomainError):
        services.rate(case=case, rating=6)
    services.rate(case=case, rating=4, comment="Quick")
    with pytest.raises(DomainError):
        services.rate(case=case, rating=5)
    case.refresh_from_db()
    assert case.satisfaction == 4

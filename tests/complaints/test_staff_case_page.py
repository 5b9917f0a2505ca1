"""The case page: only the allowed steps are offered, every step goes through the service
(which re-checks and records it), refusals come back as clear translated errors, and the
timeline and merchant history are there."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from complaints import services
from complaints.models import CaseMessage
from core.alerts import raise_alert
from core.audit import decisions_for
from merchants.models import Restriction
from merchants.services import record_violation
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, agent):
    client.force_login(agent)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def url(case, action=""):
    return f"/staff/complaints/{case.pk}/{action + '/' if action else ''}"


def offered(response) -> set[str]:
    return set(response.context["forms"])


def test_only_the_steps_allowed_in_each_state_are_offered(staff_client, agent, merchant_a):
    case = CaseFactory(merchant=merchant_a)
    assert offered(staff_client.get(url(case))) == {"assign", "escalate"}
    services.assign(case=case, to=agent)
    assert offered(staff_client.get(url(case))) == {
        "assign",
        "respond",
        "ask_consumer",
        "ask_merchant",
        "resolve",
        "escalate",
    }
    services.ask_consumer(case=case, by=agent, question="Photo?")
    assert offered(staff_client.get(url(case))) == {"assign", "respond", "resolve", "escalate"}
    services.resolve(case=case, by=agent, outcome="exchange")
    assert offered(staff_client.get(url(case))) == {"close", "reopen"}
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert offered(staff_client.get(url(case))) == {"close"}


def test_consumer_service_works_a_case_to_resolution_through_the_pages(
    staff_client, agent, merchant_a, owner_a
):
    case = CaseFactory(merchant=merchant_a)
    client = staff_client

    response = client.post(url(case, "assign"), {"assign-strategy": "least_load"}, follow=True)
    assert "The case is assigned." in response.content.decode()
    client.post(url(case, "respond"), {"respond-text": "We are looking into it."})
    client.post(url(case, "ask_merchant"), {"ask_merchant-question": "Which batch is it?"})
    case.refresh_from_db()
    assert (case.status, case.assignee) == ("awaiting_merchant", agent)
    assert case.first_responded_at is not None and case.merchant_answer_due_at is not None

    services.merchant_answer(case=case, by=owner_a, text="Batch 7, we will exchange it.")
    client.post(url(case, "ask_consumer"), {"ask_consumer-question": "Is an exchange fine?"})
    case.refresh_from_db()
    assert case.status == "awaiting_consumer" and case.paused_at is not None
    services.consumer_replied(case=case, text="Yes please")

    response = client.post(
        url(case, "resolve"),
        {"resolve-outcome": "exchange", "resolve-message": "A new kettle ships today."},
        follow=True,
    )
    assert "The case is resolved." in response.content.decode()
    client.post(url(case, "close"), {"close-reason": ""})
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "exchange")
    actions = list(decisions_for(case).values_list("action", flat=True))
    assert actions == [
        "open",
        "assign",
        "first_response",
        "ask_merchant",
        "merchant_answer",
        "ask_consumer",
        "consumer_replied",
        "resolve",
        "closed",
    ]
    assert all(
        d.actor == agent
        for d in decisions_for(case).filter(
            action__in=["assign", "ask_merchant", "resolve", "closed"]
        )
    )

    reopened = client.post(url(case, "reopen"), {"reopen-reason": "The new one leaks too"})
    assert reopened.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.reopen_count) == ("assigned", 1)


def test_a_step_the_state_does_not_allow_is_refused_with_a_clear_error(
    staff_client, agent, merchant_a
):
    case = CaseFactory(merchant=merchant_a)
    services.assign(case=case, to=agent)
    services.resolve(case=case, by=agent, outcome="refund")

    response = staff_client.post(url(case, "ask_merchant"), {"ask_merchant-question": "Batch?"})
    assert response.status_code == 400
    assert "Cannot go from “Resolved” to “Awaiting merchant”." in response.content.decode()
    case.refresh_from_db()
    assert case.status == "resolved" and case.merchant_asked_at is None

    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = staff_client.post(url(case, "respond"), {"respond-text": "Hello"})
    assert response.status_code == 400
    assert "Not possible while the case is" not in response.content.decode()
    assert "工单处于“已处理”状态时无法执行此操作。" in response.content.decode()
    assert not CaseMessage.objects.filter(case=case, text="Hello").exists()
    assert staff_client.post(url(case, "teleport"), {}).status_code == 404


def test_a_rejection_needs_its_reason_and_the_form_says_so(staff_client, agent, merchant_a):
    case = CaseFactory(merchant=merchant_a)
    services.assign(case=case, to=agent)
    response = staff_client.post(url(case, "resolve"), {"resolve-outcome": "rejected"})
    assert response.status_code == 400
    assert "Say why the case is rejected." in response.content.decode()
    case.refresh_from_db()
    assert case.status == "assigned"
    # An outcome of the other kind of case is not even offered.
    choices = dict(response.context["forms"]["resolve"].fields["outcome"].choices)
    assert "substantiated" not in choices and "refund" in choices


def test_manual_reassignment_and_escalation_from_the_case_page(
    staff_client, agent, role_user, merchant_a
):
    other = role_user("consumer_service")
    analyst = role_user("data_analysis")
    case = CaseFactory(merchant=merchant_a)
    services.assign(case=case, to=agent)
    response = staff_client.post(url(case, "assign"), {"assign-agent": analyst.pk})
    assert response.status_code == 400  # not a Consumer Service agent: not a choice
    staff_client.post(url(case, "assign"), {"assign-agent": other.pk})
    staff_client.post(url(case, "escalate"), {"escalate-reason": "Repeat complaint"})
    case.refresh_from_db()
    assert (case.assignee, case.escalated, case.priority) == (other, True, 3)
    assert decisions_for(case).filter(action="reassign", actor=agent).exists()


def test_the_page_shows_the_timeline_and_the_merchant_history(
    staff_client, agent, merchant_a, owner_a
):
    earlier = CaseFactory(merchant=merchant_a)
    case = CaseFactory(merchant=merchant_a, description="The lid cracked on day one.")
    services.assign(case=case, to=agent)
    services.respond(case=case, by=agent, text="Internal: check batch", internal=True)
    services.ask_consumer(case=case, by=agent, question="When did it crack?")
    raise_alert(
        kind="sla_at_risk",
        key=f"sla_at_risk:response:case:{case.pk}",
        user=agent,
        obj=case,
        payload={"case": case.reference, "target": "first response", "due": "soon"},
    )
    record_violation(merchant=merchant_a, rule_code="inspection_lot_rejected", evidence=earlier)
    Restriction.objects.create(
        merchant=merchant_a,
        kind=Restriction.Kind.values[0],
        reason=Restriction.Reason.values[0],
        starts_at=timezone.now() - timedelta(days=1),
    )
    services.propose_outcome(case=case, by=owner_a, outcome="refund", note="Full refund, 199 yuan")

    response = staff_client.get(url(case))
    html = response.content.decode()
    kinds = [entry.kind for entry in response.context["timeline"]]
    assert {"message", "pause", "decision", "alert"} <= set(kinds)
    assert "The lid cracked on day one." in html and "Internal: check batch" in html
    assert "SLA at risk" in html and "Clock paused" in html and "Asked the consumer" in html
    history = response.context["history"]
    assert history["points"] == 6
    assert [c.pk for c in history["earlier"]] == [earlier.pk]
    assert len(history["restrictions"]) == 1
    assert earlier.reference in html
    assert "Full refund, 199 yuan" in html and "Merchant proposals" in html

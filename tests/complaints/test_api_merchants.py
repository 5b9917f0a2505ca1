"""Merchant users through the API: their own cases only (another merchant's is a 404, on
every route), no consumer contact details, the conversation without internal notes, and
answers to their own cases only."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Case, CaseMessage, CaseStatus
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db

MINE = "/api/v1/merchant-cases/"


@pytest.fixture
def asked_a(agent, merchant_a):
    """A's case, waiting for A's answer, with an internal note A must not read."""
    case = services.assign(case=CaseFactory(merchant=merchant_a), to=agent)
    services.respond(case=case, by=agent, text="Agent-only: repeat complainer?", internal=True)
    services.respond(case=case, by=agent, text="We have asked the shop.")
    services.ask_merchant(case=case, by=agent, question="Which batch was shipped?")
    return case


@pytest.fixture
def case_b(merchant_b):
    return CaseFactory(merchant=merchant_b)


def test_a_merchant_lists_only_their_own_cases(api, owner_a, owner_b, asked_a, case_b):
    def listed(user, query=""):
        return [row["id"] for row in api(user).get(f"{MINE}?{query}").json()["results"]]

    assert listed(owner_a) == [asked_a.pk]
    assert listed(owner_b) == [case_b.pk]
    # Asking for the other merchant's cases by filter finds nothing either.
    assert listed(owner_b, f"merchant={asked_a.merchant_id}") == []
    assert listed(owner_b, f"reference={asked_a.reference}") == []


def test_another_merchants_case_is_a_404_on_every_route(api, owner_b, asked_a):
    client = api(owner_b)
    assert client.get(f"{MINE}{asked_a.pk}/").status_code == 404
    assert client.get(f"{MINE}{asked_a.pk}/messages/").status_code == 404
    for route in ("messages", "merchant-answer"):
        response = client.post(f"{MINE}{asked_a.pk}/{route}/", {"text": "Not me"}, format="json")
        assert response.status_code == 404
    assert not CaseMessage.objects.filter(case=asked_a, author_kind="merchant").exists()
    assert Case.objects.get(pk=asked_a.pk).status == CaseStatus.AWAITING_MERCHANT


def test_staff_routes_are_closed_to_merchants(api, owner_a, asked_a):
    client = api(owner_a)
    assert client.get(f"/api/v1/cases/{asked_a.pk}/").status_code == 403
    assert client.get(f"/api/v1/cases/{asked_a.pk}/messages/").status_code == 403
    response = client.post(f"/api/v1/cases/{asked_a.pk}/resolve/", {"outcome": "refund"})
    assert response.status_code == 403
    assert client.get("/api/v1/sla-policies/").status_code == 403


def test_staff_cannot_use_the_merchant_routes(api, agent, asked_a):
    assert api(agent).get(MINE).status_code == 403
    assert api(None).get(MINE).status_code in (401, 403)


def test_the_merchant_view_leaves_out_consumer_contacts_and_internal_handling(
    api, owner_a, asked_a
):
    body = api(owner_a).get(f"{MINE}{asked_a.pk}/").json()
    assert body["reference"] == asked_a.reference
    assert body["status"] == "awaiting_merchant"
    assert body["merchant_answer_due_at"] is not None
    for hidden in ("consumer_email", "consumer_phone", "assignee", "escalated", "satisfaction"):
        assert hidden not in body
    assert asked_a.consumer_email not in str(body)


def test_the_merchant_reads_the_conversation_without_internal_notes(api, owner_a, agent, asked_a):
    mine = [row["text"] for row in api(owner_a).get(f"{MINE}{asked_a.pk}/messages/").json()]
    # One rule with the portal: no internal notes, no messages meant for the consumer.
    assert mine == [asked_a.description, "Which batch was shipped?"]
    everything = api(agent).get(f"/api/v1/cases/{asked_a.pk}/messages/").json()
    assert "Agent-only: repeat complainer?" in [row["text"] for row in everything]


def test_the_merchant_answers_their_own_case(api, owner_a, asked_a):
    response = api(owner_a).post(
        f"{MINE}{asked_a.pk}/merchant-answer/", {"text": "Batch 2026-11-A."}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["author_kind"] == "merchant"
    case = Case.objects.get(pk=asked_a.pk)
    assert case.status == CaseStatus.ASSIGNED
    assert case.merchant_answered_at is not None
    # Nothing was asked any more: a second answer is refused as a state conflict.
    again = api(owner_a).post(f"{MINE}{asked_a.pk}/messages/", {"text": "More."}, format="json")
    assert again.status_code == 409


def test_a_merchant_cannot_answer_when_not_asked(api, owner_b, case_b):
    response = api(owner_b).post(f"{MINE}{case_b.pk}/messages/", {"text": "Hi"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_api_routes_are_named(asked_a):
    assert reverse("merchant-case-detail", args=[asked_a.pk]) == f"{MINE}{asked_a.pk}/"

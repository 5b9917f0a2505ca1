"""Cases API: filing (storefront and staff), the token shown once, each step allowed and
refused with the right status, false-advertising reports, ratings relayed by token."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Case, CaseMessage, CaseStatus, Priority
from core.audit import decisions_for
from merchants.models import ViolationEntry
from products.models import Product
from tests.factories.complaints import CaseFactory
from tests.factories.products import ProductFactory

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
REPORTS = "/api/v1/ad-reports/"


def complaint_body(merchant, **extra):
    return {
        "merchant": merchant.pk,
        "consumer_name": "Wang Fang",
        "consumer_email": "wang@example.test",
        "description": "The blender stopped after a week.",
        "complaint_type": "quality_defect",
        "desired_remedy": "repair",
        "order_number": "SO-1001",
        "delivered_at": (timezone.now() - timedelta(days=3)).isoformat(),
        **extra,
    }


# --- filing -------------------------------------------------------------------------------


def test_the_storefront_files_a_complaint_and_gets_the_tracking_token_once(
    api, storefront, merchant_a, agent
):
    response = api(storefront).post(CASES, complaint_body(merchant_a), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert body["reference"] == case.reference
    assert body["channel"] == "api"
    assert body["status"] == "assigned"  # an agent exists: least load picks them
    assert body["assignee"] == agent.pk
    assert case.created_by == storefront
    token = body["tracking_token"]
    assert services.case_for_token(token) == case
    assert token not in case.tracking_token_hash
    # Nowhere else: not in the detail, not in the list.
    detail = api(agent).get(f"{CASES}{case.pk}/").json()
    assert "tracking_token" not in detail
    assert token not in str(api(agent).get(CASES).json())


def test_a_case_filed_through_the_api_mails_the_consumer_its_link(
    api, storefront, merchant_a, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        response = api(storefront).post(CASES, complaint_body(merchant_a), format="json")
    assert response.status_code == 201
    (message,) = mail.outbox
    assert message.to == ["wang@example.test"]
    assert f"/complaints/case/{response.json()['tracking_token']}/" in message.body


def test_the_storefront_cannot_set_the_staff_fields_nor_read_cases(api, storefront, merchant_a):
    body = complaint_body(merchant_a, priority=Priority.URGENT, channel="phone")
    response = api(storefront).post(CASES, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"priority", "channel"}
    assert not Case.objects.exists()
    assert api(storefront).get(CASES).status_code == 403


def test_consumer_service_records_a_phone_call_with_its_time(api, agent, merchant_a):
    called = timezone.now() - timedelta(hours=5)
    body = complaint_body(
        merchant_a, channel="phone", priority=Priority.HIGH, received_at=called.isoformat()
    )
    response = api(agent).post(CASES, body, format="json")
    assert response.status_code == 201, response.json()
    case = Case.objects.get(pk=response.json()["id"])
    assert case.channel == "phone"
    assert case.priority == Priority.HIGH
    assert case.created_at == called
    assert case.response_due_at == called + timedelta(hours=24)


def test_the_engine_rules_come_back_as_400_and_nothing_is_stored(api, storefront, merchant_a):
    no_contact = complaint_body(merchant_a, consumer_email="")
    response = api(storefront).post(CASES, no_contact, format="json")
    assert response.status_code == 400
    assert "email address or a phone number" in str(response.json())
    late = complaint_body(
        merchant_a,
        desired_remedy="return",
        delivered_at=(timezone.now() - timedelta(days=20)).isoformat(),
    )
    response = api(storefront).post(CASES, late, format="json")
    assert response.status_code == 400
    assert "Return is not available" in str(response.json())
    assert not Case.objects.exists()


def test_who_may_not_file(api, owner_a, manager, merchant_a):
    assert api(None).post(CASES, complaint_body(merchant_a), format="json").status_code in (
        401,
        403,
    )
    # A merchant user never files cases, even about themselves; managers only read.
    assert api(owner_a).post(CASES, complaint_body(merchant_a), format="json").status_code == 403
    assert api(manager).post(CASES, complaint_body(merchant_a), format="json").status_code == 403
    assert not Case.objects.exists()


# --- reading ------------------------------------------------------------------------------


def test_staff_roles_read_and_others_do_not(api, agent, manager, analyst, owner_a, storefront):
    case = CaseFactory()
    for user in (agent, manager, analyst):
        assert api(user).get(f"{CASES}{case.pk}/").status_code == 200
    assert api(None).get(CASES).status_code in (401, 403)
    assert api(storefront).get(f"{CASES}{case.pk}/").status_code == 403
    # Merchant users use merchant-cases/, never the staff view with consumer details.
    assert api(owner_a).get(CASES).status_code == 403


def test_readers_cannot_act(api, manager, analyst):
    case = CaseFactory()
    for user in (manager, analyst):
        response = api(user).post(f"{CASES}{case.pk}/escalate/", {"reason": "x"}, format="json")
        assert response.status_code == 403
    assert not Case.objects.get(pk=case.pk).escalated


# --- steps --------------------------------------------------------------------------------


@pytest.fixture
def assigned(agent):
    case = CaseFactory()
    return services.assign(case=case, to=agent)


def post(client, case, step, body=None, base=CASES):
    return client.post(f"{base}{case.pk}/{step}/", body or {}, format="json")


def test_assign_by_strategy_and_to_a_named_agent(api, agent, role_user):
    other = role_user("consumer_service")
    case = CaseFactory()
    response = post(api(agent), case, "assign", {"strategy": "round_robin"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "assigned"
    response = post(api(agent), case, "assign", {"assignee": other.pk})
    assert response.json()["assignee"] == other.pk
    outsider = role_user("data_analysis")
    response = post(api(agent), case, "assign", {"assignee": outsider.pk})
    assert response.status_code == 400
    assert "Consumer Service" in response.json()["detail"][0]


def test_respond_stops_the_response_clock_and_internal_notes_do_not(api, agent, assigned):
    note = post(api(agent), assigned, "respond", {"text": "Check stock.", "internal": True})
    assert note.status_code == 201
    assert Case.objects.get(pk=assigned.pk).first_responded_at is None
    reply = post(api(agent), assigned, "respond", {"text": "We are on it."})
    assert reply.status_code == 201
    assert reply.json()["author_kind"] == "staff"
    assert Case.objects.get(pk=assigned.pk).first_responded_at is not None


def test_a_step_the_state_does_not_allow_is_a_409(api, agent):
    new = CaseFactory()
    response = post(api(agent), new, "respond", {"text": "Hello"})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    response = post(api(agent), new, "close")
    assert response.status_code == 409
    assert "Cannot go from" in response.json()["detail"]
    response = post(api(agent), new, "reopen", {"reason": "again"})
    assert response.status_code == 409
    assert Case.objects.get(pk=new.pk).status == CaseStatus.NEW


@pytest.mark.parametrize(
    ("step", "body"),
    [
        ("assign", {}),
        ("respond", {"text": "Hello?"}),
        ("messages", {"text": "Hello?"}),
        ("ask-consumer", {"question": "Photo?"}),
        ("ask-merchant", {"question": "Batch?"}),
        ("resolve", {"outcome": "refund"}),
        ("close", {}),
        ("escalate", {"reason": "Late."}),
    ],
)
def test_every_step_on_a_closed_case_is_a_conflict(api, agent, assigned, step, body):
    services.resolve(case=assigned, by=agent, outcome="refund")
    services.close(case=assigned, by=agent)
    response = post(api(agent), assigned, step, body)
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "invalid_transition"
    assert Case.objects.get(pk=assigned.pk).status == CaseStatus.CLOSED


def test_ask_consumer_pauses_and_ask_merchant_starts_their_clock(api, agent, assigned):
    response = post(api(agent), assigned, "ask-consumer", {"question": "A photo, please?"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "awaiting_consumer"
    assert response.json()["paused_at"] is not None
    services.consumer_replied(case=assigned, text="Attached.")
    response = post(api(agent), assigned, "ask-merchant", {"question": "Batch number?"})
    assert response.status_code == 200
    assert response.json()["status"] == "awaiting_merchant"
    assert response.json()["merchant_answer_due_at"] is not None
    assert post(api(agent), assigned, "ask-merchant", {"question": " "}).status_code == 400


def test_resolve_close_reopen_and_escalate(api, agent, assigned):
    client = api(agent)
    assert post(client, assigned, "resolve", {"outcome": "rejected"}).status_code == 400
    assert post(client, assigned, "resolve", {"outcome": "substantiated"}).status_code == 400
    response = post(client, assigned, "resolve", {"outcome": "repair", "message": "Sent."})
    assert response.status_code == 200
    assert response.json()["outcome"] == "repair"
    assert response.json()["sla_state"] == "stopped"  # every target met: complaints.sla_state
    assert post(client, assigned, "close", {"reason": "done"}).json()["status"] == "closed"
    assert post(client, assigned, "reopen").status_code == 400  # needs a reason
    response = post(client, assigned, "reopen", {"reason": "It broke again."})
    assert response.json()["status"] == "assigned"
    assert response.json()["reopen_count"] == 1
    response = post(client, assigned, "escalate", {"reason": "Angry customer."})
    assert response.json()["escalated"] is True
    assert response.json()["priority"] == Priority.HIGH
    steps = [(d.action, d.actor) for d in decisions_for(assigned)][-4:]
    assert steps == [(step, agent) for step in ("resolve", "closed", "reopen", "escalate")]


def test_staff_read_the_whole_history(api, agent, analyst, owner_a, merchant_a):
    case = services.assign(case=CaseFactory(merchant=merchant_a), to=agent)
    post(api(agent), case, "escalate", {"reason": "VIP."})
    history = api(analyst).get(f"{CASES}{case.pk}/history/").json()
    assert [(step["action"], step["to_state"]) for step in history] == [
        ("open", "new"),
        ("assign", "assigned"),
        ("escalate", ""),
    ]
    assert history[-1]["actor"] == agent.pk
    assert history[-1]["reason"] == "VIP."
    assert history[0]["by"] == "consumer"
    assert api(owner_a).get(f"{CASES}{case.pk}/history/").status_code == 403


def test_a_case_that_does_not_exist_is_404(api, agent):
    assert post(api(agent), Case(pk=999_999), "escalate", {"reason": "x"}).status_code == 404


# --- ratings ------------------------------------------------------------------------------


def test_the_storefront_relays_the_rating_with_the_token(api, storefront, merchant_a, agent):
    filed = api(storefront).post(CASES, complaint_body(merchant_a), format="json").json()
    token = filed["tracking_token"]
    case = Case.objects.get(pk=filed["id"])
    rating = {"tracking_token": token, "rating": 4, "comment": "Quick."}
    assert api(storefront).post(f"{CASES}rate/", rating, format="json").status_code == 409
    services.resolve(case=case, by=agent, outcome="repair")
    response = api(storefront).post(f"{CASES}rate/", rating, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "reference": case.reference,
        "status": "resolved",
        "satisfaction": 4,
        "satisfaction_comment": "Quick.",
    }
    again = api(storefront).post(f"{CASES}rate/", rating, format="json")
    assert again.status_code == 400
    forged = {**rating, "tracking_token": token[:-2] + "xx"}
    assert api(storefront).post(f"{CASES}rate/", forged, format="json").status_code == 404


# --- false-advertising reports ------------------------------------------------------------


@pytest.fixture
def listed(merchant_a):
    return ProductFactory(merchant=merchant_a, status=Product.Status.LISTED)


def report_body(product, **extra):
    return {
        "product": product.pk,
        "consumer_name": "Zhao Lei",
        "consumer_phone": "13800000000",
        "description": "The page says it cures colds.",
        "advertised_claim": "Cures colds in one day",
        "claim_seen_at": "product page, first image",
        **extra,
    }


def test_a_report_is_filed_against_the_products_merchant(api, storefront, listed):
    response = api(storefront).post(REPORTS, report_body(listed), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "ad_report"
    assert body["merchant"] == listed.merchant_id
    assert body["reference"].startswith("R")
    assert "tracking_token" in body
    missing = report_body(listed, advertised_claim="")
    assert api(storefront).post(REPORTS, missing, format="json").status_code == 400


def test_reports_list_only_reports_and_cases_list_both(api, agent, listed):
    complaint = CaseFactory(merchant=listed.merchant)
    report = CaseFactory(
        kind="ad_report", merchant=listed.merchant, product=listed, advertised_claim="Best"
    )
    reports = api(agent).get(REPORTS).json()["results"]
    assert [row["id"] for row in reports] == [report.pk]
    assert api(agent).get(f"{REPORTS}{complaint.pk}/").status_code == 404
    kinds = {row["kind"] for row in api(agent).get(CASES).json()["results"]}
    assert kinds == {"complaint", "ad_report"}


def test_verify_then_substantiate_restricts_the_listing_and_records_points(api, agent, listed):
    report = CaseFactory(
        kind="ad_report", merchant=listed.merchant, product=listed, advertised_claim="Cures"
    )
    client = api(agent)
    response = post(client, report, "verify", base=REPORTS)
    assert response.status_code == 200
    assert response.json()["assignee"] == agent.pk
    response = post(client, report, "substantiate", {"reason": "No evidence."}, base=REPORTS)
    assert response.status_code == 200, response.json()
    assert response.json()["outcome"] == "substantiated"
    listed.refresh_from_db()
    assert listed.status == Product.Status.RESTRICTED
    assert ViolationEntry.objects.filter(
        merchant=listed.merchant, rule_code="false_advertising_substantiated"
    ).exists()
    again = post(client, report, "unsubstantiate", {"reason": "x"}, base=REPORTS)
    assert again.status_code == 409
    assert post(client, report, "verify", base=REPORTS).status_code == 409


def test_unsubstantiate_needs_a_reason_and_leaves_the_listing(api, agent, listed):
    report = CaseFactory(
        kind="ad_report", merchant=listed.merchant, product=listed, advertised_claim="Cures"
    )
    services.assign(case=report, to=agent)
    assert post(api(agent), report, "unsubstantiate", base=REPORTS).status_code == 400
    response = post(
        api(agent), report, "unsubstantiate", {"reason": "Lab report checks out."}, base=REPORTS
    )
    assert response.json()["outcome"] == "rejected"
    listed.refresh_from_db()
    assert listed.status == Product.Status.LISTED
    assert not CaseMessage.objects.filter(case=report, author_kind="merchant").exists()


def test_complaints_have_no_substantiate_step(api, agent, assigned):
    assert post(api(agent), assigned, "substantiate").status_code == 404

"""Admin pages for cases and SLA policies: they render, and pinned versions stay read-only."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from complaints import services
from complaints.models import Case, CaseKind, Priority
from tests.factories.complaints import CaseFactory
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_case_list_and_page_show_the_clocks_and_the_history(admin_client, agent):
    case = CaseFactory()
    services.assign(case=case, to=agent)
    listing = admin_client.get(reverse("admin:complaints_case_changelist"))
    assert listing.status_code == 200
    assert case.reference in listing.content.decode()
    page = admin_client.get(reverse("admin:complaints_case_change", args=[case.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "assign" in body  # the decisions inline
    assert case.tracking_token not in body


def test_a_pinned_policy_version_is_read_only_in_the_admin(admin_client):
    case = CaseFactory()
    unused = services.publish_policy(kind=CaseKind.AD_REPORT, priority=Priority.LOW)
    url = reverse("admin:complaints_slapolicy_change", args=[case.policy.pk])
    response = admin_client.post(url, {"first_response_hours": "1"})
    assert response.status_code == 403
    case.policy.refresh_from_db()
    assert case.policy.first_response_hours == 24
    page = admin_client.get(reverse("admin:complaints_slapolicy_change", args=[unused.pk]))
    assert page.status_code == 200
    assert 'name="first_response_hours"' in page.content.decode()


def test_publishing_from_the_admin_adds_the_next_version(admin_client):
    CaseFactory()
    response = admin_client.post(
        reverse("admin:complaints_slapolicy_add"),
        {
            "kind": "complaint",
            "priority": "2",
            "first_response_hours": "12",
            "resolution_hours": "48",
            "merchant_answer_hours": "24",
            "at_risk_percent": "75",
            "calendar_kind": "calendar",
            "effective_from_0": "2026-01-01",
            "effective_from_1": "00:00:00",
            "note": "faster",
            "core-decision-content_type-object_id-TOTAL_FORMS": "0",
            "core-decision-content_type-object_id-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = services.policy_in_force(kind="complaint", priority=2)
    assert (policy.version, policy.first_response_hours) == (2, 12)


def _intake(admin_client, merchant, **overrides):
    data = {
        "kind": "complaint",
        "channel": "phone",
        "priority": "2",
        "consumer_name": "Wang Fang",
        "consumer_phone": "13800000000",
        "merchant": str(merchant.pk),
        "order_number": "ORD-1",
        "delivered_at_0": "2026-11-20",
        "delivered_at_1": "10:00:00",
        "complaint_type": "quality_defect",
        "desired_remedy": "exchange",
        "description": "Screen flickers",
        "received_at_0": "2026-11-23",
        "received_at_1": "08:30:00",
        **overrides,
    }
    return admin_client.post(reverse("admin:complaints_case_add"), data)


def test_staff_record_a_phone_case_whose_clocks_start_when_it_was_received(
    admin_client, merchant_a, agent
):
    with time_machine.travel(datetime(2026, 11, 23, 2, 0, tzinfo=UTC), tick=False):
        response = _intake(admin_client, merchant_a)
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert case.channel == "phone" and case.assignee == agent
    # 08:30 Shanghai = 00:30 UTC; first response due 24 h later.
    assert case.response_due_at == datetime(2026, 11, 24, 0, 30, tzinfo=UTC)


def test_a_refused_intake_shows_the_reason_and_stores_nothing(admin_client, merchant_a):
    with time_machine.travel(datetime(2026, 11, 23, 2, 0, tzinfo=UTC), tick=False):
        response = _intake(admin_client, merchant_a, consumer_phone="")
    assert response.status_code == 200
    assert "请留下邮箱或电话" in response.content.decode()  # the service's translated refusal
    assert not Case.objects.exists()


@pytest.mark.parametrize("role", ["consumer_service", "data_analysis"])
def test_breach_records_are_listed_read_only_for_consumer_service_and_data_analysis(
    client, role_user, role
):
    from complaints.models import SLABreach, Target
    from complaints.sweep import sweep

    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        case = CaseFactory()
    with time_machine.travel(datetime(2026, 3, 9, 9, tzinfo=UTC), tick=False):
        sweep()
    breach = SLABreach.objects.get(case=case, target=Target.RESPONSE)
    user = role_user(role)
    assert user.has_perm("complaints.view_slabreach")
    assert not user.has_perm("complaints.add_slabreach")
    client.force_login(user)
    listing = client.get(reverse("admin:complaints_slabreach_changelist"), {"q": case.reference})
    assert listing.status_code == 200
    body = listing.content.decode()
    assert case.reference in body
    assert str(Target.RESPONSE.label) in body
    assert client.get(reverse("admin:complaints_slabreach_add")).status_code == 403
    change = reverse("admin:complaints_slabreach_change", args=[breach.pk])
    assert client.get(change).status_code == 200  # the view page, read-only
    assert client.post(change, {"cycle": "5"}).status_code == 403
    delete = reverse("admin:complaints_slabreach_delete", args=[breach.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    breach.refresh_from_db()
    assert breach.cycle == 0

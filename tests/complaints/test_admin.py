"""Admin pages for cases and SLA policies: they render, and pinned versions stay read-only."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import CaseKind, Priority
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

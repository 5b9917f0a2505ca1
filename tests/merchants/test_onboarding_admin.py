"""Admin: every onboarding page renders, actions call the services and record decisions."""

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from core.models import Decision
from merchants import services
from merchants.models import Application, Document, Probation
from tests.factories.merchants import (
    AgreementVersionFactory,
    DocumentFactory,
    MembershipFactory,
    MerchantFactory,
    TrainingSessionFactory,
)
from tests.merchants.onboarding_helpers import complete_application, signed_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def mm_client(client, role_user):
    staff = role_user("merchant_management")
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    client.staff = staff
    return client


def test_every_merchants_admin_page_renders_for_merchant_management(mm_client):
    merchant = MerchantFactory()
    MembershipFactory(merchant=merchant)
    document = DocumentFactory(merchant=merchant)
    AgreementVersionFactory()
    TrainingSessionFactory()
    objects = {"merchant": merchant, "document": document}
    for model in site._registry:
        if model._meta.app_label != "merchants":
            continue
        name = model._meta.model_name
        url = reverse(f"admin:merchants_{name}_changelist")
        assert mm_client.get(url).status_code == 200, url
        if name in objects:
            url = reverse(f"admin:merchants_{name}_change", args=[objects[name].pk])
            assert mm_client.get(url).status_code == 200, url


def test_admin_actions_call_services(mm_client):
    owner, merchant, category = signed_up()
    licence, report = complete_application(owner, merchant, category)
    application = services.open_application(merchant)
    services.submit_application(application=application, actor=owner)
    url = reverse("admin:merchants_application_changelist")
    mm_client.post(url, {"action": "start_review", "_selected_action": [application.pk]})
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_REVIEW
    url = reverse("admin:merchants_document_changelist")
    mm_client.post(url, {"action": "accept", "_selected_action": [licence.pk, report.pk]})
    assert set(merchant.documents.values_list("status", flat=True)) == {Document.Status.ACCEPTED}
    # approval refused (training missing): the message says why, nothing changes
    url = reverse("admin:merchants_application_changelist")
    response = mm_client.post(
        url, {"action": "approve", "_selected_action": [application.pk]}, follow=True
    )
    assert "onboarding training" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_REVIEW
    # request changes asks for a reason first
    response = mm_client.post(
        url, {"action": "request_changes", "_selected_action": [application.pk]}
    )
    assert response.status_code == 200 and b"Reason" in response.content
    mm_client.post(
        url,
        {
            "action": "request_changes",
            "_selected_action": [application.pk],
            "apply": "1",
            "reason": "Blurry photo",
        },
    )
    application.refresh_from_db()
    assert application.status == Application.Status.NEEDS_CHANGES
    assert Decision.objects.get(to_state="needs_changes").reason == "Blurry photo"


def test_probation_admin_terminate_with_reason(mm_client):
    merchant = MerchantFactory(status="onboarding")
    probation = services.start_probation(merchant=merchant, actor=mm_client.staff)
    url = reverse("admin:merchants_probation_changelist")
    mm_client.post(
        url,
        {
            "action": "terminate_probation",
            "_selected_action": [probation.pk],
            "apply": "1",
            "reason": "Fake test reports",
        },
    )
    probation.refresh_from_db()
    assert probation.status == Probation.Status.TERMINATED
    assert probation.decision_reason == "Fake test reports"

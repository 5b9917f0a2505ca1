"""API: scoping per merchant, transitions, uploads, requirements, errors."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from merchants.models import Application, Document
from tests import files
from tests.factories.core import CategoryFactory, UserFactory
from tests.factories.merchants import AgreementVersionFactory, ApplicationFactory, DocumentFactory
from tests.merchants.onboarding_helpers import complete_application, signed_up, valid_code

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_merchant_user_sees_only_their_merchant(merchant_a, merchant_b, owner_a):
    DocumentFactory(merchant=merchant_b)
    ApplicationFactory(merchant=merchant_b)
    client = api(owner_a)
    assert [m["id"] for m in client.get("/api/v1/merchants/").json()["results"]] == [merchant_a.pk]
    assert client.get(f"/api/v1/merchants/{merchant_b.pk}/").status_code == 404
    assert client.get(f"/api/v1/merchants/{merchant_b.pk}/requirements/").status_code == 404
    assert client.get("/api/v1/merchants/documents/").json()["results"] == []
    assert client.get("/api/v1/merchants/applications/").json()["results"] == []


def test_merchant_user_cannot_transition_another_merchants_application(owner_a, merchant_b):
    application = ApplicationFactory(merchant=merchant_b)
    response = api(owner_a).post(f"/api/v1/merchants/applications/{application.pk}/submit/")
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == "draft"


def test_consumer_without_merchant_sees_nothing(merchant_a):
    assert api(UserFactory()).get("/api/v1/merchants/").json()["results"] == []


def test_sign_up_and_upload_and_submit_through_api():
    category = CategoryFactory()
    AgreementVersionFactory()
    user = UserFactory()
    client = api(user)
    response = client.post(
        "/api/v1/merchants/",
        {
            "legal_name": "API Co",
            "credit_code": valid_code(3),
            "contact_name": "Li",
            "contact_email": "li@example.test",
            "categories": [category.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    merchant_id = response.json()["id"]
    today = timezone.localdate()
    response = client.post(
        "/api/v1/merchants/documents/",
        {
            "document_type": "business_licence",
            "number": "L-1",
            "issuer": "AMR",
            "issued_on": (today - datetime.timedelta(days=1)).isoformat(),
            "expires_on": (today + datetime.timedelta(days=400)).isoformat(),
            "file": files.pdf(),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "pending"
    requirements = client.get(f"/api/v1/merchants/{merchant_id}/requirements/").json()
    assert [r["code"] for r in requirements["pending_verification"]] == [
        "document:business_licence:-"
    ]
    assert f"document:test_report:{category.pk}" in [
        r["code"] for r in requirements["currently_due"]
    ]
    application = Application.objects.get(merchant_id=merchant_id)
    response = client.post(
        f"/api/v1/merchants/applications/{application.pk}/submit/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Still missing" in str(response.json())


def test_api_bad_inputs_are_clear_400s():
    owner, _merchant, category = signed_up()
    client = api(owner)
    response = client.post(
        "/api/v1/merchants/",
        {
            "legal_name": "Again",
            "credit_code": "91350100M000100Y40",
            "contact_name": "x",
            "contact_email": "x@example.test",
            "categories": [category.pk],
        },
        format="json",
    )
    assert response.status_code == 400
    today = timezone.localdate()
    response = client.post(
        "/api/v1/merchants/documents/",
        {
            "document_type": "test_report",
            "category": CategoryFactory().pk,
            "number": "T",
            "issuer": "CQC",
            "issued_on": today.isoformat(),
            "expires_on": (today - datetime.timedelta(days=3)).isoformat(),
            "file": files.pdf(),
        },
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert "category" in body and "expires_on" in body
    assert not Document.objects.exists()


def test_staff_transitions_and_review_through_api(role_user):
    owner, merchant, category = signed_up()
    licence, _report = complete_application(owner, merchant, category)
    application = Application.objects.get(merchant=merchant)
    api(owner).post(f"/api/v1/merchants/applications/{application.pk}/submit/")
    staff = api(role_user("merchant_management"))
    assert (
        staff.post(f"/api/v1/merchants/applications/{application.pk}/start-review/").json()[
            "status"
        ]
        == "under_review"
    )
    response = staff.post(
        f"/api/v1/merchants/documents/{licence.pk}/review/",
        {"verdict": "rejected", "reason_code": "illegible"},
    )
    assert response.json()["reason_code"] == "illegible"
    response = staff.post(
        f"/api/v1/merchants/applications/{application.pk}/request-changes/",
        {"reason": "Upload a readable licence"},
    )
    assert response.json()["status"] == "needs_changes"
    # not allowed from needs_changes:
    response = staff.post(f"/api/v1/merchants/applications/{application.pk}/approve/")
    assert response.status_code == 400
    # a merchant user cannot review
    response = api(owner).post(
        f"/api/v1/merchants/documents/{licence.pk}/review/", {"verdict": "accepted"}
    )
    assert response.status_code == 403


def test_filters(role_user, merchant_a, merchant_b):
    DocumentFactory(merchant=merchant_a, status="pending")
    DocumentFactory(merchant=merchant_b)
    client = api(role_user("merchant_management"))
    results = client.get("/api/v1/merchants/documents/?status=pending").json()["results"]
    assert [d["merchant"] for d in results] == [merchant_a.pk]
    results = client.get("/api/v1/merchants/?status=active").json()["results"]
    assert {m["id"] for m in results} == {merchant_a.pk, merchant_b.pk}


def test_onboarding_files_are_for_merchant_management_only(role_user, merchant_a):
    DocumentFactory(merchant=merchant_a)
    ApplicationFactory(merchant=merchant_a)
    other = api(role_user("consumer_service"))
    assert other.get("/api/v1/merchants/documents/").json()["results"] == []
    assert other.get("/api/v1/merchants/applications/").json()["results"] == []
    assert len(other.get("/api/v1/merchants/").json()["results"]) == 1
    mm = api(role_user("merchant_management"))
    assert len(mm.get("/api/v1/merchants/documents/").json()["results"]) == 1

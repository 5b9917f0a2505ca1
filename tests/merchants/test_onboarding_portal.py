"""Merchant portal and staff pages: the journey, uploads, isolation between merchants."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Upload
from merchants import services
from merchants.models import Application, Document, Membership, Merchant
from tests import files
from tests.factories.core import CategoryFactory, UserFactory
from tests.factories.merchants import (
    AgreementVersionFactory,
    DocumentFactory,
    TrainingSessionFactory,
)
from tests.merchants.onboarding_helpers import signed_up, upload, valid_code

pytestmark = pytest.mark.django_db


def _in(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _document_post(category=None, **overrides):
    today = timezone.localdate()
    data = {
        "document_type": "business_licence" if category is None else "test_report",
        "category": category.pk if category else "",
        "number": "NO-1",
        "issuer": "AMR",
        "issued_on": (today - datetime.timedelta(days=30)).isoformat(),
        "expires_on": (today + datetime.timedelta(days=300)).isoformat(),
        "file": files.pdf(),
    }
    data.update(overrides)
    return data


def test_sign_up_to_approved_on_probation_through_portal_and_staff_pages(client, role_user):
    category = CategoryFactory()
    AgreementVersionFactory()
    session = TrainingSessionFactory(starts_at=timezone.now() + datetime.timedelta(days=2))
    applicant = UserFactory()
    c = _in(client, applicant)
    assert "Start your application" in c.get("/merchant/").content.decode()
    response = c.post(
        "/merchant/apply/",
        {
            "legal_name": "Portal Co",
            "credit_code": valid_code(7),
            "contact_name": "Li",
            "contact_email": "li@example.test",
            "categories": [category.pk],
        },
    )
    assert response.status_code == 302
    merchant = Merchant.objects.get(legal_name="Portal Co")
    response = c.post("/merchant/apply/submit/", follow=True)
    assert "Still missing" in response.content.decode()
    assert c.post("/merchant/documents/", _document_post()).status_code == 302
    assert c.post("/merchant/documents/", _document_post(category)).status_code == 302
    assert Document.objects.filter(merchant=merchant).count() == 2
    assert c.post("/merchant/agreement/", {"confirm": "on"}).status_code == 302
    assert c.post("/merchant/training/", {"session": session.pk}).status_code == 302
    response = c.post("/merchant/apply/submit/", follow=True)
    assert "Your application is submitted" in response.content.decode()
    application = Application.objects.get(merchant=merchant)
    assert application.status == "submitted"

    staff = role_user("merchant_management")
    s = _in(client, staff)
    queue = s.get("/staff/merchants/review/").content.decode()
    assert "Portal Co" in queue and "NO-1" in queue
    s.post(f"/staff/merchants/applications/{application.pk}/decide/", {"action": "start_review"})
    for document in merchant.documents.all():
        s.post(f"/staff/merchants/documents/{document.pk}/review/", {"verdict": "accepted"})
    services.record_training_completed(session=session, merchant=merchant, actor=staff)
    s.post(f"/staff/merchants/applications/{application.pk}/decide/", {"action": "approve"})
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.PROBATION
    c = _in(client, applicant)
    assert "On probation until" in c.get("/merchant/").content.decode()


def test_portal_pages_render_in_both_languages(client):
    owner, merchant, category = signed_up()
    upload(merchant, owner, "test_report", category)
    AgreementVersionFactory()
    for language, word in (("en", "Requirements"), ("zh-hans", "资质要求")):
        c = _in(client, owner, language)
        for url in (
            "/merchant/",
            "/merchant/apply/",
            "/merchant/documents/",
            "/merchant/requirements/",
            "/merchant/agreement/",
            "/merchant/training/",
        ):
            response = c.get(url)
            assert response.status_code == 200, url
            assert word in response.content.decode(), (url, language)


def test_bad_upload_through_portal_shows_error_and_stores_nothing(client):
    owner, _merchant, category = signed_up()
    c = _in(client, owner)
    today = timezone.localdate()
    response = c.post(
        "/merchant/documents/",
        _document_post(category, expires_on=(today - datetime.timedelta(days=60)).isoformat()),
    )
    assert response.status_code == 200
    assert "The expiry date must be after the issue date." in response.content.decode()
    response = c.post(
        "/merchant/documents/",
        _document_post(file=files.upload("x.pdf", files.ELF_HEADER)),
    )
    assert "Only PDF, JPEG or PNG" in response.content.decode()
    assert not Document.objects.exists() and not Upload.objects.exists()


def test_portal_isolation_between_two_merchants(client, merchant_a, merchant_b, owner_a, owner_b):
    document_b = DocumentFactory(merchant=merchant_b, number="SECRET-B")
    c = _in(client, owner_a)
    for url in ("/merchant/", "/merchant/documents/", "/merchant/requirements/"):
        body = c.get(url).content.decode()
        assert "Merchant B" not in body and "SECRET-B" not in body
    # B's file cannot be downloaded by A, but by B and by Merchant Management.
    url = reverse("core:download", args=[document_b.file_id])
    assert c.get(url).status_code == 404
    assert _in(client, owner_b).get(url).status_code == 200


def test_merchant_management_can_download_documents(client, role_user, merchant_a):
    document = DocumentFactory(merchant=merchant_a)
    c = _in(client, role_user("merchant_management"))
    assert c.get(reverse("core:download", args=[document.file_id])).status_code == 200
    c = _in(client, role_user("consumer_service"))
    assert c.get(reverse("core:download", args=[document.file_id])).status_code == 404


def test_staff_pages_refuse_merchant_users_and_portal_refuses_staff(client, owner_a, role_user):
    assert _in(client, owner_a).get("/staff/merchants/review/").status_code == 403
    assert _in(client, role_user("merchant_management")).get("/merchant/").status_code == 403
    client.logout()
    assert client.get("/merchant/documents/").status_code == 302


def test_visitor_signs_up_account_and_merchant_in_one_step(client):
    category = CategoryFactory()
    client.cookies["django_language"] = "en"
    assert "Start your application" in client.get("/merchant/").content.decode()
    data = {
        "username": "newshop",
        "email": "new@example.test",
        "password1": "a-Long-enough-passphrase-42",
        "password2": "a-Long-enough-passphrase-42",
        "legal_name": "New Shop Co",
        "credit_code": valid_code(11),
        "contact_name": "Li",
        "contact_email": "li@example.test",
        "categories": [category.pk],
    }
    bad = client.post("/merchant/signup/", {**data, "credit_code": "91350100M000100Y40"})
    assert "not a valid unified social credit code" in bad.content.decode()
    assert not Merchant.objects.exists()
    from core.models import User

    assert not User.objects.filter(username="newshop").exists()
    response = client.post("/merchant/signup/", data)
    assert response.status_code == 302
    merchant = Merchant.objects.get(legal_name="New Shop Co")
    assert merchant.memberships.get().user.username == "newshop"
    assert client.get("/merchant/documents/").status_code == 200


def test_review_queue_is_oldest_first(client, role_user):
    first = signed_up(n=1)
    second = signed_up(n=2)
    for owner, merchant, category in (second, first):
        upload(merchant, owner)
        upload(merchant, owner, "test_report", category)
        services.accept_agreement(
            merchant=merchant,
            actor=owner,
            version=services.current_agreement() or AgreementVersionFactory(),
        )
        application = services.open_application(merchant)
        services.submit_application(application=application, actor=owner)
    Application.objects.filter(merchant=first[1]).update(
        submitted_at=timezone.now() - datetime.timedelta(days=2)
    )
    body = _in(client, role_user("merchant_management")).get("/staff/merchants/review/")
    text = body.content.decode()
    assert text.index(first[1].legal_name) < text.index(second[1].legal_name)


def test_owner_invites_staff_on_the_team_page_and_staff_cannot(client, merchant_a, owner_a):
    colleague = UserFactory(username="colleague")
    c = _in(client, owner_a)
    assert c.post("/merchant/team/", {"identifier": "colleague"}).status_code == 302
    # Nobody joins without accepting.
    assert not Membership.objects.filter(user=colleague).exists()
    invitee = _in(client, colleague)
    page = invitee.get("/merchant/invitations/")
    assert merchant_a.legal_name in page.content.decode()
    invitation = colleague.team_invitations.get()
    assert (
        invitee.post(f"/merchant/invitations/{invitation.pk}/", {"decision": "accept"}).status_code
        == 302
    )
    colleague.refresh_from_db()
    assert colleague.membership.merchant == merchant_a
    UserFactory(username="another")
    response = invitee.post("/merchant/team/", {"identifier": "another"})
    assert "Invite a staff member" not in response.content.decode()
    assert "Only an owner can invite team members." in response.content.decode()


def test_the_overview_puts_what_is_due_first_with_one_click_to_meet_it(client):
    """Requirements come before status and alerts, and each due row links to its step:
    an upload pre-set to that document, the agreement, the categories."""
    owner, _merchant, category = signed_up()
    AgreementVersionFactory()
    page = _in(client, owner).get("/merchant/").content.decode()
    assert page.index("Due now") < page.index('data-testid="merchant-status"')
    upload_link = f"/merchant/documents/?type=test_report&amp;category={category.pk}#upload"
    assert upload_link in page
    assert "/merchant/documents/?type=business_licence#upload" in page
    assert 'href="/merchant/agreement/"' in page
    form = client.get(f"/merchant/documents/?type=test_report&category={category.pk}")
    assert form.context["form"]["document_type"].value() == "test_report"
    assert str(form.context["form"]["category"].value()) == str(category.pk)


def test_an_accepted_document_past_its_expiry_reads_expired_not_accepted(
    client, merchant_a, owner_a
):
    today = timezone.localdate()
    DocumentFactory(merchant=merchant_a, number="OLD-1", expires_on=today)
    DocumentFactory(
        merchant=merchant_a,
        document_type="test_report",
        category=CategoryFactory(),
        number="NEW-1",
        expires_on=today + datetime.timedelta(days=1),
    )
    for language, expired, accepted in (
        ("en", "Expired", "Accepted"),
        ("zh-hans", "已过期", "已通过"),
    ):
        page = _in(client, owner_a, language).get("/merchant/documents/").content.decode()
        old = page[page.index("OLD-1") :].split("</tr>", 1)[0]
        new = page[page.index("NEW-1") :].split("</tr>", 1)[0]
        assert expired in old and accepted not in old
        assert accepted in new and expired not in new

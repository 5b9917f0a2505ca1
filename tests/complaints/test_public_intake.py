"""Consumer Service records phone and email complaints on the consumer's behalf and triages
the emails the ingestion could not match; only Consumer Service may."""

from datetime import timedelta

import pytest
from django.core import mail as outbox
from django.urls import reverse
from django.utils import timezone

from complaints import mail as ingestion
from complaints.models import Case, CaseKind, InboundMail
from core.audit import decisions_for
from tests import files
from tests.factories import ProductFactory
from tests.factories.reviews import PurchaseFactory

pytestmark = pytest.mark.django_db
INTAKE = reverse("complaints:intake")


@pytest.fixture
def staff_client(client, agent):
    client.force_login(agent)
    client.cookies["django_language"] = "en"
    return client


def raw_mail(message_id="<t1@mail.example>", body="The blender broke. Order: NOPE-0001"):
    return (
        f"From: Zhao Lei <zhao@example.test>\r\nSubject: Complaint\r\n"
        f"Message-ID: {message_id}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


@pytest.mark.parametrize("role", [None, "merchant_management"])
def test_only_consumer_service_reaches_the_intake(client, role_user, role):
    if role:
        client.force_login(role_user(role))
    response = client.get(INTAKE)
    assert response.status_code == (302 if role is None else 403)


def test_an_agent_records_a_phone_complaint_from_the_order_number_alone(
    staff_client, agent, django_capture_on_commit_callbacks
):
    purchase = PurchaseFactory(order_number="PH-1001", consumer="13800138000")
    received = timezone.localtime() - timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("complaints:intake-complaint"),
            {
                "channel": "phone",
                "received_at": received.strftime("%Y-%m-%dT%H:%M"),
                "consumer_name": "Zhou Min",
                "consumer_email": "zhou@example.test",
                "order_number": "PH-1001",
                "complaint_type": "quality_defect",
                "description": "Called: the screen flickers.",
                "desired_remedy": "repair",
                "attachment_1": files.pdf("call-notes.pdf"),
            },
        )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == Case.Channel.PHONE and case.created_by == agent
    assert (case.merchant, case.product) == (purchase.merchant, purchase.product)
    assert case.delivered_at == purchase.delivered_at
    assert abs(case.created_at - received.replace(second=0, microsecond=0)) < timedelta(minutes=1)
    assert case.messages.get().attachments.count() == 1
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("/complaints/case/" in m for m in shown)
    assert outbox.outbox[0].to == ["zhou@example.test"]  # the consumer gets the link
    assert "/complaints/case/" in outbox.outbox[0].body


def test_a_received_time_in_the_future_is_refused(staff_client):
    product = ProductFactory()
    response = staff_client.post(
        reverse("complaints:intake-complaint"),
        {
            "channel": "email",
            "received_at": (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "consumer_name": "Zhou Min",
            "consumer_phone": "13800138000",
            "product": str(product.pk),
            "complaint_type": "other",
            "description": "x",
        },
    )
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not Case.objects.exists()


def test_an_agent_records_an_ad_report(staff_client):
    product = ProductFactory()
    response = staff_client.post(
        reverse("complaints:intake-report"),
        {
            "channel": "email",
            "consumer_name": "Sun Li",
            "consumer_email": "sun@example.test",
            "product": str(product.pk),
            "advertised_claim": "Cures colds",
            "claim_seen_at": "Livestream 2026-11-20",
            "description": "A food making a medical claim.",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.kind == CaseKind.AD_REPORT and case.channel == Case.Channel.EMAIL


def test_an_unmatched_email_becomes_a_case_with_its_attachments(staff_client, agent):
    data = raw_mail()
    mail = ingestion.store_message(data)
    assert mail.status == InboundMail.Status.NEEDS_TRIAGE
    page = staff_client.get(INTAKE).content.decode()
    assert "Complaint" in page and "NOPE-0001" in page
    product = ProductFactory()
    form = staff_client.get(reverse("complaints:intake-mail", args=[mail.pk]))
    assert "zhao@example.test" in form.content.decode()
    response = staff_client.post(
        reverse("complaints:intake-mail", args=[mail.pk]),
        {
            "consumer_name": "Zhao Lei",
            "consumer_email": "zhao@example.test",
            "product": str(product.pk),
            "complaint_type": "quality_defect",
            "description": "The blender broke.",
        },
    )
    assert response.status_code == 302
    mail.refresh_from_db()
    assert mail.status == InboundMail.Status.CASE_OPENED and mail.triaged_by == agent
    assert mail.case.channel == Case.Channel.EMAIL and mail.case.created_at == mail.received_at
    assert [d.action for d in decisions_for(mail)] == ["open_case"]
    again = staff_client.post(reverse("complaints:intake-mail", args=[mail.pk]), {})
    assert again.status_code == 302 and Case.objects.count() == 1


def test_an_email_is_dismissed_with_a_reason(staff_client):
    mail = ingestion.store_message(raw_mail(body="BUY CHEAP WATCHES"))
    url = reverse("complaints:intake-mail-dismiss", args=[mail.pk])
    staff_client.post(url, {"reason": ""})
    mail.refresh_from_db()
    assert mail.status == InboundMail.Status.NEEDS_TRIAGE
    staff_client.post(url, {"reason": "Spam"})
    mail.refresh_from_db()
    assert (mail.status, mail.dismiss_reason) == (InboundMail.Status.DISMISSED, "Spam")
    assert not Case.objects.exists()


def test_inbound_mail_files_are_readable_by_consumer_service_only(client, agent, role_user):
    from django.core.mail import EmailMessage as DjangoEmail

    message = DjangoEmail("Complaint", "Order: NOPE-0002", "li@example.test", ["x@y.test"])
    message.attach("photo.png", files.png_bytes(), "image/png")
    message.extra_headers["Message-ID"] = "<files@mail.example>"
    mail = ingestion.store_message(message.message().as_bytes())
    upload = mail.attachments.get()
    url = reverse("core:download", args=[upload.pk])
    assert client.get(url).status_code == 404
    client.force_login(role_user("merchant_management"))
    assert client.get(url).status_code == 404
    client.force_login(agent)
    assert client.get(url).status_code == 200

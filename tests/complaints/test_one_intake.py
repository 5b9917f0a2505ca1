"""One way to open a case: the public form, Consumer Service's intake page, the mailbox, the
API and the admin all file through complaints.services.file_case, so the same filing gives
the same case, the same decision records, the same stored files and the same tracking-link
mail; a refused filing stores nothing and mails nothing, whichever door it came through."""

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core import mail as outbox
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from complaints import mail as ingestion
from complaints.models import Case, Priority
from core.audit import decisions_for
from core.models import Upload
from tests import files
from tests.factories.reviews import PurchaseFactory

pytestmark = pytest.mark.django_db

SUBJECT = "Broken kettle, order ONE-20261101-1"
BODY = "It leaks from the bottom."
DESCRIPTION = f"{SUBJECT}\n\n{BODY}"  # what the mailbox makes of the email
EMAIL = "li@example.test"


@pytest.fixture
def purchase():
    delivered = timezone.now().replace(second=0, microsecond=0) - timedelta(days=2)
    return PurchaseFactory(order_number="ONE-20261101-1", consumer=EMAIL, delivered_at=delivered)


def _form(purchase, **extra):
    return {
        "consumer_name": "Li Na",
        "consumer_email": EMAIL,
        "order_number": purchase.order_number,
        "complaint_type": "other",
        "description": DESCRIPTION,
        **extra,
    }


def by_web(client, purchase, *, refuse=False):
    data = _form(purchase, attachment_1=files.png("leak.png"))
    if refuse:
        data["consumer_email"] = ""
        data["order_number"] = ""
        data["product"] = str(purchase.product.pk)
    client.post(reverse("complaints:new-complaint"), data)


def by_staff(client, purchase, *, refuse=False):
    from django.contrib.auth.models import Group

    from tests.factories.core import UserFactory

    agent = UserFactory(username="intake-agent", is_staff=True)
    agent.groups.add(Group.objects.get(name="consumer_service"))
    client.force_login(agent)
    data = _form(purchase, channel="email", attachment_1=files.png("leak.png"))
    if refuse:
        data["consumer_email"] = ""
    client.post(reverse("complaints:intake-complaint"), data)


def by_mail(client, purchase, *, refuse=False):
    msg = EmailMessage()
    msg["From"] = f"Li Na <{EMAIL}>"
    msg["To"] = "complaints@platform.test"
    msg["Subject"] = SUBJECT
    msg["Message-ID"] = "<one@mail.example>"
    msg["Date"] = format_datetime(timezone.now() - timedelta(minutes=5))
    msg.set_content(BODY)
    msg.add_attachment(files.png_bytes(), maintype="image", subtype="png", filename="leak.png")
    if refuse:
        # The purchase was delivered after the consumer wrote: the intake refuses it, the
        # email waits for triage, its case and files are not made.
        purchase.delivered_at = timezone.now() + timedelta(days=1)
        purchase.save(update_fields=["delivered_at"])
    ingestion.store_message(msg.as_bytes())


def by_api(client, purchase, *, refuse=False):
    from django.contrib.auth.models import Group, Permission

    from tests.factories.core import UserFactory

    group = Group.objects.create(name="storefront")
    group.permissions.add(Permission.objects.get(codename="add_case"))
    user = UserFactory(username="storefront")
    user.groups.add(group)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    body = {
        "merchant": purchase.merchant.pk,
        "product": purchase.product.pk,
        "consumer_name": "Li Na",
        "consumer_email": "" if refuse else EMAIL,
        "order_number": purchase.order_number,
        "delivered_at": purchase.delivered_at.isoformat(),
        "complaint_type": "other",
        "description": DESCRIPTION,
    }
    response = api.post("/api/v1/cases/", body, format="json")
    assert response.status_code == (400 if refuse else 201), response.json()
    if refuse:
        assert "consumer_phone" in response.json()  # the service's refusal, on its field


def by_admin(admin_client, purchase, *, refuse=False):
    delivered = timezone.localtime(purchase.delivered_at)
    received = timezone.localtime()
    response = admin_client.post(
        reverse("admin:complaints_case_add"),
        {
            "kind": "complaint",
            "channel": "phone",
            "priority": str(Priority.NORMAL),
            "consumer_name": "Li Na",
            "consumer_email": "" if refuse else EMAIL,
            "merchant": str(purchase.merchant.pk),
            "product": str(purchase.product.pk),
            "order_number": purchase.order_number,
            "delivered_at_0": delivered.strftime("%Y-%m-%d"),
            "delivered_at_1": delivered.strftime("%H:%M:%S"),
            "complaint_type": "other",
            "desired_remedy": "",
            "description": DESCRIPTION,
            "received_at_0": received.strftime("%Y-%m-%d"),
            "received_at_1": received.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == (200 if refuse else 302)


# entry point, whether it takes files
ENTRIES = [(by_web, True), (by_staff, True), (by_mail, True), (by_api, False), (by_admin, False)]


@pytest.mark.parametrize(("entry", "with_files"), ENTRIES, ids=lambda e: getattr(e, "__name__", ""))
def test_every_entry_point_opens_the_same_case(
    entry, with_files, client, admin_client, purchase, django_capture_on_commit_callbacks
):
    web = admin_client if entry is by_admin else client
    with django_capture_on_commit_callbacks(execute=True):
        entry(web, purchase)
    case = Case.objects.get()
    assert (
        case.kind,
        case.status,
        case.merchant,
        case.product,
        case.order_number,
        case.delivered_at,
        case.complaint_type,
        case.desired_remedy,
        case.consumer_name,
        case.consumer_email,
        case.description.strip(),
        case.policy.priority,
    ) == (
        "complaint",
        "new",
        purchase.merchant,
        purchase.product,
        purchase.order_number,
        purchase.delivered_at,
        "other",
        "",
        "Li Na",
        EMAIL,
        DESCRIPTION,
        Priority.NORMAL,
    )
    assert case.response_due_at > case.created_at and case.tracking_token_hash
    assert [d.action for d in decisions_for(case)] == ["open"]
    stored = [u.original_name for u in case.messages.get().attachments.all()]
    assert stored == (["leak.png"] if with_files else [])
    assert Upload.objects.count() == len(stored)
    # The consumer gets their link by email, once, whatever the door.
    assert [m.to for m in outbox.outbox] == [[EMAIL]]
    assert "/complaints/case/" in outbox.outbox[0].body


@pytest.mark.parametrize(("entry", "with_files"), ENTRIES, ids=lambda e: getattr(e, "__name__", ""))
def test_a_refused_filing_stores_nothing_and_mails_nothing(
    entry, with_files, client, admin_client, purchase, settings, django_capture_on_commit_callbacks
):
    web = admin_client if entry is by_admin else client
    with django_capture_on_commit_callbacks(execute=True):
        entry(web, purchase, refuse=True)
    assert not Case.objects.exists()
    assert outbox.outbox == []
    if entry is by_mail:
        # The email itself is kept for triage, with its attachment; no case was made of it.
        assert Upload.objects.count() == 1
    else:
        assert not Upload.objects.exists()
        root = settings.PRIVATE_MEDIA_ROOT
        leftover = [p for p in root.rglob("*") if p.is_file()] if root else []
        assert leftover == []

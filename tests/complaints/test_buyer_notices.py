"""Buyers of a product with a confirmed quality problem are told (issue 18, item 4)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from complaints.models import BuyerNotice, QualityIncident
from complaints.policies import BUYER_NOTICES
from complaints.selectors import buyer_notice_counts
from complaints.services import buyer_notices
from core import policies
from core.audit import decisions_for
from core.exceptions import DomainError
from tests.factories import ProductFactory, UserFactory
from tests.factories.complaints import CaseFactory
from tests.factories.notices import QualityIncidentFactory, lot_of
from tests.factories.reviews import PurchaseFactory

pytestmark = pytest.mark.django_db


def _buyers(product, count, **fields):
    return [PurchaseFactory(product=product, **fields) for _ in range(count)]


@pytest.fixture
def incident(db):
    return QualityIncidentFactory(product=ProductFactory(title="Baby formula 900g"))


@pytest.fixture
def notify(django_capture_on_commit_callbacks):
    """notify_buyers, then what runs after its commit (the eager delivery task)."""

    def run(incident, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return buyer_notices.notify_buyers(incident=incident, **kwargs)

    return run


def _link_token(message) -> str:
    marker = "?notice="
    start = message.body.index(marker) + len(marker)
    return message.body[start:].split()[0]


# --- creating the notices -------------------------------------------------------------------


def test_notices_are_created_in_a_constant_number_of_statements(
    incident, django_assert_max_num_queries
):
    _buyers(incident.product, 30)
    policies.ensure_version(BUYER_NOTICES)  # the defaults' first version is written once
    with django_assert_max_num_queries(8):  # 8th: the buyers' languages, one UPDATE
        added = buyer_notices.notify_buyers(incident=incident)
    assert added == 30
    assert BuyerNotice.objects.filter(incident=incident, status="queued").count() == 30


def test_statement_count_does_not_grow_with_the_buyers(incident):
    _buyers(incident.product, 3)
    with CaptureQueriesContext(connection) as few:
        buyer_notices.notify_buyers(incident=incident)
    other = QualityIncidentFactory(product=ProductFactory())
    _buyers(other.product, 40)
    with CaptureQueriesContext(connection) as many:
        buyer_notices.notify_buyers(incident=other)
    assert len(many) <= len(few)


def test_a_second_run_tells_no_buyer_twice(incident):
    _buyers(incident.product, 5)
    assert buyer_notices.notify_buyers(incident=incident) == 5
    assert buyer_notices.notify_buyers(incident=incident) == 0
    _buyers(incident.product, 2)
    assert buyer_notices.notify_buyers(incident=incident) == 2
    assert BuyerNotice.objects.filter(incident=incident).count() == 7
    assert buyer_notice_counts(incident)["total"] == 7


def test_a_lot_incident_tells_only_the_buyers_of_that_lot(incident):
    lot, other_lot = lot_of(incident.product, "L-1"), lot_of(incident.product, "L-2")
    incident.lot = lot
    incident.save()
    in_lot = _buyers(incident.product, 3, lot=lot)
    _buyers(incident.product, 2, lot=other_lot)
    _buyers(incident.product, 1)
    assert buyer_notices.notify_buyers(incident=incident) == 3
    told = set(BuyerNotice.objects.filter(incident=incident).values_list("purchase", flat=True))
    assert told == {p.pk for p in in_lot}


def test_a_product_incident_tells_buyers_of_every_lot(incident):
    _buyers(incident.product, 2, lot=lot_of(incident.product, "L-1"))
    _buyers(incident.product, 1)
    _buyers(ProductFactory(merchant=incident.merchant), 4)  # another product
    assert buyer_notices.notify_buyers(incident=incident) == 3


def test_only_delivered_purchases_within_the_look_back_are_told(incident):
    now = timezone.now()
    inside = PurchaseFactory(product=incident.product, paid_at=now - timedelta(days=179))
    PurchaseFactory(
        product=incident.product,
        paid_at=now - timedelta(days=181),
        delivered_at=now - timedelta(days=178),
    )
    PurchaseFactory(product=incident.product, delivered_at=None)  # not delivered
    assert buyer_notices.notify_buyers(incident=incident) == 1
    assert BuyerNotice.objects.get(incident=incident).purchase == inside


def test_the_look_back_is_a_versioned_policy(incident):
    now = timezone.now()
    PurchaseFactory(product=incident.product, paid_at=now - timedelta(days=20))
    PurchaseFactory(product=incident.product, paid_at=now - timedelta(days=5))
    policies.publish(BUYER_NOTICES, value={"look_back_days": 10}, note="shorter")
    assert buyer_notices.notify_buyers(incident=incident) == 1
    decision = decisions_for(incident).get(action="notify_buyers")
    assert decision.data["look_back_days"] == 10
    assert decision.data["added"] == 1


def test_a_buyer_without_an_email_is_recorded_as_no_contact(incident, notify):
    PurchaseFactory(product=incident.product, consumer="13800138000")
    PurchaseFactory(product=incident.product, consumer="a@shop.test")
    notify(incident)
    counts = buyer_notice_counts(incident)
    assert counts["no_contact"] == 1 and counts["queued"] == 0 and counts["sent"] == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("status", ["open", "contained", "dismissed"])
def test_buyers_are_not_told_about_an_incident_not_confirmed(status):
    incident = QualityIncidentFactory(status=status)
    PurchaseFactory(product=incident.product)
    with translation.override("en"), pytest.raises(DomainError) as error:
        buyer_notices.notify_buyers(incident=incident)
    assert "confirmed" in " ".join(error.value.messages)
    assert not BuyerNotice.objects.exists()


def test_a_rejected_lot_tells_buyers_before_the_incident_is_closed():
    incident = QualityIncidentFactory(
        status=QualityIncident.Status.OPEN, source=QualityIncident.Source.LOT_REJECTED
    )
    PurchaseFactory(product=incident.product)
    assert buyer_notices.notify_buyers(incident=incident) == 1


# --- delivery -------------------------------------------------------------------------------


@pytest.fixture
def failing_backend(settings):
    settings.EMAIL_BACKEND = "tests.complaints.mail_backends.RefusingBackend"


def test_delivery_sends_everyone_but_the_failing_address(
    incident, failing_backend, settings, notify
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    PurchaseFactory(product=incident.product, consumer="broken@shop.test")
    _buyers(incident.product, 4)
    notify(incident)  # the task runs after commit (eager)
    counts = buyer_notice_counts(incident)
    assert counts["sent"] == 4 and counts["queued"] == 1
    failed = BuyerNotice.objects.get(contact="broken@shop.test")
    assert failed.attempts == 1 and "refused" in failed.last_error
    assert failed.next_attempt_at > timezone.now()
    assert {m.to[0] for m in mail.outbox} == {
        n.contact for n in BuyerNotice.objects.filter(status="sent")
    }


def test_a_failing_address_is_parked_after_the_last_attempt(incident, failing_backend, notify):
    PurchaseFactory(product=incident.product, consumer="broken@shop.test")
    notify(incident)
    for _attempt in range(buyer_notices.MAX_ATTEMPTS):
        BuyerNotice.objects.filter(status="queued").update(next_attempt_at=timezone.now())
        buyer_notices.deliver_queued()
    notice = BuyerNotice.objects.get()
    assert notice.status == "failed"
    assert notice.attempts == buyer_notices.MAX_ATTEMPTS
    assert buyer_notices.retry_failed(notice_ids=[notice.pk]) == 1
    assert BuyerNotice.objects.get().status == "queued"


def test_a_batch_is_delivered_in_a_constant_number_of_statements(
    incident, settings, django_assert_max_num_queries
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from config.celery import app

    app.conf.task_always_eager = False
    _buyers(incident.product, 25)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("complaints.tasks.deliver_buyer_notices.delay", lambda: None)
        buyer_notices.notify_buyers(incident=incident)
    with django_assert_max_num_queries(6):
        sent = buyer_notices.deliver_queued(batch=50, max_batches=1)
    assert sent == 25
    assert len(mail.outbox) == 25
    hashes = set(BuyerNotice.objects.values_list("token_hash", flat=True))
    assert len(hashes) == 25 and None not in hashes


def _deliver_after(notify_call):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("complaints.tasks.deliver_buyer_notices.delay", lambda: None)
        notify_call()
    buyer_notices.deliver_queued()
    return {m.to[0]: m for m in mail.outbox}


def test_the_email_is_in_the_buyers_language(incident):
    """A purchase carries no language: the buyer's account says it, else the language of
    the buyer's latest complaint, else the platform default (zh-hans)."""
    UserFactory(email="Account.EN@shop.test", preferred_language="en")
    UserFactory(email="account.zh@shop.test", preferred_language="zh-hans")
    with translation.override("zh-hans"):
        CaseFactory(consumer_email="filed@shop.test")
    with translation.override("en"):
        CaseFactory(consumer_email="filed@shop.test")  # the latest complaint counts
    for buyer in ("account.en@shop.test", "account.zh@shop.test", "filed@shop.test"):
        PurchaseFactory(product=incident.product, consumer=buyer)
    PurchaseFactory(product=incident.product, consumer="unknown@shop.test")
    by_address = _deliver_after(lambda: buyer_notices.notify_buyers(incident=incident))
    languages = dict(BuyerNotice.objects.values_list("contact", "language"))
    assert languages == {
        "account.en@shop.test": "en",
        "account.zh@shop.test": "zh-hans",
        "filed@shop.test": "en",
        "unknown@shop.test": "zh-hans",
    }
    for english in (by_address["account.en@shop.test"], by_address["filed@shop.test"]):
        assert "Baby formula 900g" in english.subject and "Quality notice" in english.subject
        assert "What the platform did" in english.body
    for chinese in (by_address["account.zh@shop.test"], by_address["unknown@shop.test"]):
        assert "质量" in chinese.subject
        assert "Quality notice" not in chinese.subject
        assert "What the platform did" not in chinese.body


def test_the_account_language_wins_over_the_complaint_language(incident):
    UserFactory(email="both@shop.test", preferred_language="zh-hans")
    with translation.override("en"):
        CaseFactory(consumer_email="both@shop.test")
    PurchaseFactory(product=incident.product, consumer="both@shop.test")
    message = _deliver_after(lambda: buyer_notices.notify_buyers(incident=incident))[
        "both@shop.test"
    ]
    assert "质量" in message.subject


def test_the_email_names_no_other_buyer(incident, notify):
    first = PurchaseFactory(product=incident.product, consumer="one@shop.test")
    second = PurchaseFactory(product=incident.product, consumer="two@shop.test")
    notify(incident)
    for message in mail.outbox:
        mine, theirs = (first, second) if message.to == ["one@shop.test"] else (second, first)
        assert mine.order_number in message.body
        assert theirs.order_number not in message.body
        assert theirs.consumer not in message.body


# --- the pre-filled remedy request ----------------------------------------------------------


def test_the_link_opens_the_complaint_form_filled_in_for_that_purchase(incident, client, notify):
    purchase = PurchaseFactory(product=incident.product, consumer="me@shop.test")
    PurchaseFactory(product=incident.product, consumer="other@shop.test")
    notify(incident)
    message = next(m for m in mail.outbox if m.to == ["me@shop.test"])
    token = _link_token(message)
    assert token not in "".join(BuyerNotice.objects.values_list("token_hash", flat=True))
    response = client.get(reverse("complaints:new-complaint"), {"notice": token})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["order_number"] == purchase.order_number
    assert form.initial["product"] == incident.product_id
    assert form.initial["merchant"] == incident.merchant_id
    assert form.initial["complaint_type"] == "counterfeit"
    page = response.content.decode()
    assert purchase.order_number in page and "me@shop.test" in page
    assert "other@shop.test" not in page
    assert response["Cache-Control"] == "private, no-store"


def test_a_made_up_link_opens_an_empty_form(client):
    response = client.get(reverse("complaints:new-complaint"), {"notice": "guessed-token"})
    assert response.status_code == 200
    assert not response.context["form"].initial


def test_filing_from_the_link_opens_a_case_for_that_purchase(incident, client, notify):
    purchase = PurchaseFactory(product=incident.product, consumer="me@shop.test")
    notify(incident)
    token = _link_token(mail.outbox[0])
    initial = (
        client.get(reverse("complaints:new-complaint"), {"notice": token}).context["form"].initial
    )
    data = {
        **{k: v for k, v in initial.items() if v is not None and k != "delivered_on"},
        "consumer_name": "Me",
        "description": "I bought this and it is fake.",
    }
    response = client.post(reverse("complaints:new-complaint"), data)
    assert response.status_code == 302
    from complaints.models import Case

    case = Case.objects.get()
    assert case.order_number == purchase.order_number
    assert case.product == incident.product
    assert case.delivered_at == purchase.delivered_at


# --- staff ----------------------------------------------------------------------------------


def test_staff_see_progress_and_a_second_run_reports_who_was_told(
    incident, client, role_user, django_capture_on_commit_callbacks
):
    _buyers(incident.product, 3)
    client.force_login(role_user("quality_management", preferred_language="en"))
    url = reverse("complaints:incident-notify-buyers", args=[incident.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["notice_counts"]["sent"] == 3
    assert [str(m) for m in response.context["messages"]][-1] == (
        "0 buyers queued for a notice. Already notified: 3."
    )
    panel = response.content.decode()
    assert 'data-testid="buyer-notice-total">3<' in panel


def test_consumer_service_cannot_notify_buyers(incident, client, role_user):
    client.force_login(role_user("consumer_service"))
    response = client.post(reverse("complaints:incident-notify-buyers", args=[incident.pk]))
    assert response.status_code == 403
    assert not BuyerNotice.objects.exists()

"""The case lookup page: reference + contact used at filing -> a new link sent to that
contact. The same answer whatever matched; 429 past the limits per address, per contact,
per reference; the earlier link stops working."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation

from complaints import services
from core import notify
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db
LOOKUP = reverse("complaints:lookup")


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def case():
    with translation.override("en"):
        case = CaseFactory(consumer_email="Li@Example.test", consumer_phone="138 0013 8000")
    case.old_token = case.tracking_token
    return case


def ask(client, reference, contact, capture):
    mail.outbox.clear()
    with capture(execute=True):
        return client.post(LOOKUP, {"reference": reference, "contact": contact})


def neutral(response):
    """The page without the CSRF token, which differs per response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_page_says_a_new_link_replaces_the_old_one(client):
    page = client.get(LOOKUP)
    assert page.status_code == 200
    assert "the earlier link stops working" in page.content.decode()


def test_a_match_sends_a_new_link_to_that_contact_and_the_old_one_stops_working(
    client, case, django_capture_on_commit_callbacks
):
    response = ask(
        client, case.reference.lower(), "li@example.test", django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    (message,) = mail.outbox
    assert message.to == ["Li@Example.test"]
    assert "no longer works" in message.body
    token = re.search(r"/complaints/case/([^/\s]+)/", message.body).group(1)
    assert client.get(reverse("complaints:case", args=[token])).status_code == 200
    assert client.get(reverse("complaints:case", args=[case.old_token])).status_code == 404


def test_the_phone_given_at_filing_gets_the_link_by_sms(
    client, case, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "core.notify.LocmemSMSBackend"
    notify.sms_outbox.clear()
    ask(client, case.reference, "+86 138-0013-8000", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    (sms,) = notify.sms_outbox
    assert sms.to == "138 0013 8000" and "/complaints/case/" in sms.body
    notify.sms_outbox.clear()


def test_wrong_contact_and_unknown_reference_get_the_same_answer_as_a_match(
    client, case, django_capture_on_commit_callbacks
):
    matched = ask(client, case.reference, "li@example.test", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    wrong = ask(client, case.reference, "someone@example.test", django_capture_on_commit_callbacks)
    unknown = ask(client, "C20990101-999999", "li@example.test", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert {r.status_code for r in (matched, wrong, unknown)} == {200}
    assert neutral(matched) == neutral(wrong) == neutral(unknown)
    assert case.consumer_name not in neutral(wrong)


def test_a_case_whose_link_expired_gets_no_new_link(
    client, agent_resolved_case, django_capture_on_commit_callbacks, settings
):
    case = agent_resolved_case
    later = case.closed_at + timedelta(days=settings.COMPLAINTS_LINK_DAYS_AFTER_CLOSE + 1)
    with time_machine.travel(later, tick=False):
        response = ask(
            client, case.reference, case.consumer_email, django_capture_on_commit_callbacks
        )
    assert response.status_code == 200 and mail.outbox == []
    assert "If the reference and the contact match a case" in response.content.decode()


@pytest.fixture
def agent_resolved_case(role_user):
    agent = role_user("consumer_service")
    with translation.override("en"):
        case = CaseFactory(consumer_email="li@example.test")
    services.assign(case=case, to=agent)
    services.resolve(case=case, by=agent, outcome="refund")
    return services.close(case=case, by=agent)


@pytest.mark.parametrize(
    ("setting", "vary"),
    [
        ("COMPLAINTS_LOOKUP_RATE_PER_REFERENCE", "contact"),
        ("COMPLAINTS_LOOKUP_RATE_PER_CONTACT", "reference"),
        ("COMPLAINTS_LOOKUP_RATE_PER_IP", "both"),
    ],
)
def test_a_flood_of_lookups_is_refused_with_429(client, settings, setting, vary):
    for name in (
        "COMPLAINTS_LOOKUP_RATE_PER_REFERENCE",
        "COMPLAINTS_LOOKUP_RATE_PER_CONTACT",
        "COMPLAINTS_LOOKUP_RATE_PER_IP",
    ):
        setattr(settings, name, "1000/h")
    setattr(settings, setting, "3/h")
    codes = []
    for n in range(4):
        reference = "C20261101-000001" if vary == "contact" else f"C20261101-{n:06d}"
        contact = "li@example.test" if vary == "reference" else f"x{n}@example.test"
        codes.append(client.post(LOOKUP, {"reference": reference, "contact": contact}).status_code)
    assert codes == [200, 200, 200, 429]

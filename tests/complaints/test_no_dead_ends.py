"""A consumer never lands on a dead end: the language switch after a refused post returns
to a page that answers GET, and a form shown again with errors says when a chosen file has to
be chosen again (browsers never keep it)."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Case
from tests import files
from tests.factories import ProductFactory
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db
NEW = reverse("complaints:new-complaint")


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.COMPLAINTS_RATE_PER_IP = "1000/h"
    settings.COMPLAINTS_RATE_PER_CONTACT = "1000/h"


def _next_of_language_switch(html: str) -> str:
    marker = 'name="next" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_the_language_switch_after_a_reply_error_returns_to_the_case_page(client, merchant_a):
    case = CaseFactory(merchant=merchant_a)
    page = reverse("complaints:case", args=[case.tracking_token])
    reply = reverse("complaints:case-reply", args=[case.tracking_token])
    refused = client.post(reply, {"text": ""}, HTTP_REFERER=f"http://testserver{page}")
    assert refused.status_code == 400
    target = _next_of_language_switch(refused.content.decode())
    assert target == page
    switched = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert switched.status_code == 302
    assert client.get(switched.url).status_code == 200


def test_the_language_switch_never_returns_to_another_site(client, merchant_a):
    case = CaseFactory(merchant=merchant_a)
    reply = reverse("complaints:case-reply", args=[case.tracking_token])
    refused = client.post(reply, {"text": ""}, HTTP_REFERER="https://evil.example/x")
    assert _next_of_language_switch(refused.content.decode()) == "/"


def test_a_get_page_switches_back_to_itself(client):
    response = client.get(NEW + "?x=1")
    assert _next_of_language_switch(response.content.decode()) == NEW + "?x=1"


def test_a_complaint_with_an_error_asks_to_choose_the_file_again(client):
    client.cookies["django_language"] = "en"
    product = ProductFactory()
    response = client.post(
        NEW,
        {
            "consumer_name": "Li Na",
            "consumer_email": "",
            "consumer_phone": "",
            "order_number": "ORD-1",
            "product": str(product.pk),
            "complaint_type": "other",
            "description": "Kept text.",
            "attachment_1": files.png(),
        },
    )
    body = response.content.decode()
    assert 'data-testid="reattach-note"' in body
    assert "Kept text.</textarea>" in body


def test_without_a_file_there_is_no_note(client):
    response = client.post(NEW, {"consumer_name": "Li Na"})
    assert 'data-testid="reattach-note"' not in response.content.decode()


def test_a_rating_after_resolution_is_not_blocked_by_earlier_filings(
    client, settings, merchant_a, agent
):
    settings.COMPLAINTS_RATE_PER_IP = "1/h"
    product = ProductFactory()
    client.post(
        NEW,
        {
            "consumer_name": "Li Na",
            "consumer_email": "li@example.test",
            "order_number": "ORD-1",
            "product": str(product.pk),
            "complaint_type": "other",
            "description": "x",
        },
    )
    case = CaseFactory(merchant=merchant_a)
    services.assign(case=case, to=agent)
    services.resolve(case=case, by=agent, outcome=Case.Outcome.EXCHANGE, message="Exchanged.")
    rate = reverse("complaints:case-rate", args=[case.tracking_token])
    response = client.post(rate, {"rating": "5", "comment": "Quick."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.satisfaction == 5

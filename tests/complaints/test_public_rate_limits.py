"""Public posts are limited per client address and per consumer contact (both on by
default); the refusal is the translated 429 page and files nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from complaints.models import Case
from tests.factories import ProductFactory
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db
NEW = reverse("complaints:new-complaint")


def post(client, product, email, ip="203.0.113.7"):
    return client.post(
        NEW,
        {
            "consumer_name": "Flood",
            "consumer_email": email,
            "order_number": "ORD-9",
            "product": str(product.pk),
            "complaint_type": "other",
            "description": "Again.",
        },
        REMOTE_ADDR=ip,
    )


def test_the_production_defaults_are_on(settings):
    assert settings.RATELIMIT_ENABLE is True
    assert settings.COMPLAINTS_RATE_PER_IP == "10/h"
    assert settings.COMPLAINTS_RATE_PER_CONTACT == "5/h"


def test_a_flood_from_one_address_gets_429_after_the_limit(client, settings):
    settings.COMPLAINTS_RATE_PER_IP = "3/h"
    settings.COMPLAINTS_RATE_PER_CONTACT = "100/h"
    product = ProductFactory()
    codes = [post(client, product, f"p{i}@example.test").status_code for i in range(5)]
    assert codes == [302, 302, 302, 429, 429]
    assert Case.objects.count() == 3
    # Another address is not affected.
    assert post(client, product, "other@example.test", ip="198.51.100.1").status_code == 302


def test_one_contact_is_limited_across_addresses(client, settings):
    settings.COMPLAINTS_RATE_PER_IP = "100/h"
    settings.COMPLAINTS_RATE_PER_CONTACT = "2/h"
    product = ProductFactory()
    codes = [
        post(client, product, " Same@Example.test", ip=f"198.51.100.{i}").status_code
        for i in range(1, 5)
    ]
    assert codes == [302, 302, 429, 429]
    assert Case.objects.count() == 2


def test_the_429_page_is_translated(settings):
    settings.COMPLAINTS_RATE_PER_IP = "1/h"
    product = ProductFactory()
    zh, en = Client(), Client()
    zh.cookies["django_language"] = "zh-hans"
    en.cookies["django_language"] = "en"
    post(zh, product, "a@example.test")
    refused_zh = post(zh, product, "b@example.test")
    post(en, product, "c@example.test", ip="198.51.100.9")
    refused_en = post(en, product, "d@example.test", ip="198.51.100.9")
    assert refused_zh.status_code == refused_en.status_code == 429
    assert "Too many requests" in refused_en.content.decode()
    assert "Too many requests" not in refused_zh.content.decode()
    assert 'lang="zh-hans"' in refused_zh.content.decode()


def test_replies_through_a_link_are_limited_too(client, settings, merchant_a):
    settings.COMPLAINTS_FOLLOWUP_RATE_PER_IP = "2/h"
    case = CaseFactory(merchant=merchant_a)
    url = reverse("complaints:case-reply", args=[case.tracking_token])
    codes = [client.post(url, {"text": f"msg {i}"}).status_code for i in range(3)]
    assert codes == [302, 302, 429]


def test_replies_and_ratings_do_not_spend_the_new_filing_budget(client, settings, merchant_a):
    settings.COMPLAINTS_RATE_PER_IP = "1/h"
    assert settings.COMPLAINTS_FOLLOWUP_RATE_PER_IP == "60/h"
    case = CaseFactory(merchant=merchant_a)
    url = reverse("complaints:case-reply", args=[case.tracking_token])
    codes = [client.post(url, {"text": f"msg {i}"}).status_code for i in range(4)]
    assert codes == [302, 302, 302, 302]
    # The new-filing budget of the same address is still whole.
    assert post(client, ProductFactory(), "first@example.test").status_code == 302


def test_a_refused_reply_keeps_the_text_and_says_when_to_retry(client, settings, merchant_a):
    settings.COMPLAINTS_FOLLOWUP_RATE_PER_CASE = "1/h"
    client.cookies["django_language"] = "en"
    case = CaseFactory(merchant=merchant_a)
    url = reverse("complaints:case-reply", args=[case.tracking_token])
    assert client.post(url, {"text": "first"}).status_code == 302
    refused = client.post(url, {"text": "The parcel was opened before delivery."})
    body = refused.content.decode()
    assert refused.status_code == 429
    assert "Nothing was sent" in body and "send it again after" in body
    assert "The parcel was opened before delivery.</textarea>" in body
    assert case.messages.filter(text__contains="opened before").count() == 0


def test_a_refused_filing_keeps_what_was_typed(client, settings):
    settings.COMPLAINTS_RATE_PER_IP = "1/h"
    client.cookies["django_language"] = "en"
    product = ProductFactory()
    post(client, product, "one@example.test")
    refused = post(client, product, "two@example.test")
    body = refused.content.decode()
    assert refused.status_code == 429
    assert 'value="two@example.test"' in body and "Again.</textarea>" in body
    assert "minutes)" in body

"""The public quality record per product and per lot, and the lot's QR code."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from products import services as product_services
from tests.factories.reviews import PurchaseFactory
from tests.visitors import token_accepted, visit


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_record_shows_the_standard_and_inspections_without_personal_data(
    client, product_a, inspect, qm
):
    lot = product_services.register_lot(product=product_a, number="B-1")
    PurchaseFactory(product=product_a, lot=lot, consumer="secret.buyer@example.test")
    inspected = inspect(product_a)
    assert inspected.lot == lot
    page = client.get(reverse("inspections:public-lot", args=[lot.code]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "B-1" in body and 'data-status="accepted"' in body
    assert "secret.buyer" not in body
    assert "Rice A" in body
    product_page = client.get(reverse("inspections:public-product", args=[product_a.pk]))
    assert product_page.status_code == 200 and lot.code in product_page.content.decode()


def _record(content: bytes) -> str:
    """The record itself (the page around it carries a fresh CSRF token on each request)."""
    body = content.decode()
    return body[body.index('<article class="quality-record"') : body.index("</article>\n")]


def test_the_record_is_served_from_cache_and_dropped_on_a_verdict(
    client, product_a, inspect, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    url = reverse("inspections:public-product", args=[product_a.pk])
    first = _record(client.get(url).content)
    with django_assert_max_num_queries(3):
        assert _record(client.get(url).content) == first
    with django_capture_on_commit_callbacks(execute=True):
        inspect(product_a)
    assert b'data-status="accepted"' in client.get(url).content


def test_an_unknown_lot_code_is_a_404(client, db):
    assert client.get(reverse("inspections:public-lot", args=["NOPE"])).status_code == 404


def test_the_merchant_downloads_a_qr_code_per_lot(client, product_a, owner_a, owner_b):
    lot = product_services.register_lot(product=product_a, number="Q-1")
    client.force_login(owner_a)
    listing = client.get(reverse("inspections:merchant-lots"))
    assert "Q-1" in listing.content.decode()
    qr = client.get(reverse("inspections:merchant-lot-qr", args=[lot.pk]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    client.force_login(owner_b)
    assert client.get(reverse("inspections:merchant-lot-qr", args=[lot.pk])).status_code == 404


def test_a_cached_record_gives_each_visitor_their_own_header_and_csrf_token(
    product_a, owner_a, django_assert_max_num_queries
):
    url = reverse("inspections:public-product", args=[product_a.pk])
    member = Client(enforce_csrf_checks=True)
    member.force_login(owner_a)
    member_zh, member_token = visit(member, url, "zh-hans")
    assert owner_a.get_username() in member_zh and "退出登录" in member_zh

    stranger = Client(enforce_csrf_checks=True)
    with django_assert_max_num_queries(0):
        stranger_zh, stranger_token = visit(stranger, url, "zh-hans")
    assert "Rice A" in stranger_zh and "质量档案" in stranger_zh
    assert owner_a.get_username() not in stranger_zh and "退出登录" not in stranger_zh
    assert stranger_token != member_token
    assert not token_accepted(stranger, member_token)
    assert token_accepted(stranger, stranger_token)

    stranger_en, _ = visit(Client(), url, "en")
    assert "Quality record" in stranger_en and "Log out" not in stranger_en
    member_en, member_token_en = visit(member, url, "en")
    assert owner_a.get_username() in member_en and "Log out" in member_en
    assert 'lang="en"' in member_en and "Quality record" in member_en
    assert token_accepted(member, member_token_en)

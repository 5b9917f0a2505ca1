"""The purchase import accepts an optional lot number; a lot number names one product."""

import pytest

from products.models import Lot
from reviews.models import Purchase
from reviews.selectors import purchases_of
from tests.factories.products import ProductFactory
from tests.reviews.test_import import URL, row


@pytest.fixture
def rice(merchant_a):
    return ProductFactory(merchant=merchant_a, title="Rice")


@pytest.fixture
def oil(merchant_a):
    return ProductFactory(merchant=merchant_a, title="Oil")


def test_a_lot_number_creates_the_lot_once_and_links_the_purchases(storefront, rice):
    rows = [row(rice, 1, lot="LOT-7"), row(rice, 2, lot="LOT-7"), row(rice, 3)]
    response = storefront.post(URL, {"purchases": rows}, format="json")
    assert response.status_code == 200, response.json()
    lot = Lot.objects.get()
    assert (lot.number, lot.product_id, lot.merchant_id) == ("LOT-7", rice.pk, rice.merchant_id)
    assert Purchase.objects.filter(lot=lot).count() == 2
    again = storefront.post(URL, {"purchases": rows}, format="json")
    assert again.json()["unchanged"] == 3 and Lot.objects.count() == 1
    listed = storefront.get("/api/v1/purchases/").json()["results"]
    assert sorted(p["lot"] or "" for p in listed) == ["", "LOT-7", "LOT-7"]


def test_a_lot_number_reused_for_another_product_is_refused_and_nothing_is_stored(
    storefront, rice, oil
):
    storefront.post(URL, {"purchases": [row(rice, 1, lot="LOT-7")]}, format="json")
    response = storefront.post(
        URL, {"purchases": [row(oil, 2), row(oil, 3, lot="LOT-7")]}, format="json"
    )
    assert response.status_code == 400
    bad = response.json()["rows"]
    assert [r["row"] for r in bad] == [1]
    assert "already used for another product" in bad[0]["errors"]["lot"][0]
    assert Purchase.objects.count() == 1


def test_a_lot_number_given_for_two_products_in_one_batch_is_refused(storefront, rice, oil):
    response = storefront.post(
        URL, {"purchases": [row(rice, 1, lot="X"), row(oil, 2, lot="X")]}, format="json"
    )
    assert response.status_code == 400
    assert Lot.objects.count() == 0 and Purchase.objects.count() == 0


def test_purchases_of_a_lot_are_the_buyers_to_notify(storefront, rice):
    rows = [row(rice, 1, lot="A"), row(rice, 2, lot="B"), row(rice, 3)]
    storefront.post(URL, {"purchases": rows}, format="json")
    lot_a = Lot.objects.get(number="A")
    assert purchases_of(product_id=rice.pk, lot_id=lot_a.pk, since=None).count() == 1
    assert purchases_of(product_id=rice.pk, since=None).count() == 3

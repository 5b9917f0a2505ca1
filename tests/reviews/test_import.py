from datetime import timedelta

import pytest
from django.utils import timezone

from core.audit import decisions_for
from reviews.models import Purchase
from reviews.selectors import purchase_by_token, purchase_for_order
from tests.factories.products import ProductFactory
from tests.factories.reviews import ProductReviewFactory

URL = "/api/v1/purchases/import/"


def row(item, n=1, **overrides):
    paid = timezone.now() - timedelta(days=3)
    data = {
        "order_number": f"SO-{n:05d}",
        "line": 1,
        "consumer": f"  Buyer{n}@Shop.test ",
        "product": item.pk,
        "merchant": item.merchant_id,
        "quantity": 2,
        "paid_at": paid.isoformat(),
        "delivered_at": (paid + timedelta(days=1)).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def product(merchant_a):
    return ProductFactory(merchant=merchant_a)


def test_import_stores_lines_and_hands_out_one_review_link_per_new_line(storefront, product):
    response = storefront.post(
        URL, {"purchases": [row(product, 1), row(product, 2)]}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 0, 0)
    stored = Purchase.objects.get(order_number="SO-00001", line=1)
    assert stored.consumer == "buyer1@shop.test"  # normalised
    assert stored.quantity == 2 and stored.merchant_id == product.merchant_id
    token = body["links"][0]["review_url"].rstrip("/").rsplit("/", 1)[1]
    assert purchase_by_token(token).pk == body["links"][0]["id"]
    assert token not in stored.review_token_hash  # only the hash is stored


def test_sending_the_same_batch_twice_changes_nothing(storefront, product):
    batch = {"purchases": [row(product, n) for n in range(1, 6)]}
    storefront.post(URL, batch, format="json")
    before = list(Purchase.objects.order_by("pk").values())
    again = storefront.post(URL, batch, format="json").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert again["links"] == []
    assert list(Purchase.objects.order_by("pk").values()) == before


def test_a_changed_line_is_updated_in_place(storefront, product):
    paid = (timezone.now() - timedelta(days=2)).isoformat()
    first = row(product, 1, delivered_at=None, paid_at=paid)
    storefront.post(URL, {"purchases": [first]}, format="json")
    assert purchase_for_order("SO-00001").delivered_at is None
    delivered = timezone.now() - timedelta(hours=1)
    body = storefront.post(
        URL,
        {"purchases": [row(product, 1, delivered_at=delivered.isoformat(), paid_at=paid)]},
        format="json",
    ).json()
    assert (body["created"], body["updated"]) == (0, 1)
    assert Purchase.objects.count() == 1
    purchase = purchase_for_order("SO-00001", 1)
    assert purchase.delivered_at == delivered
    # The change is on record: who sent it, the old and the new value.
    decision = decisions_for(purchase).get()
    assert decision.action == "storefront_update" and decision.actor == storefront.user
    assert list(decision.data["changed"]) == ["delivered_at"]
    assert decision.data["changed"]["delivered_at"][0] is None


def test_a_mixed_batch_stores_nothing_and_reports_each_bad_row(storefront, product, merchant_b):
    other = ProductFactory(merchant=merchant_b)
    batch = [
        row(product, 1),
        row(product, 2, product=999_999),
        row(product, 3, quantity=0),
        row(product, 4, paid_at="yesterday"),
        row(product, 5, merchant=other.merchant_id),
        row(product, 6, delivered_at=(timezone.now() - timedelta(days=10)).isoformat()),
        row(product, 1),
        row(product, 7, paid_at="2026-01-01T10:00:00"),
        row(product, 8, consumer=""),
    ]
    response = storefront.post(URL, {"purchases": batch}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "nothing was imported" in body["detail"]
    errors = {r["row"]: r["errors"] for r in body["rows"]}
    assert set(errors) == {1, 2, 3, 4, 5, 6, 7, 8}
    assert "Unknown product 999999." in errors[1]["product"]
    assert "quantity" in errors[2]
    assert "paid_at" in errors[3]
    assert "merchant" in errors[4]
    assert errors[5]["delivered_at"] == ["Cannot be before the payment."]
    assert "appears twice" in errors[6]["line"][0]
    assert "UTC offset" in errors[7]["paid_at"][0]
    assert "consumer" in errors[8]
    assert not Purchase.objects.exists()


def test_future_delivery_and_empty_batches_are_refused(storefront, product):
    future = (timezone.now() + timedelta(days=1)).isoformat()
    response = storefront.post(
        URL, {"purchases": [row(product, 1, delivered_at=future)]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["rows"][0]["errors"]["delivered_at"] == ["Cannot be in the future."]
    empty = storefront.post(URL, {"purchases": []}, format="json")
    assert empty.status_code == 400
    assert not Purchase.objects.exists()


def test_a_reviewed_line_cannot_change_hands(storefront, product, merchant_a):
    review = ProductReviewFactory(purchase__product=product)
    purchase = review.purchase
    moved = ProductFactory(merchant=merchant_a)
    data = row(
        product,
        1,
        order_number=purchase.order_number,
        line=purchase.line,
        consumer=purchase.consumer,
        product=moved.pk,
    )
    response = storefront.post(URL, {"purchases": [data]}, format="json")
    assert response.status_code == 400
    assert "already has a review" in response.json()["rows"][0]["errors"]["line"][0]
    purchase.refresh_from_db()
    assert purchase.product_id == product.pk


def test_import_needs_the_storefront_token(api, owner_a, product, storefront):
    batch = {"purchases": [row(product, 1)]}
    assert api.post(URL, batch, format="json").status_code == 401
    api.force_login(owner_a)  # a session, even of a logged-in user, is not the storefront
    assert api.post(URL, batch, format="json").status_code in (401, 403)
    assert not Purchase.objects.exists()


def test_a_lost_review_link_can_be_reissued_and_the_old_one_stops_working(storefront, product):
    body = storefront.post(URL, {"purchases": [row(product, 1)]}, format="json").json()
    old = body["links"][0]["review_url"].rstrip("/").rsplit("/", 1)[1]
    new_url = storefront.post(f"/api/v1/purchases/{body['links'][0]['id']}/review-link/").json()[
        "review_url"
    ]
    new = new_url.rstrip("/").rsplit("/", 1)[1]
    assert purchase_by_token(old) is None
    assert purchase_by_token(new).order_number == "SO-00001"


def test_purchase_for_order_reads_the_line_or_the_first_line(product, merchant_b):
    from tests.factories.reviews import PurchaseFactory

    PurchaseFactory(order_number="X-1", line=2, product=product)
    first = PurchaseFactory(order_number="X-1", line=1, product=product)
    assert purchase_for_order("X-1") == first
    assert purchase_for_order("X-1", 2).line == 2
    assert purchase_for_order("X-1", merchant=merchant_b) is None
    assert purchase_for_order("nope") is None


def test_a_request_over_the_per_request_limit_is_refused_whole(storefront, product, monkeypatch):
    from reviews import api

    monkeypatch.setattr(api, "API_MAX_BATCH", 2)
    batch = {"purchases": [row(product, n) for n in range(1, 4)]}
    response = storefront.post(URL, batch, format="json")
    assert response.status_code == 400
    assert "at most 2 purchases per request" in str(response.json())
    assert not Purchase.objects.exists()

"""Merchant A never sees merchant B's purchases, reviews, ratings or figures."""

import pytest

from reviews.services import compute_rolling_ratings
from tests.factories.reviews import ProductReviewFactory, ServiceRatingFactory


@pytest.fixture
def both(merchant_a, merchant_b):
    rows = {}
    for key, merchant in (("a", merchant_a), ("b", merchant_b)):
        rating = ServiceRatingFactory(purchase__product__merchant=merchant)
        rows[key] = ProductReviewFactory(purchase=rating.purchase, text=f"review of {key}")
    compute_rolling_ratings()
    return rows


LISTS = [
    "/api/v1/purchases/",
    "/api/v1/reviews/",
    "/api/v1/service-ratings/",
    "/api/v1/rating-figures/merchants/",
    "/api/v1/rating-figures/products/",
]


@pytest.mark.parametrize("url", LISTS)
def test_api_lists_hold_only_the_callers_merchant(api, both, owner_a, merchant_a, url):
    api.force_login(owner_a)
    results = api.get(url).json()["results"]
    assert len(results) == 1
    assert results[0]["merchant"] == merchant_a.pk


def test_another_merchant_s_rows_are_404_and_cannot_be_replied_to(api, both, owner_a):
    api.force_login(owner_a)
    b_review = both["b"]
    assert api.get(f"/api/v1/reviews/{b_review.pk}/").status_code == 404
    assert api.get(f"/api/v1/purchases/{b_review.purchase_id}/").status_code == 404
    reply = api.post(f"/api/v1/reviews/{b_review.pk}/reply/", {"text": "hi"})
    assert reply.status_code == 404
    b_review.refresh_from_db()
    assert b_review.reply == ""


def test_the_portal_page_shows_only_the_merchant_s_reviews(client, both, owner_a, owner_b):
    client.force_login(owner_a)
    page = client.get("/merchant/ratings/").content.decode()
    assert "review of a" in page and "review of b" not in page
    assert 'data-testid="trend"' in page
    response = client.post(f"/merchant/reviews/{both['b'].pk}/reply/", {"text": "not mine"})
    assert response.status_code == 404
    client.force_login(owner_b)
    assert "review of b" in client.get("/merchant/ratings/").content.decode()


def test_the_portal_is_for_merchant_users(client, role_user, both):
    client.force_login(role_user("consumer_service"))
    assert client.get("/merchant/ratings/").status_code == 403
    client.logout()
    assert client.get("/merchant/ratings/").status_code == 302


def test_anonymous_callers_get_nothing_from_the_api(api, both):
    for url in LISTS:
        assert api.get(url).status_code in (401, 403)


def test_signals_are_for_moderators(api, both, owner_a, role_user):
    api.force_login(owner_a)
    assert api.get("/api/v1/review-signals/").status_code == 403
    api.force_login(role_user("quality_management"))
    assert api.get("/api/v1/review-signals/").status_code == 200

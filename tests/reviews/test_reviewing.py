from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import DomainError, NotAllowed
from reviews import services
from reviews.models import ProductReview, ServiceRating
from reviews.services.tokens import new_token
from tests.factories.core import UserFactory
from tests.factories.merchants import MembershipFactory
from tests.factories.products import ProductFactory
from tests.factories.reviews import PurchaseFactory
from tests.files import png_bytes


def linked(purchase):
    token, purchase.review_token_hash = new_token()
    purchase.save()
    return f"/review/{token}/"


FORM = {
    "stars": "4",
    "text": "Arrived fresh, well packed.",
    "description_accuracy": "5",
    "service_attitude": "4",
    "logistics": "3",
}


def test_a_consumer_reviews_a_delivered_purchase_through_its_link(client, merchant_a):
    purchase = PurchaseFactory(product__merchant=merchant_a)
    url = linked(purchase)
    response = client.post(url, FORM)
    assert response.status_code == 302
    review = ProductReview.objects.get()
    assert review.verified and review.purchase == purchase and review.stars == 4
    assert review.reviewer == purchase.consumer and review.channel == "link"
    rating = ServiceRating.objects.get()
    assert (rating.description_accuracy, rating.service_attitude, rating.logistics) == (5, 4, 3)
    page = client.get(url)
    assert "You have reviewed this purchase" in page.content.decode()


def test_the_review_page_accepts_photos_and_serves_them_publicly(client, merchant_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    purchase = PurchaseFactory(product__merchant=merchant_a)
    photo = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    client.post(linked(purchase), {**FORM, "photo_1": photo})
    upload = ProductReview.objects.get().photos.get()
    assert client.get(f"/files/{upload.pk}/").status_code == 200


def test_an_unknown_link_is_a_404(client, db):
    assert client.get("/review/not-a-real-token/").status_code == 404


def test_an_undelivered_purchase_cannot_be_reviewed(client, merchant_a):
    purchase = PurchaseFactory(product__merchant=merchant_a, delivered_at=None)
    response = client.post(linked(purchase), FORM)
    assert "has not been delivered yet" in response.content.decode()
    with pytest.raises(DomainError) as raised:
        services.write_review(purchase=purchase, stars=5, channel="api")
    assert raised.value.code == "not_delivered"
    assert not ProductReview.objects.exists() and not ServiceRating.objects.exists()


def test_a_delivery_in_the_future_does_not_count_as_delivered(merchant_a):
    purchase = PurchaseFactory(
        product__merchant=merchant_a, delivered_at=timezone.now() + timedelta(hours=2)
    )
    with pytest.raises(DomainError):
        services.rate_service(
            purchase=purchase,
            description_accuracy=5,
            service_attitude=5,
            logistics=5,
            channel="api",
        )


def test_a_second_review_for_the_same_line_is_refused(merchant_a):
    purchase = PurchaseFactory(product__merchant=merchant_a)
    services.write_review(purchase=purchase, stars=5, channel="api")
    with pytest.raises(DomainError) as raised:
        services.write_review(purchase=purchase, stars=1, channel="api")
    assert raised.value.code == "duplicate"
    services.rate_service(
        purchase=purchase, description_accuracy=5, service_attitude=5, logistics=5, channel="api"
    )
    with pytest.raises(DomainError):
        services.rate_service(
            purchase=purchase,
            description_accuracy=1,
            service_attitude=1,
            logistics=1,
            channel="api",
        )
    assert ProductReview.objects.get().stars == 5 and ServiceRating.objects.count() == 1


@pytest.mark.parametrize("stars", [0, 6, -1, "5", 4.5, True])
def test_stars_outside_one_to_five_are_refused(merchant_a, stars):
    purchase = PurchaseFactory(product__merchant=merchant_a)
    with pytest.raises(DomainError) as raised:
        services.write_review(purchase=purchase, stars=stars, channel="api")
    assert raised.value.code == "score_range"
    assert not ProductReview.objects.exists()


def test_a_bad_service_score_stores_neither_the_review_nor_the_rating(client, merchant_a):
    purchase = PurchaseFactory(product__merchant=merchant_a)
    with pytest.raises(DomainError):
        services.review_purchase(
            purchase=purchase,
            stars=5,
            text="ok",
            photos=[],
            description_accuracy=5,
            service_attitude=9,
            logistics=5,
            channel="link",
        )
    assert not ProductReview.objects.exists() and not ServiceRating.objects.exists()


def test_a_merchant_cannot_review_itself(merchant_a, owner_a):
    product = ProductFactory(merchant=merchant_a)
    # Through the API as a member of the merchant ...
    with pytest.raises(NotAllowed):
        services.write_review(
            product=product, reviewer="someone@else.test", stars=5, channel="api", by=owner_a
        )
    # ... or as a "consumer" whose identifier is the merchant's own.
    own = PurchaseFactory(product=product, consumer=owner_a.email.upper())
    own.consumer = own.consumer.lower()
    own.save()
    with pytest.raises(NotAllowed):
        services.write_review(purchase=own, stars=5, channel="api")
    merchant_a.contact_phone = "+86 138-0013-8000"
    merchant_a.save()
    phone = PurchaseFactory(product=product, consumer="13800138000")
    with pytest.raises(NotAllowed):
        services.rate_service(
            purchase=phone,
            description_accuracy=5,
            service_attitude=5,
            logistics=5,
            channel="api",
        )
    assert not ProductReview.objects.exists() and not ServiceRating.objects.exists()


def test_the_storefront_writes_verified_and_unverified_reviews_through_the_api(
    storefront, merchant_a
):
    purchase = PurchaseFactory(product__merchant=merchant_a)
    verified = storefront.post(
        "/api/v1/reviews/",
        {"order_number": purchase.order_number, "line": purchase.line, "stars": 4, "text": "ok"},
        format="json",
    )
    assert verified.status_code == 201, verified.json()
    assert verified.json()["verified"] is True
    unverified = storefront.post(
        "/api/v1/reviews/",
        {"product": purchase.product_id, "reviewer": "Walk-In@Shop.test", "stars": 2},
        format="json",
    )
    assert unverified.status_code == 201
    assert unverified.json()["verified"] is False
    assert unverified.json()["reviewer"] == "walk-in@shop.test"
    bad = storefront.post(
        "/api/v1/reviews/",
        {"order_number": purchase.order_number, "line": purchase.line, "stars": 7},
        format="json",
    )
    assert bad.status_code == 400
    assert "from 1 to 5" in str(bad.json())
    rating = storefront.post(
        "/api/v1/service-ratings/",
        {
            "order_number": purchase.order_number,
            "line": purchase.line,
            "description_accuracy": 5,
            "service_attitude": 4,
            "logistics": 0,
        },
        format="json",
    )
    assert rating.status_code == 400
    assert not ServiceRating.objects.exists()


def test_the_merchant_replies_once_publicly(client, merchant_a, owner_a, owner_b):
    purchase = PurchaseFactory(product__merchant=merchant_a)
    review = services.write_review(purchase=purchase, stars=2, text="Late.", channel="api")
    with pytest.raises(NotAllowed):
        services.reply_to_review(review=review, by=owner_b, text="Not ours")
    services.reply_to_review(review=review, by=owner_a, text="Sorry, the courier was late.")
    with pytest.raises(DomainError) as raised:
        services.reply_to_review(review=review, by=owner_a, text="Again")
    assert raised.value.code == "replied"
    page = client.get(f"/products/{purchase.product_id}/reviews/").content.decode()
    assert "Sorry, the courier was late." in page and "Again" not in page


def test_a_second_member_of_the_merchant_cannot_reply_again(client, merchant_a, owner_a):
    staff_member = MembershipFactory(merchant=merchant_a, role="staff").user
    review = services.write_review(
        purchase=PurchaseFactory(product__merchant=merchant_a), stars=3, channel="api"
    )
    client.force_login(owner_a)
    client.post(f"/merchant/reviews/{review.pk}/reply/", {"text": "First"})
    client.force_login(staff_member)
    client.post(f"/merchant/reviews/{review.pk}/reply/", {"text": "Second"})
    review.refresh_from_db()
    assert review.reply == "First" and review.replied_by == owner_a


def test_a_stranger_cannot_reply(merchant_a):
    review = services.write_review(
        purchase=PurchaseFactory(product__merchant=merchant_a), stars=3, channel="api"
    )
    with pytest.raises(NotAllowed):
        services.reply_to_review(review=review, by=UserFactory(), text="Hi")


def test_a_bad_photo_stores_nothing(merchant_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import Upload
    from tests.files import pdf_bytes

    purchase = PurchaseFactory(product__merchant=merchant_a)
    good = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    bad = SimpleUploadedFile("b.pdf", pdf_bytes(), content_type="application/pdf")
    with pytest.raises(DomainError) as raised:
        services.write_review(purchase=purchase, stars=5, photos=[good, bad], channel="link")
    assert raised.value.code == "photo_type"
    assert not ProductReview.objects.exists() and not Upload.objects.exists()


def test_reviews_are_filtered_in_the_api(api, role_user, merchant_a):
    from tests.factories.reviews import ProductReviewFactory

    ProductReviewFactory(purchase__product__merchant=merchant_a, stars=1)
    ProductReviewFactory(purchase__product__merchant=merchant_a, stars=5)
    folded = ProductReviewFactory(stars=4, folded=True, fold_reason="spam")
    api.force_login(role_user("quality_manager"))
    stars = [r["stars"] for r in api.get("/api/v1/reviews/?stars_min=4").json()["results"]]
    assert sorted(stars) == [4, 5]
    results = api.get("/api/v1/reviews/?folded=true").json()["results"]
    assert [r["id"] for r in results] == [folded.pk]
    assert results[0]["fold_reason"] == "spam"
    mine = api.get(f"/api/v1/reviews/?merchant={merchant_a.pk}").json()["results"]
    assert len(mine) == 2

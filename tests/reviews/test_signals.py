from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from reviews.models import IntegritySignal
from reviews.services import compute_signals
from reviews.tasks import compute_integrity_signals
from tests.factories.products import ProductFactory
from tests.factories.reviews import ProductReviewFactory, PurchaseFactory

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def signals(kind):
    return IntegritySignal.objects.filter(kind=kind)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def reviews_at(product, moments, **kwargs):
    return [
        ProductReviewFactory(purchase__product=product, created_at=moment, **kwargs)
        for moment in moments
    ]


def test_a_burst_against_a_quiet_baseline_is_flagged_with_its_window(frozen, merchant_a):
    product = ProductFactory(merchant=merchant_a)
    # Baseline: one review every three days over the past month.
    reviews_at(product, [NOW - timedelta(days=d) for d in range(4, 30, 3)])
    burst = reviews_at(product, [NOW - timedelta(minutes=10 * i) for i in range(12)])
    compute_signals()
    flagged = signals("burst")
    assert set(flagged.values_list("review_id", flat=True)) == {r.pk for r in burst}
    evidence = flagged.first().evidence
    assert evidence["product"] == product.pk
    assert evidence["reviews_in_window"] == 12
    assert float(evidence["baseline_per_window"]) < 1


def test_steady_busy_products_and_small_clusters_are_not_bursts(frozen, merchant_a):
    busy = ProductFactory(merchant=merchant_a)
    # Twelve reviews a day for a month: twelve today is its normal.
    reviews_at(busy, [NOW - timedelta(hours=2 * h) for h in range(12 * 30)])
    quiet = ProductFactory(merchant=merchant_a)
    reviews_at(quiet, [NOW - timedelta(minutes=m) for m in range(9)])  # below the minimum
    compute_signals()
    assert not signals("burst").exists()


def test_near_duplicate_texts_are_flagged_in_pairs_but_different_texts_are_not(frozen, merchant_a):
    first = ProductReviewFactory(
        purchase__product__merchant=merchant_a,
        text="Excellent quality, fast delivery, the seller is very friendly, five stars!",
    )
    second = ProductReviewFactory(
        text="Excellent quality, fast delivery, the seller is very friendly, five stars!!",
    )
    different = ProductReviewFactory(
        text="The strawberries were bruised and one box was missing from the order.",
    )
    result = compute_signals()
    assert result["near_duplicate"] == 2
    flagged = {s.review_id: s.evidence for s in signals("near_duplicate")}
    assert set(flagged) == {first.pk, second.pk}
    assert flagged[first.pk]["similar_review"] == second.pk
    assert float(flagged[first.pk]["similarity"]) >= 0.8
    assert different.pk not in flagged


def test_reviews_without_a_verified_purchase_are_flagged_with_the_reviewer_history(
    frozen, merchant_a
):
    from reviews.services import write_review

    product = ProductFactory(merchant=merchant_a)
    PurchaseFactory(consumer="fan@x.test")  # bought something else once
    review = write_review(product=product, reviewer="fan@x.test", stars=5, channel="api")
    ProductReviewFactory(purchase__product=product)  # verified: not flagged
    compute_signals()
    signal = signals("unverified").get()
    assert signal.review == review
    assert signal.evidence["purchases_by_reviewer"] == 1
    assert signal.evidence["purchases_of_product_by_reviewer"] == 0


def test_reviewers_linked_to_the_merchant_are_flagged(frozen, merchant_a):
    from tests.factories.merchants import MembershipFactory

    review = ProductReviewFactory(
        purchase__product__merchant=merchant_a, purchase__consumer="cousin@family.test"
    )
    phone = ProductReviewFactory(
        purchase__product__merchant=merchant_a, purchase__consumer="13800138000"
    )
    ProductReviewFactory(purchase__product__merchant=merchant_a)
    # The reviewer joined the merchant after writing; its contact phone is the other's.
    MembershipFactory(merchant=merchant_a, user__email="Cousin@Family.test", role="staff")
    merchant_a.contact_phone = "+86 138 0013 8000"
    merchant_a.save()
    compute_signals()
    flagged = {s.review_id: s.evidence["matched"] for s in signals("merchant_linked")}
    assert flagged == {review.pk: "member_email", phone.pk: "contact_phone"}


def test_the_sweep_is_idempotent_and_keeps_decided_signals(frozen, merchant_a, role_user):
    from reviews.services import dismiss_signal

    product = ProductFactory(merchant=merchant_a)
    reviews_at(product, [NOW - timedelta(minutes=i) for i in range(10)])
    first = compute_integrity_signals.delay().get()
    assert first["burst"] == 10
    dismiss_signal(signal=signals("burst").first(), by=role_user("quality_management"))
    assert compute_integrity_signals.delay().get()["burst"] == 0
    assert signals("burst").count() == 10
    assert signals("burst").filter(status="dismissed").count() == 1

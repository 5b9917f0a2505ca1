from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from core import policies
from core.models import Alert
from merchants.models import Restriction
from merchants.services import can_sell
from reviews.models import MerchantRatingFigure, MerchantRatingStanding, ProductRatingFigure
from reviews.policies import RATING_THRESHOLDS
from reviews.services import compute_rolling_ratings
from reviews.tasks import compute_rolling_ratings as rolling_task
from tests.factories.products import ProductFactory
from tests.factories.reviews import ProductReviewFactory, ServiceRatingFactory

DAY = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def rate(merchant, scores, *, at=None, count=1):
    """`count` ratings of (accuracy, attitude, logistics) for the merchant."""
    product = ProductFactory(merchant=merchant)
    for _ in range(count):
        ServiceRatingFactory(
            purchase__product=product,
            description_accuracy=scores[0],
            service_attitude=scores[1],
            logistics=scores[2],
            created_at=at or timezone.now() - timedelta(days=1),
        )


def run(day):
    with time_machine.travel(day, tick=False):
        return compute_rolling_ratings()


def standing(merchant):
    return MerchantRatingStanding.objects.get(merchant=merchant).state


def rating_restrictions(merchant):
    return Restriction.objects.filter(merchant=merchant, reason="rating")


@pytest.fixture
def day():
    with time_machine.travel(DAY, tick=False):
        yield DAY


def test_figures_are_per_merchant_and_product_per_dimension_over_90_days(day, merchant_a):
    rate(merchant_a, (5, 4, 3), count=2)
    rate(merchant_a, (1, 1, 1), at=DAY - timedelta(days=91))  # outside the window
    review = ProductReviewFactory(purchase__product__merchant=merchant_a, stars=4)
    ProductReviewFactory(purchase__product=review.product, stars=1, folded=True, fold_reason="x")
    result = compute_rolling_ratings()
    assert (result.merchants, result.products) == (1, 1)
    figure = MerchantRatingFigure.objects.get(merchant=merchant_a)
    assert figure.rating_count == 2 and figure.as_of == timezone.localdate(DAY)
    assert (figure.description_accuracy, figure.service_attitude, figure.logistics) == (5, 4, 3)
    assert figure.overall == 4
    product_figure = ProductRatingFigure.objects.get(product=review.product)
    assert (product_figure.review_count, product_figure.stars) == (1, 4)  # folded left out
    # Rerunning the day refreshes the same rows.
    rate(merchant_a, (1, 1, 1))
    compute_rolling_ratings()
    assert MerchantRatingFigure.objects.get(merchant=merchant_a).rating_count == 3


def test_each_level_is_one_statement(day, merchant_a, merchant_b, django_assert_max_num_queries):
    for merchant in (merchant_a, merchant_b):
        rate(merchant, (5, 5, 5), count=3)
    # policy read, figures (one per level), standings, savepoint: not one per merchant.
    with django_assert_max_num_queries(6):
        compute_rolling_ratings()


def test_nineteen_ratings_are_not_enough_for_a_verdict(day, merchant_a):
    rate(merchant_a, (1, 1, 1), count=19)
    result = compute_rolling_ratings()
    assert result.restricted == [] and result.warned == []
    assert not MerchantRatingStanding.objects.exists()
    assert not rating_restrictions(merchant_a).exists()


def test_twenty_ratings_are(day, merchant_a):
    rate(merchant_a, (1, 1, 1), count=20)
    result = compute_rolling_ratings()
    assert result.restricted == [merchant_a.pk]
    assert standing(merchant_a) == "restricted"


def test_an_average_of_exactly_four_is_not_a_warning(day, merchant_a):
    rate(merchant_a, (4, 4, 4), count=20)
    assert compute_rolling_ratings().warned == []
    assert standing(merchant_a) == "ok"
    assert not Alert.objects.exists()


def test_just_below_four_is_a_warning_to_the_owner_and_merchant_management(
    day, merchant_a, owner_a
):
    rate(merchant_a, (4, 4, 4), count=19)
    rate(merchant_a, (4, 4, 3))  # sum 239 over 20 ratings: 3.9833
    result = compute_rolling_ratings()
    assert result.warned == [merchant_a.pk] and result.restricted == []
    alerts = Alert.objects.filter(kind="rating_below_threshold")
    assert {a.recipient_user_id for a in alerts} == {owner_a.pk, None}
    assert alerts.filter(recipient_group__name="merchant_management").count() == 1
    payload = alerts.first().payload
    assert payload["ratings"] == 20 and payload["overall"] == "3.9833"
    assert payload["level"] == "warning" and payload["average"] == "3.98"
    # Each reader is sent where they may go: the owner to the portal, staff to the standing.
    assert alerts.get(recipient_user=owner_a).url == "/merchant/ratings/"
    staff_url = alerts.get(recipient_group__name="merchant_management").url
    assert staff_url == f"/staff/merchants/{merchant_a.pk}/standing/"
    assert can_sell(merchant_a)
    # Raised once: the next runs (same day, next day) add nothing while it stays below.
    assert compute_rolling_ratings().warned == []
    assert run(DAY + timedelta(days=1)).warned == []
    assert Alert.objects.filter(kind="rating_below_threshold").count() == 2


def test_exactly_three_and_a_half_warns_but_does_not_restrict(day, merchant_a):
    rate(merchant_a, (4, 4, 3), count=10)
    rate(merchant_a, (3, 3, 4), count=10)  # (11 + 10) / 6 = 3.5
    result = compute_rolling_ratings()
    assert result.warned == [merchant_a.pk] and result.restricted == []
    assert not rating_restrictions(merchant_a).exists()


def test_below_three_and_a_half_restricts_sales_once_with_the_figures(day, merchant_a, owner_a):
    rate(merchant_a, (4, 4, 3), count=9)
    rate(merchant_a, (4, 3, 3), count=11)  # sum 209 over 60 scores: 3.4833
    compute_rolling_ratings()
    restriction = rating_restrictions(merchant_a).get()
    figure = MerchantRatingFigure.objects.get(merchant=merchant_a)
    assert restriction.source == f"reviews.merchantratingfigure:{figure.pk}"
    assert restriction.kind == "sales_restriction" and restriction.reason_code == "rating_below"
    # Stored as numbers, read in each reader's language with two decimals.
    assert restriction.detail == "" and restriction.reason_params["average"] == "3.4833"
    with translation.override("en"):
        assert restriction.detail_text == (
            "90-day service rating 3.48 over 20 ratings is below 3.50 (description 4.00, "
            "attitude 3.45, logistics 3.00)."
        )
    with translation.override("zh-hans"):
        assert restriction.detail_text.startswith("90 天服务评分 3.48（共 20 条评分）低于 3.50")  # noqa: RUF001
    assert not can_sell(merchant_a)
    alert = Alert.objects.get(kind="rating_restriction", recipient_user=owner_a)
    assert alert.payload["overall"] == "3.4833" and alert.payload["ratings"] == 20
    # Later runs (next hour, next day) change nothing: one restriction, one set of alerts.
    alerts_before = Alert.objects.count()
    compute_rolling_ratings()
    run(DAY + timedelta(days=1))
    assert rating_restrictions(merchant_a).count() == 1
    assert Alert.objects.count() == alerts_before


def test_the_restriction_is_lifted_when_the_average_recovers(day, merchant_a):
    rate(merchant_a, (3, 3, 3), count=20)
    rolling_task.delay().get()
    assert not can_sell(merchant_a)
    rate(merchant_a, (5, 5, 5), count=30, at=DAY + timedelta(days=1))
    result = run(DAY + timedelta(days=2))
    assert result.lifted == [merchant_a.pk]
    restriction = rating_restrictions(merchant_a).get()
    assert restriction.lifted_at is not None
    assert can_sell(merchant_a)
    assert standing(merchant_a) == "ok"
    # Falling again is a new episode: a new restriction from the new figure.
    rate(merchant_a, (1, 1, 1), count=60, at=DAY + timedelta(days=3))
    run(DAY + timedelta(days=4))
    assert rating_restrictions(merchant_a).filter(lifted_at__isnull=True).count() == 1
    assert rating_restrictions(merchant_a).count() == 2


def test_recovering_from_restriction_to_warning_lifts_without_a_new_warning(day, merchant_a):
    rate(merchant_a, (3, 3, 3), count=20)
    compute_rolling_ratings()
    rate(merchant_a, (5, 5, 5), count=12, at=DAY + timedelta(days=1))  # 3.75
    result = run(DAY + timedelta(days=2))
    assert result.lifted == [merchant_a.pk] and result.warned == []
    assert standing(merchant_a) == "warning"
    assert not Alert.objects.filter(kind="rating_below_threshold").exists()


def test_thresholds_come_from_the_policy(day, merchant_a):
    policies.publish(
        RATING_THRESHOLDS,
        value={"min_ratings": 5, "warning_below": 4.5, "restriction_below": 2.0},
        effective_from=DAY - timedelta(days=1),
    )
    rate(merchant_a, (4, 4, 4), count=5)
    result = compute_rolling_ratings()
    assert result.warned == [merchant_a.pk] and result.restricted == []

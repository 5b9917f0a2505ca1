"""The daily risk score: factors against hand-computed fixtures, the explanation adds up to
the score, tier boundaries, live merchants only, and a set-based recompute."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import policies
from core.exceptions import DomainError
from merchants.models import Merchant, Restriction
from reports.models import RiskScore
from reports.models.risk import FACTORS
from reports.policies import RISK_SCORE
from reports.services.risk import recompute_scores, tier_for, top_risk
from reports.tasks.risk import recompute_risk_scores
from tests.factories import reports as data
from tests.factories.merchants import DocumentFactory, MerchantFactory

pytestmark = pytest.mark.django_db


def points(score: RiskScore) -> dict:
    return {code: Decimal(str(f["points"])) for code, f in score.factors.items()}


@pytest.fixture
def risky(merchant_a):
    """Hand-computed (default policy):
    complaints 10 / 400 orders = 25 per 1,000 -> 25/50 = 0.5 x 30 = 15.00
    merchant answers 1 breached of 4 = 0.25 -> 0.25/0.5 = 0.5 x 15 = 7.50
    rating 3.9 over 30 ratings -> (4.5-3.9)/(4.5-3.0) = 0.4 x 20 = 8.00
    1 substantiated ad report -> 1/3 x 10 = 3.33
    1 rejected lot (of 2 decided) -> 1/2 x 15 = 7.50
    1 past-due document + 1 expiring -> (1 + 0.5)/2 = 0.75 x 10 = 7.50
    score 48.83, medium."""
    data.purchases(merchant_a, 400)
    cases = data.complaints(merchant_a, 10)
    data.merchant_answer_clocks(cases[:4], breached=1)
    data.rating_figure(merchant_a, overall="3.9", count=30)
    data.substantiated_ad_reports(merchant_a, 1)
    data.inspection(merchant_a, status="rejected")
    data.inspection(merchant_a, status="accepted")
    DocumentFactory(merchant=merchant_a, expires_on=timezone.localdate() + timedelta(days=10))
    Restriction.objects.create(
        merchant=merchant_a,
        kind=Restriction.Kind.SALES_RESTRICTION,
        reason=Restriction.Reason.DOCUMENT_EXPIRED,
        source="merchants.document:test_report:1",
        starts_at=timezone.now(),
    )
    return merchant_a


def test_each_factor_matches_the_hand_computed_figures(risky):
    recompute_scores()
    score = RiskScore.objects.get(merchant=risky)
    assert points(score) == {
        "complaint_rate": Decimal("15.00"),
        "sla_breach_rate": Decimal("7.50"),
        "rating": Decimal("8.00"),
        "ad_reports": Decimal("3.33"),
        "inspection_rejections": Decimal("7.50"),
        "documents": Decimal("7.50"),
    }
    assert score.score == Decimal("48.83")
    assert score.tier == "medium"
    factors = score.factors
    assert factors["complaint_rate"]["inputs"] == {
        "complaints": 10,
        "orders": 400,
        "min_orders": 100,
    }
    assert factors["complaint_rate"]["value"] == 25
    assert factors["sla_breach_rate"]["inputs"] == {"asked": 4, "breached": 1}
    assert factors["rating"]["value"] == 3.9
    assert factors["inspection_rejections"]["inputs"] == {"rejected": 1, "decided": 2}
    assert factors["documents"]["inputs"] == {"past_due": 1, "expiring": 1}
    assert score.policy_version == policies.version_at(RISK_SCORE)


def test_the_explanation_adds_up_to_the_score(risky, merchant_b):
    data.purchases(merchant_b, 30)
    data.complaints(merchant_b, 1)  # 1 per max(30, 100) orders = 10 per 1,000
    recompute_scores()
    for score in RiskScore.objects.all():
        assert sum(points(score).values()) == score.score
        assert [c["code"] for c in score.contributions()] == list(FACTORS)


def test_a_merchant_with_no_figures_scores_zero(merchant_b):
    recompute_scores()
    score = RiskScore.objects.get(merchant=merchant_b)
    assert score.score == 0
    assert score.tier == "low"
    assert score.factors["rating"]["value"] is None


def test_figures_outside_the_windows_and_thin_ratings_do_not_count(merchant_a):
    data.purchases(merchant_a, 100)
    data.complaints(merchant_a, 5, at=timezone.now() - timedelta(days=91))
    data.rating_figure(merchant_a, overall="2.0", count=19)
    data.inspection(merchant_a, status="rejected", decided_at=timezone.now() - timedelta(days=366))
    data.inspection(merchant_a, status="overturned")
    recompute_scores()
    assert RiskScore.objects.get(merchant=merchant_a).score == 0


def full_complaint_factor(merchant):
    """20 complaints per 400 orders = 50 per 1,000: the whole complaint weight, 30 points."""
    data.purchases(merchant, 400)
    data.complaints(merchant, 20)


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        ({}, "medium"),  # 30.00 >= medium_from 30
        ({"medium_from": 30.01}, "low"),
        ({"high_from": 30.0}, "high"),
        ({"medium_from": 10.0, "high_from": 30.01}, "medium"),
    ],
)
def test_tier_boundaries_include_their_lower_bound(merchant_a, value, tier):
    full_complaint_factor(merchant_a)
    if value:
        policies.publish(RISK_SCORE, value=value, note="test")
    recompute_scores()
    score = RiskScore.objects.get(merchant=merchant_a)
    assert score.score == Decimal("30.00")
    assert score.tier == tier
    assert tier_for(score.score) == tier


def test_a_tier_change_keeps_the_previous_tier(merchant_a):
    recompute_scores()
    full_complaint_factor(merchant_a)
    recompute_scores()
    score = RiskScore.objects.get(merchant=merchant_a)
    assert (score.previous_tier, score.tier) == ("low", "medium")
    changed = score.tier_changed_at
    recompute_scores()
    score.refresh_from_db()
    assert score.previous_tier == "low"
    assert score.tier_changed_at == changed


def test_only_live_merchants_are_scored_and_a_terminated_one_is_forgotten(merchant_a):
    onboarding = MerchantFactory(status="onboarding")
    recompute_scores()
    assert RiskScore.objects.filter(merchant=merchant_a).exists()
    assert not RiskScore.objects.filter(merchant=onboarding).exists()
    Merchant.objects.filter(pk=merchant_a.pk).update(status="terminated")
    result = recompute_scores()
    assert result.removed == 1
    assert not RiskScore.objects.filter(merchant=merchant_a).exists()


def test_weights_must_add_up_to_100():
    with pytest.raises(DomainError):
        policies.publish(RISK_SCORE, value={"weight_rating": 25.0}, note="test")
    with pytest.raises(DomainError):
        policies.publish(RISK_SCORE, value={"medium_from": 70.0}, note="test")
    policies.publish(
        RISK_SCORE, value={"weight_rating": 25.0, "weight_documents": 5.0}, note="test"
    )


def _recompute_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        recompute_scores()
    return len(queries)


def test_the_recompute_is_set_based(django_assert_num_queries):
    for merchant in MerchantFactory.create_batch(10):
        data.complaints(merchant, 1)
    policies.ensure_version(RISK_SCORE)
    statements = _recompute_queries()
    for merchant in MerchantFactory.create_batch(90):
        data.purchases(merchant, 2)
    with django_assert_num_queries(statements):
        result = recompute_scores()
    assert result.scored == 100
    assert RiskScore.objects.count() == 100


def test_the_task_recomputes(merchant_a):
    assert recompute_risk_scores.delay().get()["scored"] == 1
    assert RiskScore.objects.filter(merchant=merchant_a).exists()


def test_top_risk_lists_the_highest_scores_first(risky, merchant_b):
    recompute_scores()
    rows = top_risk(limit=1)
    assert rows == [
        {
            "merchant_id": risky.pk,
            "merchant": "Merchant A",
            "score": Decimal("48.83"),
            "tier": "medium",
            "tier_label": "Medium",
            "computed_at": rows[0]["computed_at"],
        }
    ]
    category = risky.categories.create(code="t-risk", name_zh="风险", name_en="Risk")
    assert [r["merchant_id"] for r in top_risk(category=category)] == [risky.pk]

"""The history of risk scores: the recompute appends one row per merchant whose score or
tier changed (set-based, the same statements at 3 or 30 merchants), the backfill starts
each history with the current score, and the risk page and the API show it."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.models import RiskScore, RiskScoreHistory
from reports.services.risk import recompute_scores
from tests.factories import reports as data
from tests.factories.merchants import MerchantFactory

pytestmark = pytest.mark.django_db


def history(merchant) -> list[tuple[Decimal, str]]:
    rows = RiskScoreHistory.objects.filter(merchant=merchant).order_by("computed_at", "id")
    return [(row.score, row.tier) for row in rows]


def test_a_changed_score_adds_a_row_an_unchanged_one_does_not(merchant_a, merchant_b):
    data.purchases(merchant_a, 400)
    data.complaints(merchant_a, 10)  # 25 per 1,000 -> 15.00, low
    first = recompute_scores()
    assert first.recorded == 2  # no history yet: every scored merchant gets its first row
    assert history(merchant_a) == [(Decimal("15.00"), "low")]
    assert history(merchant_b) == [(Decimal("0.00"), "low")]

    data.complaints(merchant_a, 10)  # 50 per 1,000 -> 30.00, medium
    second = recompute_scores(at=timezone.now() + timedelta(minutes=1))
    assert second.recorded == 1
    assert history(merchant_a) == [(Decimal("15.00"), "low"), (Decimal("30.00"), "medium")]
    assert history(merchant_b) == [(Decimal("0.00"), "low")]

    third = recompute_scores(at=timezone.now() + timedelta(minutes=2))
    assert third.recorded == 0
    assert RiskScoreHistory.objects.count() == 3
    newest = RiskScoreHistory.objects.filter(merchant=merchant_a).first()
    current = RiskScore.objects.get(merchant=merchant_a)
    # The newest row is the score as it was written, with its explanation.
    assert (newest.score, newest.tier, newest.factors) == (
        current.score,
        current.tier,
        current.factors,
    )
    assert newest.factors["complaint_rate"]["inputs"]["complaints"] == 20
    assert newest.policy_version_id == current.policy_version_id
    # The unchanged run keeps the row's time: when the score became what it is.
    assert newest.computed_at < current.computed_at


def test_a_merchant_back_to_live_starts_again_from_its_history(merchant_a):
    recompute_scores()
    merchant_a.status = "suspended"  # still live: still scored, same score, no new row
    merchant_a.save()
    assert recompute_scores(at=timezone.now() + timedelta(minutes=1)).recorded == 0
    assert len(history(merchant_a)) == 1


def _recompute_statements(at) -> int:
    with CaptureQueriesContext(connection) as queries:
        recompute_scores(at=at)
    return len(queries)


def test_the_statements_are_the_same_for_3_and_30_merchants():
    now = timezone.now()
    for merchant in MerchantFactory.create_batch(3):
        data.purchases(merchant, 2)
    recompute_scores(at=now)  # warm: policy version, content types
    few = MerchantFactory.create_batch(3)
    for merchant in few:
        data.complaints(merchant, 1)
    small = _recompute_statements(now + timedelta(minutes=1))
    assert RiskScoreHistory.objects.count() == 6
    for merchant in MerchantFactory.create_batch(24):
        data.complaints(merchant, 2)
    for merchant in few:
        data.complaints(merchant, 1)
    large = _recompute_statements(now + timedelta(minutes=2))
    assert RiskScore.objects.count() == 30
    assert RiskScoreHistory.objects.count() == 6 + 24 + 3
    assert large == small


def test_the_backfill_gives_each_current_score_one_row(merchant_a, merchant_b):
    from tests.factories.reports import RiskScoreFactory

    score = RiskScoreFactory(merchant=merchant_a)
    RiskScoreFactory(merchant=merchant_b)
    backfill = importlib.import_module("reports.migrations.0004_backfill_risk_score_history")
    with connection.cursor() as cursor:
        cursor.execute(backfill.FORWARD)
        cursor.execute(backfill.FORWARD)  # idempotent
    assert RiskScoreHistory.objects.count() == 2
    row = RiskScoreHistory.objects.get(merchant=merchant_a)
    assert (row.score, row.tier, row.computed_at, row.factors) == (
        score.score,
        score.tier,
        score.computed_at,
        score.factors,
    )

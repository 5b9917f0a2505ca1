"""API: risk scores with factors (filters, detail per merchant), probation evaluations;
staff only, merchant users get 403."""

from decimal import Decimal

import pytest

from reports.models import ProbationEvaluation
from tests.factories import reports as data
from tests.factories.core import CategoryFactory
from tests.factories.reports import RiskScoreFactory

pytestmark = pytest.mark.django_db

SCORES = "/api/v1/risk-scores/"
EVALUATIONS = "/api/v1/probation-evaluations/"


@pytest.fixture
def scores(merchant_a, merchant_b):
    from reports.services.risk import recompute_scores

    data.purchases(merchant_a, 400)
    data.complaints(merchant_a, 20)  # 30 points: medium
    recompute_scores()
    return merchant_a, merchant_b


def test_staff_list_scores_by_tier_and_category(client, role_user, scores):
    merchant_a, merchant_b = scores
    kettles = CategoryFactory()
    merchant_b.categories.add(kettles)
    client.force_login(role_user("data_analysis"))
    rows = client.get(SCORES).json()["results"]
    assert [r["merchant"] for r in rows] == [merchant_a.pk, merchant_b.pk]
    assert [r["merchant"] for r in client.get(SCORES, {"tier": "medium"}).json()["results"]] == [
        merchant_a.pk
    ]
    by_category = client.get(SCORES, {"category": kettles.pk}).json()["results"]
    assert [r["merchant"] for r in by_category] == [merchant_b.pk]


def test_the_detail_explains_the_score(client, role_user, scores):
    merchant_a, _b = scores
    client.force_login(role_user("quality_manager"))
    body = client.get(f"{SCORES}{merchant_a.pk}/").json()
    assert body["score"] == "30.00"
    assert body["tier"] == "medium"
    assert body["factors"][0]["code"] == "complaint_rate"
    assert sum(Decimal(str(f["points"])) for f in body["factors"]) == Decimal(body["score"])
    assert body["factors"][0]["inputs"] == {"complaints": 20, "orders": 400, "min_orders": 100}


def test_merchant_users_and_strangers_are_refused(client, owner_a, merchant_a):
    RiskScoreFactory(merchant=merchant_a)
    assert client.get(SCORES).status_code in (401, 403)
    client.force_login(owner_a)
    assert client.get(SCORES).status_code == 403
    assert client.get(f"{SCORES}{merchant_a.pk}/").status_code == 403
    assert client.get(EVALUATIONS).status_code == 403


def test_probation_evaluations_for_merchant_management(client, role_user, merchant_a):
    from django.utils import timezone

    from core import policies
    from merchants.services import start_probation
    from reports.policies import PROBATION_REVIEW

    merchant_a.status = "onboarding"
    merchant_a.save()
    probation = start_probation(merchant=merchant_a, actor=None, at=timezone.now())
    ProbationEvaluation.objects.create(
        probation=probation,
        merchant=merchant_a,
        mode="override",
        recommended="extend",
        outcome="pass",
        figures={"figures": {"complaints": 0}},
        reasons=["no_passed_inspection"],
        reason="Good record",
        policy_version=policies.ensure_version(PROBATION_REVIEW),
        period_end=probation.ends_at,
    )
    client.force_login(role_user("quality_management"))
    assert client.get(EVALUATIONS).status_code == 403
    client.force_login(role_user("merchant_management"))
    rows = client.get(EVALUATIONS, {"merchant": merchant_a.pk, "mode": "override"}).json()[
        "results"
    ]
    assert [(r["outcome"], r["recommended"], r["reason"]) for r in rows] == [
        ("pass", "extend", "Good record")
    ]

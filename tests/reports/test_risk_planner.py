"""Risk tiers feed the inspections planner: weights in the monthly random sample and a
monthly spot check for high-risk merchants (through inspections' register_risk_source)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from core import policies
from inspections.models import InspectionPlan
from inspections.policies import PLANNING
from inspections.services import plan_due_inspections
from reports.policies import RISK_SCORE
from tests.factories.merchants import MerchantFactory
from tests.factories.reports import RiskScoreFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def merchants(db):
    merchants = MerchantFactory.create_batch(10, status="active")
    for merchant in merchants[:9]:
        RiskScoreFactory(merchant=merchant, score="5.00", tier="low")
    high = RiskScoreFactory(merchant=merchants[9], score="80.00", tier="high").merchant
    return merchants, high


@time_machine.travel(NOW)
def test_a_heavy_weight_puts_the_high_risk_merchant_in_the_random_sample(merchants):
    _all, high = merchants
    policies.publish(PLANNING, value={"random_share_percent": 10.0}, note="test")
    policies.publish(RISK_SCORE, value={"random_weight_high": 1000000.0}, note="test")
    created = plan_due_inspections()
    assert created["random"] == 1
    assert InspectionPlan.objects.get(kind="random").merchant == high
    assert plan_due_inspections() == {"periodic": 0, "probation": 0, "random": 0}


@time_machine.travel(NOW)
def test_high_risk_merchants_get_a_monthly_check_as_well_as_the_quarterly_one(merchants):
    _all, high = merchants
    created = plan_due_inspections()
    assert created["periodic"] == 11  # 10 quarterly + 1 monthly
    monthly = InspectionPlan.objects.get(kind="periodic", period="2026-11")
    assert monthly.merchant == high
    assert monthly.reason_code == "plan_monthly"
    with translation.override("en"):
        assert "high risk" in monthly.reason_text


@time_machine.travel(NOW)
def test_the_policy_can_turn_monthly_checks_off(merchants):
    policies.publish(RISK_SCORE, value={"high_tier_monthly_checks": False}, note="test")
    assert plan_due_inspections()["periodic"] == 10
    assert not InspectionPlan.objects.filter(period="2026-11", kind="periodic").exists()

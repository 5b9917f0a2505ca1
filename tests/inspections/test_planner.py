"""The planner: quarterly, probation (30 days, tightened) and random plans, set-based."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from core import policies
from inspections import services
from inspections.models import InspectionPlan
from inspections.policies import PLANNING
from inspections.tasks import plan_due_inspections
from tests.factories.merchants import MerchantFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def merchants(db):
    live = MerchantFactory.create_batch(8, status="active")
    probation = MerchantFactory(status="probation", went_live_at=NOW - timedelta(days=3))
    MerchantFactory(status="onboarding")
    MerchantFactory(status="suspended")
    return live, probation


@time_machine.travel(NOW)
def test_each_live_merchant_gets_one_quarterly_plan(merchants):
    live, probation = merchants
    created = services.plan_due_inspections()
    periodic = InspectionPlan.objects.filter(kind="periodic")
    assert created["periodic"] == 9
    assert set(periodic.values_list("merchant_id", flat=True)) == {m.pk for m in [*live, probation]}
    assert set(periodic.values_list("period", "due_by")) == {("2026Q4", date(2026, 12, 31))}


@time_machine.travel(NOW)
def test_a_merchant_on_probation_gets_a_tightened_plan_due_30_days_after_going_live(merchants):
    _live, probation = merchants
    services.plan_due_inspections()
    plan = InspectionPlan.objects.get(kind="probation")
    assert plan.merchant == probation
    assert plan.tightened
    assert plan.due_by == (NOW - timedelta(days=3)).date() + timedelta(days=30)


@time_machine.travel(NOW)
def test_the_random_share_of_active_merchants(merchants):
    policies.publish(PLANNING, value={"random_share_percent": 25.0}, note="test")
    services.plan_due_inspections()
    random = InspectionPlan.objects.filter(kind="random")
    assert random.count() == 2  # 25 % of 8 active merchants
    assert set(random.values_list("period", "due_by")) == {("2026-11", date(2026, 11, 30))}
    assert not random.filter(merchant__status="probation").exists()


@time_machine.travel(NOW)
def test_running_the_planner_twice_creates_nothing_new(merchants):
    policies.publish(PLANNING, value={"random_share_percent": 50.0}, note="test")
    first = plan_due_inspections.delay().get()
    before = set(InspectionPlan.objects.values_list("merchant_id", "kind", "period"))
    second = services.plan_due_inspections()
    assert first == {"periodic": 9, "probation": 1, "random": 4}
    assert second == {"periodic": 0, "probation": 0, "random": 0}
    assert set(InspectionPlan.objects.values_list("merchant_id", "kind", "period")) == before


def test_a_new_quarter_and_month_plan_again(merchants):
    with time_machine.travel(NOW):
        services.plan_due_inspections()
    with time_machine.travel(datetime(2027, 1, 5, 9, tzinfo=SHANGHAI)):
        created = services.plan_due_inspections()
    assert created["periodic"] == 9 and created["probation"] == 0
    assert InspectionPlan.objects.filter(kind="periodic", period="2027Q1").count() == 9


def test_risk_triggers_plan_once_per_cause_within_7_days(merchant_a):
    first = services.schedule_risk_inspection(
        merchant=merchant_a, source="complaints.complaint:7", reason="Complaint spike"
    )
    again = services.schedule_risk_inspection(
        merchant=merchant_a, source="complaints.complaint:7", reason="Complaint spike"
    )
    assert first == again
    assert first.kind == "risk_triggered"
    # Plans are dated in local (China) days, whatever the UTC hour of the test run.
    assert (first.due_by - timezone.localtime(first.created_at).date()).days <= 7


@time_machine.travel(NOW)
def test_planner_plans_have_their_row_history(merchants):
    from django.apps import apps

    from core.audit import system_context

    with system_context("test-planner"):
        services.plan_due_inspections()
    Event = apps.get_model("inspections", "InspectionPlanEvent")
    plans = set(InspectionPlan.objects.values_list("pk", "kind", "period"))
    events = Event.objects.filter(pgh_label="insert")
    assert set(events.values_list("pgh_obj_id", "kind", "period")) == plans
    assert {e.pgh_context.metadata["actor"] for e in events.select_related("pgh_context")} == {
        "system:test-planner"
    }

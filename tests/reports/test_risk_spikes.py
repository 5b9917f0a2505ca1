"""Complaint spikes: this week over 3x the 8-week weekly average, per merchant and per
category, alerted to Data Analysis once per spike and week, with a risk-triggered
inspection for a merchant spike."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core import policies
from core.models import Alert
from core.roles import Role, role_group
from inspections.models import InspectionPlan
from reports.policies import RISK_SPIKES
from reports.services.risk import detect_spikes, week_of
from reports.tasks.risk import detect_risk_spikes
from tests.factories import reports as data
from tests.factories.core import CategoryFactory
from tests.factories.products import ProductFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=SHANGHAI)  # a Wednesday of 2026-W48
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)


def baseline(merchant, per_week: int, **fields):
    """`per_week` complaints in each of the 8 weeks before this one."""
    for weeks_back in range(1, 9):
        data.complaints(
            merchant,
            per_week,
            at=MONDAY - timedelta(weeks=weeks_back) + timedelta(days=2),
            **fields,
        )


def spikes():
    return Alert.objects.filter(kind="risk_spike").order_by("key")


def test_the_week_is_the_iso_week_in_the_display_time_zone():
    assert week_of(NOW) == ("2026-W48", MONDAY)
    assert week_of(MONDAY - timedelta(seconds=1))[0] == "2026-W47"


@time_machine.travel(NOW, tick=False)
def test_a_merchant_spike_is_alerted_once_and_schedules_one_inspection(merchant_a):
    baseline(merchant_a, 1)
    data.complaints(merchant_a, 5, at=NOW - timedelta(hours=1))  # 5 > 3 x 1

    result = detect_spikes()

    assert (result.merchant_alerts, result.category_alerts, result.inspections) == (1, 0, 1)
    alert = spikes().get()
    assert alert.key == f"risk_spike:merchant:{merchant_a.pk}:2026-W48"
    assert alert.recipient_group == role_group(Role.DATA_ANALYSIS)
    assert alert.payload["this_week"] == 5
    assert alert.payload["baseline"] == 1
    assert alert.url == f"/staff/risk/merchants/{merchant_a.pk}/"
    assert "5 complaints this week" in alert.payload["detail"]
    plan = InspectionPlan.objects.get(kind="risk_triggered")
    assert plan.merchant == merchant_a
    assert plan.source == f"reports.risk_spike:{merchant_a.pk}:2026-W48"

    again = detect_risk_spikes.delay().get()
    assert (again["merchant_alerts"], again["inspections"]) == (0, 0)
    assert spikes().count() == 1
    assert InspectionPlan.objects.filter(kind="risk_triggered").count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_spike_the_next_week_is_a_new_alert(merchant_a):
    baseline(merchant_a, 1)
    data.complaints(merchant_a, 5, at=NOW - timedelta(hours=1))
    detect_spikes()
    with time_machine.travel(NOW + timedelta(weeks=1), tick=False):
        # Baseline now: 7 weeks of 1 and last week's 5 = 12 / 8 = 1.5 a week; 5 > 4.5.
        data.complaints(merchant_a, 5, at=NOW + timedelta(weeks=1) - timedelta(hours=1))
        result = detect_spikes()
    assert result.merchant_alerts == 1
    assert list(spikes().values_list("key", flat=True)) == [
        f"risk_spike:merchant:{merchant_a.pk}:2026-W48",
        f"risk_spike:merchant:{merchant_a.pk}:2026-W49",
    ]


@pytest.mark.parametrize(
    ("per_week", "this_week", "alerted"),
    [
        (0, 4, False),  # under the minimum of 5
        (0, 5, True),
        (2, 6, False),  # not over 3 x 2
        (2, 7, True),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_the_thresholds(merchant_a, per_week, this_week, alerted):
    if per_week:
        baseline(merchant_a, per_week)
    data.complaints(merchant_a, this_week, at=NOW - timedelta(hours=1))
    assert detect_spikes().merchant_alerts == int(alerted)


@time_machine.travel(NOW, tick=False)
def test_a_category_spike_across_merchants(merchant_a, merchant_b):
    policies.publish(RISK_SPIKES, value={"category_min_complaints": 4}, note="test")
    kettles = CategoryFactory(code="t-kettles", name_zh="水壶", name_en="Kettles")
    for merchant in (merchant_a, merchant_b):
        data.complaints(
            merchant,
            2,
            at=NOW - timedelta(hours=1),
            product=ProductFactory(merchant=merchant, category=kettles),
        )
    result = detect_spikes()
    assert (result.merchant_alerts, result.category_alerts, result.inspections) == (0, 1, 0)
    alert = spikes().get()
    assert alert.key == f"risk_spike:category:{kettles.pk}:2026-W48"
    assert alert.payload["subject"] == "水壶 / Kettles"
    assert detect_spikes().category_alerts == 0


@time_machine.travel(NOW, tick=False)
def test_the_policy_can_leave_inspections_out(merchant_a):
    policies.publish(RISK_SPIKES, value={"schedule_inspection": False}, note="test")
    data.complaints(merchant_a, 5, at=NOW - timedelta(hours=1))
    assert detect_spikes().merchant_alerts == 1
    assert not InspectionPlan.objects.filter(kind="risk_triggered").exists()

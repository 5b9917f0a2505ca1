"""Training completion in the reports: per risk tier (the tiers come from reports through
the merchants' tier hook), in the quarterly snapshot and its staff CSV/PDF."""

import datetime as dt

import pytest
import time_machine

from merchants.services import completion_figures, training
from reports.services import render
from reports.services.figures import quarter_period
from reports.services.snapshots import build_figures
from tests.factories.reports import RiskScoreFactory
from tests.merchants.training_helpers import published

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2031, 4, 10, 2, 0, tzinfo=dt.UTC)


def test_completion_per_risk_tier_and_in_the_quarterly_snapshot(role_user):
    mm = role_user("merchant_management")
    high = RiskScoreFactory(tier="high").merchant
    RiskScoreFactory(tier="low")
    with time_machine.travel(T0, tick=False):
        p = published(mm, title="Quality week", window_days=20)
        from tests.factories import MembershipFactory

        owner = MembershipFactory(merchant=high).user
        training.finish_modules(p.assignments.get(merchant=high), actor=owner)
        tiers = {row["tier"]: row for row in completion_figures()["tiers"]}
        assert (tiers["high"]["assigned"], tiers["high"]["completed"]) == (1, 1)
        assert (tiers["low"]["rate"]) == 0.0
    with time_machine.travel(T0 + dt.timedelta(days=90), tick=False):
        figures = build_figures(quarter_period(2031, 2), as_of=T0 + dt.timedelta(days=90))
    (row,) = figures["training"]["programmes"]
    assert (row["title"], row["assigned"], row["completed"], row["overdue"]) == (
        "Quality week",
        2,
        1,
        1,
    )
    staff_csv = render.render_csv(figures, language="en", audience="staff").decode("utf-8-sig")
    assert "Training completion per risk tier" in staff_csv and "Quality week (v1)" in staff_csv
    public_csv = render.render_csv(figures, language="en", audience="public").decode("utf-8-sig")
    assert "Training completion" not in public_csv
    pdf = render.render_pdf(figures, language="zh-hans", audience="staff")
    assert pdf.startswith(b"%PDF")

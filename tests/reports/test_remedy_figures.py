"""Remedies in the quarterly report: the snapshot counts them by kind, payer and status
with the amount the platform paid, and the page, CSV and PDF show them with labels."""

import datetime as dt

import pytest
import time_machine

from complaints.services import remedies
from reports.services import render
from reports.services.figures import quarter_period
from reports.services.snapshots import build_figures
from tests.factories.complaints import CaseFactory
from tests.factories.remedies import RemedyFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2031, 4, 10, 2, 0, tzinfo=dt.UTC)


def test_the_snapshot_counts_remedies_and_the_report_shows_them(role_user):
    agent = role_user("consumer_service")
    with time_machine.travel(T0, tick=False):
        case = CaseFactory()
        paid = RemedyFactory(
            case=case, by=agent, payer="platform", platform_reason="platform_at_fault"
        )
        remedies.mark_done(remedy=paid, by=agent, proof_reference="TX-1")
        RemedyFactory(case=case, by=agent, kind="repair", amount=None)
    as_of = T0 + dt.timedelta(days=90)
    with time_machine.travel(as_of, tick=False):
        figures = build_figures(quarter_period(2031, 2), as_of=as_of)
    data = figures["remedies"]
    assert data["total"] == 2
    assert data["by_kind"]["refund"] == 1 and data["by_kind"]["repair"] == 1
    assert data["by_payer"] == {"merchant": 1, "platform": 1}
    assert data["by_status"] == {"promised": 1, "done": 1, "failed": 0}
    assert data["platform_paid"] == "50.00"

    csv_en = render.render_csv(figures, language="en", audience="public").decode("utf-8-sig")
    assert "Remedies granted by kind" in csv_en and "Amount the platform paid (CNY)" in csv_en
    assert "Return and refund" in csv_en
    csv_zh = render.render_csv(figures, language="zh-hans", audience="staff").decode("utf-8-sig")
    assert "按类型统计的救济" in csv_zh and "退货退款" in csv_zh
    assert render.render_pdf(figures, language="zh-hans", audience="public").startswith(b"%PDF")


def test_a_snapshot_without_remedy_figures_renders_as_before():
    assert render.remedy_tables({"platform": {}}) == []

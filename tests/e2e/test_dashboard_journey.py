"""A quality manager reads the dashboard in the browser: the vendored chart library loads
under the site's CSP and draws every chart, a KPI leads to the cases behind it, and the
quarter's report is generated and downloaded as a PDF that carries the quarter's figures."""

from datetime import date

import pytest
import time_machine
from pypdf import PdfReader

from reports.models.snapshots import Snapshot
from reports.services import dashboards
from tests.e2e.conftest import LANGUAGES, assert_page_in, log_in, translated
from tests.factories.core import PASSWORD
from tests.factories.dashboards import NOW, build_dashboard_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_quality_manager_reads_the_charts_and_drills_into_a_kpi(make_page, role_user, language):
    with time_machine.travel(NOW, tick=False):
        world = build_dashboard_world()
    dashboards.refresh_daily_figures(first=date(2026, 3, 1), last=date(2026, 3, 10), now=NOW)
    manager = role_user("quality_manager")
    page = make_page(language)
    log_in(page, manager, PASSWORD)

    page.goto("/staff/dashboards/?start=2026-03-08&end=2026-03-10")
    assert_page_in(page, language)
    drawn = page.evaluate(
        """() => ["complaints", "sla", "breaches", "inspections", "ratings"].map(
            (code) => !!(window.Chart && window.Chart.getChart("chart-" + code)))"""
    )
    assert drawn == [True] * 5

    page.get_by_test_id("kpi-complaints_filed").locator(".kpi-value a").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("drill-total").inner_text() == "5"
    assert world.cases["c3"].reference in page.get_by_test_id("drill-rows").inner_text()
    assert page.errors == []

    page.goto("/staff/reports/quarterly/")
    assert_page_in(page, language)
    page.locator("[name=year]").fill("2026")
    page.locator("[name=quarter]").select_option("1")
    with page.expect_navigation():
        page.get_by_role("button", name=translated(language, "Generate a snapshot")).click()
    snapshot = Snapshot.objects.get(year=2026, quarter=1)
    assert snapshot.state == Snapshot.State.READY
    assert page.url.endswith(f"/staff/reports/quarterly/{snapshot.pk}/")

    link = "PDF 中文" if language == "zh-hans" else "PDF English"
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    pdf = PdfReader(download.value.path())
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "2026 Q1" in text
    assert translated(language, "Complaints filed") in text
    assert snapshot.figures["platform"]["complaints_filed"] == 6  # c1-c6 of the world
    assert page.errors == []

"""Dashboard pages: who may read them, filters, charts data, the top-risk panel, and the
drill-down from every figure to exactly the rows it counts."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from core.navigation import items_for
from reports.services import dashboards
from reports.views.dashboards import _top_risk
from tests.factories import UserFactory
from tests.factories.dashboards import NOW, build_dashboard_world
from tests.factories.merchants import MerchantFactory
from tests.factories.reports import RiskScoreFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/staff/dashboards/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        world = build_dashboard_world()
        dashboards.refresh_daily_figures(first=date(2026, 2, 1), last=date(2026, 3, 10))
        yield world


@pytest.fixture
def manager(client, role_user):
    user = role_user("quality_manager")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the pages follow the browser
    return user


# --- access --------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["quality_manager", "data_analysis"])
def test_quality_managers_and_data_analysis_read_the_dashboard(client, role_user, role):
    client.force_login(role_user(role))
    assert client.get(DASHBOARD).status_code == 200
    assert (
        client.get(reverse("reports:dashboard-figure", args=["ratings_count"])).status_code == 200
    )


def test_superusers_read_the_dashboard(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(DASHBOARD).status_code == 200


@pytest.mark.parametrize("role", ["consumer_service", "quality_management", "merchant_management"])
def test_other_departments_are_refused(client, role_user, role):
    client.force_login(role_user(role))
    assert client.get(DASHBOARD).status_code == 403
    assert (
        client.get(reverse("reports:dashboard-figure", args=["ratings_count"])).status_code == 403
    )


def test_merchants_are_refused(client, owner_a):
    client.force_login(owner_a)
    assert client.get(DASHBOARD).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_the_dashboard_is_in_the_navigation_of_those_who_may_read_it(role_user):
    def urls(user):
        return [item["url"] for item in items_for(user)]

    assert DASHBOARD in urls(role_user("quality_manager"))
    assert DASHBOARD in urls(role_user("data_analysis"))
    assert DASHBOARD not in urls(role_user("consumer_service"))


# --- the page ------------------------------------------------------------------------------
def test_page_shows_the_kpis_of_the_period(client, manager, world):
    with time_machine.travel(NOW, tick=False):
        response = client.get(DASHBOARD, {"start": "2026-03-08", "end": "2026-03-10"})

    kpis = {kpi["code"]: kpi for kpi in response.context["kpis"]}
    assert kpis["complaints_filed"]["value"] == 5
    assert kpis["response_rate"]["value"] == pytest.approx(66.7)
    assert kpis["pass_rate"]["value"] == pytest.approx(33.3)
    html = response.content.decode()
    assert 'data-testid="kpi-response_rate"' in html
    assert "66.7 %" in html


def test_page_filters_by_category_with_its_descendants(client, manager, world):
    with time_machine.travel(NOW, tick=False):
        response = client.get(
            DASHBOARD, {"start": "2026-03-01", "end": "2026-03-10", "category": world.home.pk}
        )
    kpis = {kpi["code"]: kpi for kpi in response.context["kpis"]}
    assert kpis["complaints_filed"]["value"] == 3  # the kitchen's, under home
    assert kpis["average_rating"]["value"] == 4.0  # 5 + 3 stars
    assert response.context["category"] == world.home


def test_page_uses_a_preset_period_ending_today(client, manager, world):
    with time_machine.travel(NOW, tick=False):
        response = client.get(DASHBOARD, {"period": "7"})
    assert response.context["period"] == dashboards.Period(date(2026, 3, 4), date(2026, 3, 10))


def test_bad_filters_show_an_error_and_the_last_30_days(client, manager, world):
    with time_machine.travel(NOW, tick=False):
        response = client.get(DASHBOARD, {"start": "2026-03-10", "end": "2026-03-01"})
    assert response.status_code == 200
    assert "The last day is before the first." in response.content.decode()
    assert response.context["period"] == dashboards.Period(date(2026, 2, 9), date(2026, 3, 10))


def test_charts_get_their_data_through_json_script_and_a_local_chart_library(
    client, manager, world
):
    with time_machine.travel(NOW, tick=False):
        response = client.get(DASHBOARD, {"start": "2026-03-08", "end": "2026-03-10"})
    html = response.content.decode()

    # CSP allows scripts from our origin only: every <script> is a file or JSON data.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "/static/reports/vendor/chart.js-4.4.7/chart.umd.min.js" in html
    assert "cdn" not in html.lower()

    charts = json.loads(re.search(r'id="dashboard-charts"[^>]*>(.*?)</script>', html).group(1))
    assert charts["days"] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    by_code = {chart["code"]: chart for chart in charts["charts"]}
    filed = by_code["complaints"]["lines"][0]
    assert filed["drill"] == "complaints_filed"
    assert filed["data"] == [3, 2, 0]
    sla = by_code["sla"]["lines"]
    assert sla[0]["data"] == [100.0, 50.0, None]  # answered on time / answered, per day
    assert by_code["ratings"]["lines"][0]["data"] == [None, 4.0, 4.0]


def test_vendored_chart_library_is_the_pinned_build_with_its_licence():
    from pathlib import Path

    import reports

    folder = Path(reports.__file__).parent / "static/reports/vendor/chart.js-4.4.7"
    build = (folder / "chart.umd.min.js").read_text()
    assert build.startswith("/*!\n * Chart.js v4.4.7")
    assert "sourceMappingURL" not in build
    assert "MIT License" in (folder / "LICENSE.md").read_text()


# --- drill-down ----------------------------------------------------------------------------
PERIODS = [("2026-03-01", "2026-03-10"), ("2026-03-09", "2026-03-09"), ("2026-03-10", "2026-03-10")]


@pytest.mark.parametrize("code", [kind.code for kind in dashboards.FIGURES])
def test_drill_down_lists_exactly_the_rows_behind_each_figure(client, manager, world, code):
    """For every figure kind, period and category filter: the total on the drill-down page
    equals the figure the dashboard shows for the same filters, and the page lists those
    rows."""
    checked = 0
    for start, end in PERIODS:
        for category in (None, world.home, world.kitchen, world.food):
            filters = {"start": start, "end": end}
            if category is not None:
                filters["category"] = category.pk
            with time_machine.travel(NOW, tick=False):
                page = client.get(DASHBOARD, filters)
                figure = {row["code"]: row for row in page.context["figures"]}[code]
                drill = client.get(figure["url"])
            assert drill.status_code == 200
            assert drill.context["total"] == figure["total"], (code, start, end, category)
            kind = dashboards.FIGURES_BY_CODE[code]
            rows = list(drill.context["rows"])
            if kind.value:
                assert sum(getattr(row, kind.value) for row in rows) == figure["total"]
            else:
                assert len(rows) == figure["total"]
            checked += figure["total"]
    assert checked > 0, f"the world gives {code} no rows to check"


def test_kpi_links_open_the_drill_down_with_the_same_filters(client, manager, world):
    with time_machine.travel(NOW, tick=False):
        page = client.get(DASHBOARD, {"start": "2026-03-08", "end": "2026-03-10"})
        kpi = {kpi["code"]: kpi for kpi in page.context["kpis"]}["response_rate"]
        part = client.get(kpi["url"])
        whole = client.get(kpi["of_url"])
    assert part.context["total"] == 2
    assert whole.context["total"] == 3
    assert {case.reference for case in part.context["rows"]} == {
        world.cases["c1"].reference,
        world.cases["c4"].reference,
    }


def test_drill_down_of_an_unknown_figure_is_not_found(client, manager):
    assert client.get(reverse("reports:dashboard-figure", args=["nothing"])).status_code == 404


def test_drill_down_pages_through_many_rows(client, manager, world, settings):
    from reports.views import dashboards as views

    views_page_size = views.PAGE_SIZE
    views.PAGE_SIZE = 2
    try:
        with time_machine.travel(NOW, tick=False):
            first = client.get(
                reverse("reports:dashboard-figure", args=["complaints_filed"]),
                {"start": "2026-03-01", "end": "2026-03-10"},
            )
            last = client.get(
                reverse("reports:dashboard-figure", args=["complaints_filed"]),
                {"start": "2026-03-01", "end": "2026-03-10", "page": 99},
            )
    finally:
        views.PAGE_SIZE = views_page_size
    assert first.context["total"] == 6
    assert first.context["pages"] == 3
    assert len(first.context["rows"]) == 2
    assert last.context["page"] == 3
    assert "page=2" in first.context["next_page"]


# --- top-risk panel ------------------------------------------------------------------------
def test_top_risk_panel_says_so_before_any_score_is_computed(client, manager):
    assert _top_risk(None) == []
    response = client.get(DASHBOARD)
    assert "No risk scores have been computed yet." in response.content.decode()


def test_top_risk_panel_lists_the_riskiest_merchants_of_the_category(client, manager, world):
    world.merchant.categories.add(world.food)
    RiskScoreFactory(merchant=world.merchant, score=Decimal("87.00"), tier="high")
    RiskScoreFactory(merchant=MerchantFactory(legal_name="Elsewhere Ltd"), score=Decimal("95"))
    with time_machine.travel(NOW, tick=False):
        response = client.get(DASHBOARD, {"category": world.food.pk})
    panel = response.content.decode().split('data-testid="top-risk"')[1].split("</section>")[0]
    assert "Dashboard merchant" in panel and "87.00" in panel and "High" in panel
    assert f"/staff/risk/merchants/{world.merchant.pk}/" in panel
    assert "Elsewhere Ltd" not in panel

"""Every chart has a text alternative: a table under it with the very numbers the chart
draws, in the reader's language, headed with scoped header cells; charts scale to the
width of the page (phone and desktop) without inline styles."""

import json
import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from reports.models.snapshots import QuarterlyReport
from reports.services import dashboards
from reports.services import snapshots as services
from tests.factories.dashboards import NOW, build_dashboard_world
from tests.reports.snapshot_quarter import (
    AS_OF,
    quarter_fixture,  # noqa: F401 - the `quarter` fixture
)

pytestmark = pytest.mark.django_db


def _table(html: str, testid: str) -> str:
    match = re.search(rf'<table[^>]*data-testid="{testid}"[^>]*>(.*?)</table>', html, re.S)
    assert match, testid
    return match.group(1)


def _details_around(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[html.rindex("<details", 0, start) : html.index("</details>", start)]


def _cells(fragment: str, tag: str, attrs: str = r"[^>]*") -> list[str]:
    found = re.findall(rf"<{tag}{attrs}>(.*?)</{tag}>", fragment, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


# --- the quality dashboard (Chart.js, data through json_script) ---------------------------
@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        world = build_dashboard_world()
        dashboards.refresh_daily_figures(first=date(2026, 2, 1), last=date(2026, 3, 10))
        yield world


def _words(language: str) -> dict:
    """The table's own words in ``language`` (from the catalogues, whatever they hold)."""
    with translation.override(language):
        return {
            "summary": gettext("Figures as a table"),
            "day": pgettext("chart data table", "Day"),
            "item": pgettext("chart data table", "Item"),
            "value": pgettext("chart data table", "Value"),
        }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_dashboard_charts_have_a_table_with_the_same_numbers(client, role_user, world, language):
    words = _words(language)
    summary, day = words["summary"], words["day"]
    client.force_login(role_user("quality_manager"))
    with time_machine.travel(NOW, tick=False), translation.override(language):
        html = client.get(
            "/staff/dashboards/",
            {"start": "2026-03-08", "end": "2026-03-10"},
            HTTP_ACCEPT_LANGUAGE=language,
        ).content.decode()
    data = json.loads(re.search(r'id="dashboard-charts"[^>]*>(.*?)</script>', html).group(1))

    assert len(data["charts"]) == len(dashboards.CHARTS)
    for chart in data["charts"]:
        testid = f"chart-table-{chart['code']}"
        table = _table(html, testid)
        assert f"<summary>{summary}</summary>" in _details_around(html, testid)
        assert _cells(table, "caption") == [chart["title"]]
        assert _cells(table, "th", r' scope="col"')[0] == day
        assert _cells(table, "th", r' scope="col"')[1:] == [
            line["label"] for line in chart["lines"]
        ]
        assert _cells(table, "th", r' scope="row"') == data["days"]
        values = [
            None if value == "" else float(value)
            for value in re.findall(r'<td data-value="([^"]*)"', table)
        ]
        expected = [
            line["data"][index] for index in range(len(data["days"])) for line in chart["lines"]
        ]
        assert values == expected


def test_dashboard_table_shows_units_and_gaps(client, role_user, world):
    client.force_login(role_user("quality_manager"))
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        html = client.get(
            "/staff/dashboards/",
            {"start": "2026-03-08", "end": "2026-03-10"},
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
    sla = _table(html, "chart-table-sla")
    first_row = re.search(r"<tr><th scope=\"row\">2026-03-08</th>(.*?)</tr>", sla, re.S).group(1)
    assert _cells(first_row, "td")[0] == "100.0 %"
    ratings = _table(html, "chart-table-ratings")
    assert _cells(ratings, "td") == ["\u2013", "4.0 \u2605", "4.0 \u2605"]


# --- snapshot and transparency pages (inline SVG) -----------------------------------------
@pytest.fixture
def report(quarter, role_user, django_capture_on_commit_callbacks):
    manager = role_user("quality_manager")
    with time_machine.travel(AS_OF, tick=False), django_capture_on_commit_callbacks(execute=True):
        snapshot = services.request_snapshot(year=2026, quarter=2, by=manager)
    report = QuarterlyReport.objects.get(snapshot=snapshot)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_report(report=report, by=manager)
    return report, manager


def _assert_svg_and_table_agree(html: str, summary: str, item: str, value: str) -> None:
    svgs = re.findall(r'<svg[^>]*data-chart="([^"]+)"[^>]*>(.*?)</svg>', html, re.S)
    assert len(svgs) == 3
    for chart_id, body in svgs:
        texts = _cells(body, "text")
        labels, numbers = texts[0::2], texts[1::2]
        testid = f"chart-table-{chart_id}"
        table = _table(html, testid)
        assert f"<summary>{summary}</summary>" in _details_around(html, testid)
        assert _cells(table, "caption") == _cells(body, "title")
        assert _cells(table, "th", r' scope="col"') == [item, value]
        assert _cells(table, "th", r' scope="row"') == labels
        assert _cells(table, "td") == numbers
        assert numbers and all(re.search(r"\d", number) for number in numbers)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_snapshot_page_charts_have_a_table_with_the_same_numbers(client, report, language):
    words = _words(language)
    summary, item, value = words["summary"], words["item"], words["value"]
    snapshot_report, manager = report
    client.force_login(manager)
    with time_machine.travel(AS_OF), translation.override(language):
        html = client.get(
            reverse("reports:snapshot-detail", args=[snapshot_report.snapshot_id]),
            HTTP_ACCEPT_LANGUAGE=language,
        ).content.decode()
    _assert_svg_and_table_agree(html, summary, item, value)


def test_transparency_page_charts_have_a_table_with_the_same_numbers(client, report):
    with time_machine.travel(AS_OF), translation.override("en"):
        html = client.get(
            reverse("reports:public-index"), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    _assert_svg_and_table_agree(html, "Figures as a table", "Item", "Value")


# --- sizing: responsive, no inline styles -------------------------------------------------
def test_charts_scale_to_the_page_without_inline_styles(client, report):
    with time_machine.travel(AS_OF), translation.override("en"):
        html = client.get(
            reverse("reports:public-index"), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    for svg in re.findall(r"<svg[^>]*>", html):
        assert re.search(r'viewBox="0 0 \d+ \d+"', svg)
        assert 'class="chart-svg"' in svg
        assert "width=" not in svg.replace("viewBox", "") and "style=" not in svg
    assert " style=" not in html

    site = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    assert re.search(r"\.chart-svg \{[^}]*width:100%[^}]*height:auto", site)
    # one column on a 375 px phone: no grid track wider than the page
    import reports

    dashboard_css = (Path(reports.__file__).parent / "static/reports/dashboards.css").read_text()
    for css in (site, dashboard_css):
        for track in re.findall(r"\.charts \{[^}]*minmax\(([^,]+(?:,[^,]+)?),1fr\)", css):
            assert track.startswith("min(100%"), track

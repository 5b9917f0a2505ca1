"""/api/v1/dashboard/series/: daily series, totals and KPIs from the daily figures."""

from datetime import date

import pytest
import time_machine
from rest_framework.test import APIClient

from reports.services import dashboards
from tests.factories.dashboards import NOW, build_dashboard_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/series/"


@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        world = build_dashboard_world()
        dashboards.refresh_daily_figures(first=date(2026, 2, 1), last=date(2026, 3, 10))
        yield world


@pytest.fixture
def api(role_user):
    client = APIClient()
    client.force_authenticate(role_user("data_analysis"))
    return client


def test_series_has_one_point_per_day_with_every_figure(api, world):
    response = api.get(URL, {"start": "2026-03-08", "end": "2026-03-10"})

    assert response.status_code == 200
    body = response.json()
    assert [point["day"] for point in body["series"]] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert [point["complaints_filed"] for point in body["series"]] == [3, 2, 0]
    assert set(body["series"][0]) == {"day", *dashboards.COLUMNS}
    assert body["totals"]["ratings_stars"] == 12
    assert body["previous_start"] == "2026-03-05"
    assert body["previous_end"] == "2026-03-07"
    kpis = {kpi["code"]: kpi for kpi in body["kpis"]}
    assert kpis["response_rate"]["value"] == pytest.approx(66.7)
    assert kpis["response_rate"]["previous"] is None


def test_series_filters_by_category_and_its_descendants(api, world):
    body = api.get(
        URL, {"start": "2026-03-01", "end": "2026-03-10", "category": world.home.pk}
    ).json()
    assert body["category"] == world.home.pk
    assert body["totals"]["complaints_filed"] == 3
    assert body["totals"]["inspections_decided"] == 2


def test_series_defaults_to_the_last_days(api, world):
    with time_machine.travel(NOW, tick=False):
        body = api.get(URL, {"days": 7}).json()
    assert body["start"] == "2026-03-04"
    assert body["end"] == "2026-03-10"
    assert len(body["series"]) == 7


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-03-10", "end": "2026-03-01"},
        {"start": "2026-03-10"},
        {"days": 0},
        {"category": 999999},
    ],
)
def test_bad_filters_are_a_400(api, params):
    assert api.get(URL, params).status_code == 400


@pytest.mark.parametrize("role", ["consumer_service", "quality_management"])
def test_other_departments_are_refused(role_user, role):
    client = APIClient()
    client.force_authenticate(role_user(role))
    assert client.get(URL).status_code == 403


def test_merchants_and_anonymous_callers_are_refused(owner_a):
    client = APIClient()
    assert client.get(URL).status_code in (401, 403)
    client.force_authenticate(owner_a)
    assert client.get(URL).status_code == 403


def test_quality_managers_read_the_series(role_user):
    client = APIClient()
    client.force_authenticate(role_user("quality_manager"))
    assert client.get(URL).status_code == 200

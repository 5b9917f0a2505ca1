"""Daily figures: the refresh against hand-computed days, its statement count, KPIs over a
period, category filters, the beat task and the backfill command."""

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from complaints.models import Case
from core.exceptions import DomainError
from reports.models.figures import DailyFigure
from reports.services import dashboards
from reports.tasks.dashboards import refresh_daily_figures
from tests.factories.dashboards import NOW, build_dashboard_world, local, make_case

pytestmark = pytest.mark.django_db

# (day of March 2026, category code or None) -> the non-zero figures of that row, counted
# by hand from build_dashboard_world's comments.
EXPECTED = {
    (1, "t-food"): {"complaints_filed": 1, "complaints_responded": 1, "responded_on_time": 1},
    (4, "t-food"): {"resolution_breaches": 1},
    (8, "t-kitchen"): {"complaints_filed": 3, "complaints_responded": 1, "responded_on_time": 1},
    (9, "t-kitchen"): {
        "complaints_responded": 1,
        "complaints_resolved": 1,
        "resolved_on_time": 1,
        "response_breaches": 1,
        "inspections_decided": 2,
        "inspections_passed": 1,
        "inspections_rejected": 1,
        "ratings_count": 2,
        "ratings_stars": 8,
        "ad_reports_filed": 1,
    },
    (9, "t-food"): {"complaints_filed": 1, "complaints_resolved": 1, "ad_reports_filed": 1},
    (9, None): {"complaints_filed": 1, "complaints_responded": 1, "responded_on_time": 1},
    (10, "t-food"): {
        "response_breaches": 1,
        "inspections_decided": 1,
        "inspections_rejected": 1,
        "ratings_count": 1,
        "ratings_stars": 4,
    },
    (10, "t-kitchen"): {"ad_reports_substantiated": 1},
    (10, None): {"complaints_resolved": 1, "resolved_on_time": 1},
}

MARCH_1, MARCH_10 = date(2026, 3, 1), date(2026, 3, 10)


@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        yield build_dashboard_world()


def stored() -> dict:
    out = {}
    for row in DailyFigure.objects.select_related("category"):
        values = {code: getattr(row, code) for code in dashboards.COLUMNS}
        out[(row.day.day, row.category.code if row.category else None)] = {
            code: value for code, value in values.items() if value
        }
    return out


def test_refresh_writes_the_hand_computed_daily_figures(world):
    written = dashboards.refresh_daily_figures(first=MARCH_1, last=MARCH_10, now=NOW)

    assert stored() == EXPECTED
    assert written == len(EXPECTED)


def test_days_are_shanghai_days_not_utc_days(world):
    """Filed 9 March 00:30 in Shanghai, which is still 8 March in UTC."""
    c3 = world.cases["c3"]
    assert c3.created_at.astimezone(dashboards.local_zone()).date() == date(2026, 3, 9)
    dashboards.refresh_daily_figures(first=date(2026, 3, 8), last=date(2026, 3, 9), now=NOW)

    food = DailyFigure.objects.get(category=world.food, day=date(2026, 3, 9))
    assert food.complaints_filed == 1
    assert not DailyFigure.objects.filter(category=world.food, day=date(2026, 3, 8)).exists()


def test_refresh_runs_the_same_statements_for_a_day_or_a_month_and_more_data(
    world, django_assert_num_queries
):
    # savepoint, advisory lock, JIT off, INSERT ... SELECT ... ON CONFLICT, DELETE, JIT as
    # it was, release
    with django_assert_num_queries(7):
        dashboards.refresh_daily_figures(first=MARCH_10, last=MARCH_10, now=NOW)
    with time_machine.travel(NOW, tick=False):
        for hour in range(6):
            make_case(merchant=world.merchant, filed=local(9, hour + 1), responded=local(9, 20))
    with django_assert_num_queries(7):
        dashboards.refresh_daily_figures(first=date(2026, 2, 1), last=MARCH_10, now=NOW)
    assert DailyFigure.objects.get(day=date(2026, 3, 9), category=None).complaints_filed == 7


def test_refresh_runs_without_jit_and_leaves_the_callers_setting(world):
    """At 1,000,000 cases compiling the refresh's statement cost 1.2 s of 1.5 s (the bench);
    the refresh turns JIT off for its own statements only."""
    seen = []

    def spy(execute, sql, params, many, context):
        if sql.lstrip().startswith(("INSERT INTO reports_dailyfigure", "DELETE FROM")):
            raw = context["cursor"].cursor
            raw.execute("SELECT current_setting('jit')")
            seen.append(raw.fetchone()[0])
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
    with connection.execute_wrapper(spy):
        dashboards.refresh_daily_figures(first=MARCH_1, last=MARCH_10, now=NOW)
    assert seen == ["off", "off"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone()[0] == "on"
    assert stored() == EXPECTED


def test_refresh_is_idempotent_and_drops_rows_left_with_nothing_to_count(world):
    dashboards.refresh_daily_figures(first=MARCH_1, last=MARCH_10, now=NOW)
    dashboards.refresh_daily_figures(first=MARCH_1, last=MARCH_10, now=NOW + timedelta(minutes=5))
    assert stored() == EXPECTED

    # The 1 March case is moved off its product: its food row empties and goes, the
    # no-category row of that day appears.
    Case.objects.filter(pk=world.cases["c6"].pk).update(product=None)
    dashboards.refresh_daily_figures(first=MARCH_1, last=MARCH_1, now=NOW + timedelta(minutes=10))

    after = stored()
    assert (1, "t-food") not in after
    assert after[(1, None)] == EXPECTED[(1, "t-food")]
    assert after[(9, "t-kitchen")] == EXPECTED[(9, "t-kitchen")]  # outside the range: kept


def test_refresh_counts_a_breach_only_once_its_deadline_has_passed(world):
    """c3's response falls due 10 March 00:30: refreshed at 00:00 it is not missed yet."""
    dashboards.refresh_daily_figures(first=MARCH_10, last=MARCH_10, now=local(10, 0, 0))
    assert DailyFigure.objects.get(day=MARCH_10, category=world.food).response_breaches == 0

    dashboards.refresh_daily_figures(first=MARCH_10, last=MARCH_10, now=local(10, 0, 31))
    assert DailyFigure.objects.get(day=MARCH_10, category=world.food).response_breaches == 1


def test_beat_task_refreshes_today_and_yesterday_only(world):
    with time_machine.travel(NOW, tick=False):
        refresh_daily_figures.delay()

    assert {(key[0], key[1]) for key in stored()} == {key for key in EXPECTED if key[0] in (9, 10)}


def test_backfill_command_rebuilds_a_range_in_chunks(world):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("refresh_daily_figures", "--from", "2026-01-15", stdout=out)

    assert stored() == EXPECTED
    assert "2026-01-15..2026-03-10" in out.getvalue()


def test_refresh_statement_holds_up_against_an_empty_range():
    assert dashboards.refresh_daily_figures(first=MARCH_1, last=MARCH_10, now=NOW) == 0
    with pytest.raises(ValueError):
        dashboards.refresh_daily_figures(first=MARCH_10, last=MARCH_1, now=NOW)


# --- KPIs and filters ----------------------------------------------------------------------
@pytest.fixture
def refreshed(world):
    dashboards.refresh_daily_figures(first=date(2026, 2, 1), last=MARCH_10, now=NOW)
    return world


def test_kpis_are_sums_over_the_period_from_the_daily_table(refreshed):
    period = dashboards.Period(date(2026, 3, 8), MARCH_10)
    data = dashboards.dashboard(period=period, category_ids=None)

    assert [point["day"] for point in data.series] == period.each_day()
    kpis = {kpi["code"]: kpi for kpi in data.kpis()}
    assert kpis["complaints_filed"]["value"] == 5
    assert kpis["response_rate"]["value"] == pytest.approx(66.7)  # 2 of 3 answers on time
    assert kpis["resolution_rate"]["value"] == pytest.approx(66.7)  # c1, c4 of c1, c6, c4
    assert kpis["response_breaches"]["value"] == 2
    assert kpis["resolution_breaches"]["value"] == 0
    assert kpis["pass_rate"]["value"] == pytest.approx(33.3)
    assert kpis["average_rating"]["value"] == 4.0
    assert kpis["ad_reports_substantiated"]["value"] == 1
    # 5-7 March had nothing: no rate to compare with, counts compare with zero.
    assert kpis["response_rate"]["previous"] is None
    assert kpis["response_rate"]["change"] is None
    assert kpis["complaints_filed"]["change"] == 5
    assert kpis["complaints_filed"]["better"] is False


def test_previous_period_is_the_same_length_just_before(refreshed):
    period = dashboards.Period(date(2026, 3, 4), date(2026, 3, 10))
    assert period.previous() == dashboards.Period(date(2026, 2, 25), date(2026, 3, 3))
    data = dashboards.dashboard(period=period, category_ids=None)
    assert data.previous["complaints_filed"] == 1  # c6, 1 March
    assert data.totals["resolution_breaches"] == 1  # c6's, due 4 March


def test_category_filter_takes_the_category_and_its_descendants(refreshed):
    period = dashboards.Period(MARCH_1, MARCH_10)
    home = dashboards.category_subtree(refreshed.home.pk)
    assert sorted(home) == sorted([refreshed.home.pk, refreshed.kitchen.pk])

    at_home = dashboards.dashboard(period=period, category_ids=home).totals
    food = dashboards.dashboard(period=period, category_ids=[refreshed.food.pk]).totals
    everything = dashboards.dashboard(period=period, category_ids=None).totals

    assert at_home["complaints_filed"] == 3
    assert food["complaints_filed"] == 2
    assert everything["complaints_filed"] == 6  # with c4, which names no product
    assert at_home["ratings_stars"] == 8
    assert food["inspections_rejected"] == 1


def test_dashboard_reads_two_queries_whatever_the_period(refreshed, django_assert_num_queries):
    with django_assert_num_queries(2):
        dashboards.dashboard(period=dashboards.Period(MARCH_1, MARCH_10), category_ids=None)
    with django_assert_num_queries(2):
        dashboards.dashboard(
            period=dashboards.Period(date(2025, 3, 11), MARCH_10),
            category_ids=[refreshed.food.pk],
        )


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2026, 3, 2), None), (date(2026, 3, 2), date(2026, 3, 1)), (date(2024, 1, 1), MARCH_10)],
)
def test_choose_period_refuses_half_reversed_or_too_long_ranges(start, end):
    with pytest.raises(DomainError):
        dashboards.choose_period(start=start, end=end)


def test_choose_period_defaults_to_the_last_days_up_to_today():
    period = dashboards.choose_period(days=7, today=MARCH_10)
    assert period == dashboards.Period(date(2026, 3, 4), MARCH_10)


def test_demo_seed_fills_the_last_year_and_can_run_twice(world):
    from reports import demo

    lines = []
    with time_machine.travel(NOW, tick=False):
        demo.seed_dashboards(lines.append)
        demo.seed_dashboards(lines.append)
    assert stored() == EXPECTED
    assert "daily figure rows" in lines[-1]

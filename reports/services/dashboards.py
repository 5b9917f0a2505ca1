"""Dashboard figures: what each one counts, how the daily table is refreshed, and the sums
the pages and the API read.

Every figure is defined once, in FIGURES: the table and condition of the rows behind it,
the timestamp that puts a row on a local day, the path to its category and what is summed
(rows, or a column). The refresh aggregates exactly those rows into reports.DailyFigure
(one scan per source table), and the drill-down lists exactly those rows (figure_rows):
the figure a manager clicks and the list they land on cannot drift apart.

Days are local days of settings.TIME_ZONE (Asia/Shanghai). A row belongs to the day of its
event (filed, first answered, resolved, due, decided, written); facts that can still change
after that day (a deadline pushed by a pause, a case reopened) reach the table when that day
is refreshed again: the beat refreshes today and yesterday every few minutes, and
`manage.py refresh_daily_figures --from ... --to ...` rebuilds any range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case as DbCase
from django.db.models import Count, DateField, F, Model, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from complaints.figures import deadline_missed
from complaints.models import Case, CaseKind, Target
from core.db import advisory_xact_lock, transaction_settings
from core.exceptions import DomainError
from core.models import Category
from inspections.models import Inspection
from reports.models.figures import DailyFigure
from reviews.models import ProductReview

# A dashboard period is at most two years of days: enough for a year against the previous.
MAX_PERIOD_DAYS = 731


@dataclass(frozen=True)
class FigureKind:
    """One column of DailyFigure and the rows it counts: the rows of `model` matching
    `condition(now)` whose `event` falls on the day, grouped by the category at `category`;
    their number, or the sum of `value`."""

    code: str
    label: Promise
    definition: Promise
    model: type[Model]
    event: str  # the timestamp that puts a row on a day
    category: str  # path to the row's category id (one per model)
    condition: Callable[[datetime], Q] = lambda now: Q()
    value: str | None = None  # the column summed; None counts rows

    def aggregate(self):
        return Sum(self.value) if self.value else Count("pk")


COMPLAINT = Q(kind=CaseKind.COMPLAINT)
AD_REPORT = Q(kind=CaseKind.AD_REPORT)
DECIDED = Q(
    status__in=[
        Inspection.Status.ACCEPTED,
        Inspection.Status.REJECTED,
        Inspection.Status.OVERTURNED,
    ]
)


def _case_figure(code, label, definition, event, condition) -> FigureKind:
    return FigureKind(code, label, definition, Case, event, "product__category", condition)


FIGURES: tuple[FigureKind, ...] = (
    _case_figure(
        "complaints_filed",
        _("Complaints filed"),
        _("After-sales complaints filed that day, by every channel."),
        "created_at",
        lambda now: COMPLAINT,
    ),
    _case_figure(
        "complaints_responded",
        _("Complaints first answered"),
        _("Complaints whose first answer to the consumer was given that day."),
        "first_responded_at",
        lambda now: COMPLAINT,
    ),
    _case_figure(
        "responded_on_time",
        _("Answered within target"),
        _(
            "Complaints first answered that day no later than their first-response deadline "
            "(24 hours by default, from the SLA policy version the case pinned, pauses added)."
        ),
        "first_responded_at",
        lambda now: COMPLAINT & Q(first_responded_at__lte=F("response_due_at")),
    ),
    _case_figure(
        "complaints_resolved",
        _("Complaints resolved"),
        _("Complaints given a decision that day (resolved, whatever the outcome)."),
        "resolved_at",
        lambda now: COMPLAINT,
    ),
    _case_figure(
        "resolved_on_time",
        _("Resolved within target"),
        _(
            "Complaints resolved that day no later than their resolution deadline "
            "(72 hours by default, pauses added)."
        ),
        "resolved_at",
        lambda now: COMPLAINT & Q(resolved_at__lte=F("resolution_due_at")),
    ),
    _case_figure(
        "response_breaches",
        _("Response targets missed"),
        _(
            "Complaints whose first-response deadline fell on that day and is on record as "
            "breached (the SLA sweep records each breach at its deadline)."
        ),
        "response_due_at",
        lambda now: COMPLAINT & deadline_missed(now, Target.RESPONSE),
    ),
    _case_figure(
        "resolution_breaches",
        _("Resolution targets missed"),
        _(
            "Complaints whose resolution deadline fell on that day and is on record as "
            "breached (the SLA sweep records each breach at its deadline)."
        ),
        "resolution_due_at",
        lambda now: COMPLAINT & deadline_missed(now, Target.RESOLUTION),
    ),
    FigureKind(
        "inspections_decided",
        _("Inspections decided"),
        _("Inspection lots given a verdict that day."),
        Inspection,
        "decided_at",
        "category",
        lambda now: DECIDED,
    ),
    FigureKind(
        "inspections_passed",
        _("Inspections passed"),
        _("Inspection lots accepted that day."),
        Inspection,
        "decided_at",
        "category",
        lambda now: Q(status=Inspection.Status.ACCEPTED),
    ),
    FigureKind(
        "inspections_rejected",
        _("Inspections rejected"),
        _("Inspection lots rejected that day (including rejections a re-test later overturned)."),
        Inspection,
        "decided_at",
        "category",
        lambda now: DECIDED & ~Q(status=Inspection.Status.ACCEPTED),
    ),
    FigureKind(
        "ratings_count",
        _("Ratings"),
        _("Product reviews written that day (folded ones included: they were still given)."),
        ProductReview,
        "created_at",
        "product__category",
    ),
    FigureKind(
        "ratings_stars",
        _("Stars given"),
        _("The stars of the product reviews written that day, added up."),
        ProductReview,
        "created_at",
        "product__category",
        value="stars",
    ),
    _case_figure(
        "ad_reports_filed",
        _("Ad reports filed"),
        _("False-advertising reports filed that day."),
        "created_at",
        lambda now: AD_REPORT,
    ),
    _case_figure(
        "ad_reports_substantiated",
        _("Ad reports substantiated"),
        _("False-advertising reports decided as substantiated that day."),
        "resolved_at",
        lambda now: AD_REPORT & Q(outcome=Case.Outcome.SUBSTANTIATED),
    ),
)
FIGURES_BY_CODE = {kind.code: kind for kind in FIGURES}
COLUMNS = [kind.code for kind in FIGURES]


# --- days ----------------------------------------------------------------------------------
def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in the local time zone."""
    zone = local_zone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def each_day(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def choose_period(
    *, start: date | None = None, end: date | None = None, days: int = 30, today: date | None = None
) -> Period:
    """From/to days when given (both, in order, at most MAX_PERIOD_DAYS), else the last
    `days` days up to today. Raises DomainError with a message the form or API shows."""
    if start or end:
        if not (start and end):
            raise DomainError(_("Give both the first and the last day."))
        if end < start:
            raise DomainError(_("The last day is before the first."))
        period = Period(start, end)
        if period.days > MAX_PERIOD_DAYS:
            raise DomainError(_("Choose at most %(days)d days.") % {"days": MAX_PERIOD_DAYS})
        return period
    today = today or timezone.localdate()
    return Period(today - timedelta(days=days - 1), today)


# --- the rows behind a figure (drill-down) ------------------------------------------------
def _on_days(kind: FigureKind, *, start: datetime, end: datetime, now: datetime) -> Q:
    """The rows of this figure whose event falls within [start, end)."""
    return kind.condition(now) & Q(**{f"{kind.event}__gte": start, f"{kind.event}__lt": end})


def figure_rows(
    kind: FigureKind, *, period: Period, category_ids: list[int] | None, now=None
) -> QuerySet:
    """Exactly the rows the daily table counts for this figure, period and categories."""
    start, end = day_bounds(period.first, period.last)
    rows = kind.model._default_manager.filter(
        _on_days(kind, start=start, end=end, now=now or timezone.now())
    )
    if category_ids is not None:
        rows = rows.filter(**{f"{kind.category}__in": category_ids})
    return rows


def figure_total(rows: QuerySet, kind: FigureKind) -> int:
    return rows.aggregate(total=kind.aggregate())["total"] or 0


# --- refresh -------------------------------------------------------------------------------
def _source_select(
    model, kinds: list[FigureKind], *, start: datetime, end: datetime, now: datetime
) -> tuple[str, list]:
    """One scan of a source table for all its figures: each row once, with the day it
    counts on for each figure (NULL where it does not count), unpivoted to
    (code, day, category, value) and grouped."""
    (category,) = {kind.category for kind in kinds}
    zone = local_zone()
    days, values = {}, {}
    for n, kind in enumerate(kinds):
        days[f"fig_day_{n}"] = DbCase(
            When(
                _on_days(kind, start=start, end=end, now=now),
                then=TruncDate(kind.event, tzinfo=zone),
            ),
            output_field=DateField(),
        )
        if kind.value:
            values[f"fig_value_{n}"] = F(kind.value)
    counted = reduce(or_, (_on_days(kind, start=start, end=end, now=now) for kind in kinds))
    rows = (
        model._default_manager.filter(counted)
        .annotate(fig_category=F(category), **days, **values)
        .order_by()
        .values("fig_category", *days, *values)
    )
    sql, params = rows.query.sql_with_params()
    unpivot = ", ".join(
        f"(%s, s.fig_day_{n}, {f's.fig_value_{n}' if kind.value else '1'})"
        for n, kind in enumerate(kinds)
    )
    return (
        f"""
        SELECT x.code, x.day AS fig_day, s.fig_category, SUM(x.value) AS fig_value
        FROM ({sql}) AS s
        CROSS JOIN LATERAL (VALUES {unpivot}) AS x (code, day, value)
        WHERE x.day IS NOT NULL
        GROUP BY 1, 2, 3
        """,  # noqa: S608 - identifiers are ours, values go through params
        [*params, *(kind.code for kind in kinds)],
    )


@transaction.atomic
def refresh_daily_figures(*, first: date, last: date, now: datetime | None = None) -> int:
    """Recompute every figure of the days first..last (local) in three statements.

    One INSERT ... SELECT aggregates all figures (one scan per source table: cases,
    inspections, reviews; UNION ALL; pivoted per day and category) and upserts them; one
    DELETE drops the rows of those days that no longer have anything to count (their
    category emptied). An advisory lock keeps a beat refresh and a backfill from
    interleaving. Returns the number of rows written.
    """
    if last < first:
        raise ValueError("last must not be before first")
    now = now or timezone.now()
    advisory_xact_lock("reports.refresh_daily_figures")
    start, end = day_bounds(first, last)
    by_model: dict = {}
    for kind in FIGURES:
        by_model.setdefault(kind.model, []).append(kind)
    parts, params = [], []
    for model, kinds in by_model.items():
        sql, part_params = _source_select(model, kinds, start=start, end=end, now=now)
        parts.append(sql)
        params += part_params
    columns = ", ".join(COLUMNS)
    pivots = ", ".join(
        f"COALESCE(SUM(u.fig_value) FILTER (WHERE u.code = '{code}'), 0)" for code in COLUMNS
    )
    updates = ", ".join(f"{code} = EXCLUDED.{code}" for code in COLUMNS)
    table = DailyFigure._meta.db_table
    # JIT off: the planner prices the scan of a million cases high enough to compile it,
    # and compiling took 1.2 s of the beat refresh's 1.5 s at 1,000,000 cases (0.29 s
    # without); a year's backfill took 65 s with it, 39 s without (bench/dashboard.py).
    with transaction_settings(jit="off"), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (day, category_id, refreshed_at, {columns})
            SELECT u.fig_day, u.fig_category, %s, {pivots}
            FROM ({" UNION ALL ".join(parts)}) AS u
            GROUP BY u.fig_day, u.fig_category
            ON CONFLICT (day, category_id) DO UPDATE
            SET refreshed_at = EXCLUDED.refreshed_at, {updates}
            """,  # noqa: S608 - identifiers are ours, values go through params
            [now, *params],
        )
        written = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {table} WHERE day BETWEEN %s AND %s AND refreshed_at < %s",  # noqa: S608
            [first, last, now],
        )
    return written


def refresh_recent(*, now: datetime | None = None) -> int:
    """Today and yesterday (local): what the beat keeps fresh."""
    now = now or timezone.now()
    today = timezone.localdate(now, local_zone())
    return refresh_daily_figures(first=today - timedelta(days=1), last=today, now=now)


# --- categories ----------------------------------------------------------------------------
def category_choices() -> list[tuple[int, str]]:
    """The category tree in depth-first order, names indented by depth (one query)."""
    categories = list(Category.objects.only("id", "parent_id", "name_zh", "name_en", "code"))
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    out: list[tuple[int, str]] = []

    def walk(parent_id, depth):
        for category in sorted(children.get(parent_id, []), key=lambda c: c.code):
            out.append((category.pk, "\u2003" * depth + category.name))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return out


def category_subtree(category_id: int) -> list[int]:
    """The category and all its descendants (one recursive query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE tree AS (
                SELECT id FROM core_category WHERE id = %s
                UNION ALL
                SELECT c.id FROM core_category c JOIN tree t ON c.parent_id = t.id
            )
            SELECT id FROM tree
            """,
            [category_id],
        )
        return [row[0] for row in cursor.fetchall()]


# --- what the dashboard reads -------------------------------------------------------------
@dataclass(frozen=True)
class Kpi:
    code: str
    label: Promise
    figure: str  # the count shown, or the numerator of a rate
    of: str | None = None  # the denominator of a rate
    unit: str = "count"  # count | percent | stars
    lower_is_better: bool = False


KPIS: tuple[Kpi, ...] = (
    Kpi("complaints_filed", _("Complaints filed"), "complaints_filed", lower_is_better=True),
    Kpi("complaints_resolved", _("Complaints resolved"), "complaints_resolved"),
    Kpi(
        "response_rate",
        _("Answered within 24 h target"),
        "responded_on_time",
        of="complaints_responded",
        unit="percent",
    ),
    Kpi(
        "resolution_rate",
        _("Resolved within 72 h target"),
        "resolved_on_time",
        of="complaints_resolved",
        unit="percent",
    ),
    Kpi(
        "response_breaches",
        _("Response targets missed"),
        "response_breaches",
        lower_is_better=True,
    ),
    Kpi(
        "resolution_breaches",
        _("Resolution targets missed"),
        "resolution_breaches",
        lower_is_better=True,
    ),
    Kpi(
        "pass_rate",
        _("Inspection pass rate"),
        "inspections_passed",
        of="inspections_decided",
        unit="percent",
    ),
    Kpi(
        "inspections_rejected",
        _("Inspections rejected"),
        "inspections_rejected",
        lower_is_better=True,
    ),
    Kpi("average_rating", _("Average rating"), "ratings_stars", of="ratings_count", unit="stars"),
    Kpi(
        "ad_reports_substantiated",
        _("Ad reports substantiated"),
        "ad_reports_substantiated",
        lower_is_better=True,
    ),
)


def kpi_value(kpi: Kpi, totals: dict[str, int]) -> float | None:
    """The KPI from summed figures; None for a rate with nothing to divide by."""
    if kpi.of is None:
        return totals[kpi.figure]
    denominator = totals[kpi.of]
    if not denominator:
        return None
    ratio = totals[kpi.figure] / denominator
    return round(ratio * 100, 1) if kpi.unit == "percent" else round(ratio, 2)


@dataclass
class Dashboard:
    period: Period
    category_ids: list[int] | None
    series: list[dict] = field(default_factory=list)  # one dict per day, every figure
    totals: dict[str, int] = field(default_factory=dict)
    previous: dict[str, int] = field(default_factory=dict)

    def kpis(self) -> list[dict]:
        out = []
        for kpi in KPIS:
            value = kpi_value(kpi, self.totals)
            before = kpi_value(kpi, self.previous)
            change = None if value is None or before is None else round(value - before, 2)
            out.append(
                {
                    "code": kpi.code,
                    "label": kpi.label,
                    "unit": kpi.unit,
                    "value": value,
                    "previous": before,
                    "change": change,
                    "better": None if not change else (change < 0) == kpi.lower_is_better,
                    "figure": kpi.figure,
                    "figure_total": self.totals[kpi.figure],
                    "of": kpi.of,
                    "of_total": self.totals[kpi.of] if kpi.of else None,
                }
            )
        return out


def _sums() -> dict:
    return {code: Sum(code) for code in COLUMNS}


def dashboard(*, period: Period, category_ids: list[int] | None) -> Dashboard:
    """Daily series and period sums from the daily table: two indexed queries, whatever the
    size of the raw tables."""
    rows = DailyFigure.objects.all()
    if category_ids is not None:
        rows = rows.filter(category_id__in=category_ids)
    by_day = {
        row["day"]: row
        for row in rows.filter(day__range=(period.first, period.last))
        .order_by()
        .values("day")
        .annotate(**_sums())
    }
    series = []
    totals = dict.fromkeys(COLUMNS, 0)
    for day in period.each_day():
        row = by_day.get(day) or {}
        point = {"day": day, **{code: row.get(code) or 0 for code in COLUMNS}}
        for code in COLUMNS:
            totals[code] += point[code]
        series.append(point)
    before = period.previous()
    previous = rows.filter(day__range=(before.first, before.last)).aggregate(**_sums())
    return Dashboard(
        period=period,
        category_ids=category_ids,
        series=series,
        totals=totals,
        previous={code: previous[code] or 0 for code in COLUMNS},
    )


@dataclass(frozen=True)
class Line:
    label: Promise
    figure: str  # the count plotted, or the numerator of a rate
    of: str | None = None  # the denominator of a rate
    drill: str | None = None  # the figure a click on a point lists (default: `figure`)


@dataclass(frozen=True)
class Chart:
    code: str
    title: Promise
    unit: str  # count | percent | stars
    lines: tuple[Line, ...]


CHARTS: tuple[Chart, ...] = (
    Chart(
        "complaints",
        _("Complaints per day"),
        "count",
        (
            Line(_("Filed"), "complaints_filed"),
            Line(_("Resolved"), "complaints_resolved"),
            Line(_("Ad reports substantiated"), "ad_reports_substantiated"),
        ),
    ),
    Chart(
        "sla",
        _("SLA compliance (%)"),
        "percent",
        (
            Line(_("Answered within target"), "responded_on_time", of="complaints_responded"),
            Line(_("Resolved within target"), "resolved_on_time", of="complaints_resolved"),
        ),
    ),
    Chart(
        "breaches",
        _("SLA targets missed per day"),
        "count",
        (
            Line(_("Response"), "response_breaches"),
            Line(_("Resolution"), "resolution_breaches"),
        ),
    ),
    Chart(
        "inspections",
        _("Inspection pass rate (%)"),
        "percent",
        (
            Line(
                _("Passed"),
                "inspections_passed",
                of="inspections_decided",
                drill="inspections_decided",
            ),
        ),
    ),
    Chart(
        "ratings",
        _("Average rating (stars)"),
        "stars",
        (Line(_("Average"), "ratings_stars", of="ratings_count", drill="ratings_count"),),
    ),
)


def _point(line: Line, unit: str, day: dict) -> float | None:
    return kpi_value(Kpi("", "", line.figure, of=line.of, unit=unit), day)


def charts(data: Dashboard) -> dict:
    """What the chart script draws (passed with json_script): the days and, per chart, one
    series per line with the figure a click on a point drills into."""
    return {
        "days": [point["day"].isoformat() for point in data.series],
        "charts": [
            {
                "code": chart.code,
                "title": chart.title,
                "unit": chart.unit,
                "lines": [
                    {
                        "label": line.label,
                        "drill": line.drill or line.figure,
                        "data": [_point(line, chart.unit, day) for day in data.series],
                    }
                    for line in chart.lines
                ],
            }
            for chart in CHARTS
        ],
    }


def chart_tables(charts_data: dict) -> list[dict]:
    """Each chart's numbers as a table, its text alternative: one row per day, one column
    per line, the very values the chart script draws (``charts_data`` is ``charts()``)."""
    days = charts_data["days"]
    return [
        {
            "code": chart["code"],
            "title": chart["title"],
            "unit": chart["unit"],
            "columns": [line["label"] for line in chart["lines"]],
            "rows": [
                {"day": day, "values": [line["data"][index] for line in chart["lines"]]}
                for index, day in enumerate(days)
            ],
        }
        for chart in charts_data["charts"]
    ]

"""The quarterly figures, defined once, in SQL.

Each figure group is one statement over the raw tables, grouped by GROUPING SETS so the
platform total and every merchant's scorecard come out of the same scan; nothing loops
over rows in Python. Every figure counts only what had happened by `as_of` (the instant
the snapshot is taken), so figures never depend on when a statement of the group ran.

Case-level definitions (complaints and false-advertising reports, `complaints_case`):

- filed: a complaint (kind `complaint`) whose `created_at` falls in the quarter.
- resolved: a complaint whose `resolved_at` falls in the quarter (whenever it was filed;
  a reopened case has no `resolved_at` until it is resolved again).
- response within target (the C3.5 24 h target): filed in the quarter, first answered
  (`first_responded_at`) by `as_of`, and no breach of its response clock on record by
  `as_of` (`complaints.models.SLABreach` with `breached_at <= as_of`; the sweep writes it
  when the deadline passes, and the case's own step writes it when the clock stops late
  between two sweeps). The deadline is the one of the SLA policy version the case pinned,
  pushed back by every pause waiting for the consumer, so "24 h" means 24 h of running
  clock under the default policy and a case answered after its first deadline but inside
  the pushed one is within target.
- resolution within target (the 72 h target): the same with `resolved_at` and the
  resolution clock's breach records (any cycle: a reopened case that missed an earlier
  resolution deadline is a miss).
- judged: a filed complaint counts in a share's denominator once its outcome against the
  target is known at `as_of`: it was answered (resolved), or a breach of that clock is on
  record by `as_of` (a miss). A complaint still inside its window, or waiting for the
  consumer with its clock paused before the deadline (`complaints.sla_state`: paused), is
  left out, not counted as met or missed.
- response time: hours from filing to first response, wall clock (what the consumer
  waited); median over the quarter's filed complaints answered by `as_of`.
- resolution time: hours from filing to resolution, wall clock, pauses included; median
  over the quarter's filed complaints resolved by `as_of`.
- ad reports substantiated: false-advertising reports (kind `ad_report`) resolved in the
  quarter with outcome `substantiated`.

Other sources:

- inspections done: lots whose verdict (`decided_at`) falls in the quarter, re-tests
  included (a re-test is a lot judged); passed = status `accepted`; pass rate = passed /
  done. A rejection later overturned by a re-test counts as the rejection it was, its
  re-test as a pass.
- products delisted: distinct products with a listing decision to `delisted` in the
  quarter (core decisions, so a product relisted since still counts).
- sanctions: sanctions starting in the quarter, except the shortened copy of an earlier
  one (`replaces` set), by kind.
- violation points: points of ledger entries that occurred in the quarter, withdrawn ones
  excluded.
- average stars: product reviews written in the quarter, folded ones excluded.
- service rating: service ratings given in the quarter, the mean of the three dimensions.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from complaints.figures import QUARTERLY_CASES_SQL
from inspections.figures import QUARTERLY_INSPECTIONS_SQL

# Figures whose change against the previous quarter is shown, in display order.
PLATFORM_KEYS = (
    "complaints_filed",
    "complaints_resolved",
    "response_within_target_share",
    "resolution_within_target_share",
    "median_response_hours",
    "median_resolution_hours",
    "inspections_done",
    "inspection_pass_rate",
    "products_delisted",
    "sanctions",
    "violation_points",
    "average_stars",
    "average_service_rating",
    "ad_reports_filed",
    "ad_reports_substantiated",
)

SCORECARD_KEYS = (
    "complaints_filed",
    "complaints_resolved",
    "response_within_target_share",
    "resolution_within_target_share",
    "median_response_hours",
    "inspections_done",
    "inspection_pass_rate",
    "products_delisted",
    "sanctions",
    "violation_points",
    "average_stars",
    "average_service_rating",
    "ad_reports_substantiated",
)

SANCTION_KINDS = (
    "warning",
    "sales_restriction",
    "product_delisting",
    "suspension",
    "termination",
)


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int
    start: datetime  # inclusive, aware
    end: datetime  # exclusive, aware

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    def previous(self) -> Period:
        if self.quarter == 1:
            return quarter_period(self.year - 1, 4)
        return quarter_period(self.year, self.quarter - 1)

    def months(self) -> list[str]:
        first = 3 * (self.quarter - 1) + 1
        return [f"{self.year}-{m:02d}" for m in range(first, first + 3)]


def display_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def quarter_period(year: int, quarter: int) -> Period:
    """The quarter in the display time zone (China time): Q3 2026 runs from 1 July 00:00
    to 1 October 00:00 Asia/Shanghai."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, not {quarter}")
    zone = display_zone()
    first_month = 3 * (quarter - 1) + 1
    start = datetime(year, first_month, 1, tzinfo=zone)
    end = (
        datetime(year + 1, 1, 1, tzinfo=zone)
        if quarter == 4
        else datetime(year, first_month + 3, 1, tzinfo=zone)
    )
    return Period(year, quarter, start, end)


def quarter_of(moment: datetime) -> Period:
    local = moment.astimezone(display_zone())
    return quarter_period(local.year, (local.month - 1) // 3 + 1)


def last_day(period: Period) -> date:
    month = 3 * period.quarter
    return date(period.year, month, calendar.monthrange(period.year, month)[1])


# --- the statements -----------------------------------------------------------------------
# `{sets}` is filled from GROUPS below (never from input). g_merchant / g_extra are 0 on
# the rows of the grouping that has that column. The statements over complaints' and
# inspections' own tables live in those apps (complaints.figures, inspections.figures).
CASES = QUARTERLY_CASES_SQL
INSPECTIONS = QUARTERLY_INSPECTIONS_SQL


# object_id is text: compare as text so a non-numeric id of another model is never cast.
DELISTINGS = """
    SELECT GROUPING(p.merchant_id) AS g_merchant, 1 AS g_extra, p.merchant_id,
           count(DISTINCT p.id) AS products_delisted
    FROM core_decision d
    JOIN products_product p ON p.id::text = d.object_id
    WHERE d.content_type_id = %(product_type)s AND d.to_state = 'delisted'
      AND d.created_at >= %(start)s AND d.created_at < %(end)s AND d.created_at <= %(as_of)s
    GROUP BY GROUPING SETS ({sets})
"""

SANCTIONS = """
    SELECT GROUPING(s.merchant_id) AS g_merchant, GROUPING(s.kind) AS g_extra,
           s.merchant_id, s.kind, count(*) AS sanctions
    FROM merchants_sanction s
    WHERE s.starts_at >= %(start)s AND s.starts_at < %(end)s AND s.created_at <= %(as_of)s
      AND s.replaces_id IS NULL
    GROUP BY GROUPING SETS ({sets})
"""

VIOLATIONS = """
    SELECT GROUPING(v.merchant_id) AS g_merchant, 1 AS g_extra, v.merchant_id,
           coalesce(sum(v.points), 0) AS violation_points
    FROM merchants_violationentry v
    WHERE v.occurred_at >= %(start)s AND v.occurred_at < %(end)s
      AND v.recorded_at <= %(as_of)s
      AND NOT (v.status = 'withdrawn' AND v.withdrawn_at <= %(as_of)s)
    GROUP BY GROUPING SETS ({sets})
"""

REVIEWS = """
    SELECT GROUPING(r.merchant_id) AS g_merchant, 1 AS g_extra, r.merchant_id,
           count(*) AS review_count, round(avg(r.stars), 4) AS average_stars
    FROM reviews_productreview r
    WHERE r.created_at >= %(start)s AND r.created_at < %(end)s AND r.created_at <= %(as_of)s
      AND NOT (r.folded AND r.folded_at <= %(as_of)s)
    GROUP BY GROUPING SETS ({sets})
"""

SERVICE_RATINGS = """
    SELECT GROUPING(s.merchant_id) AS g_merchant, 1 AS g_extra, s.merchant_id,
           count(*) AS service_rating_count,
           round(avg(s.description_accuracy + s.service_attitude + s.logistics) / 3.0, 4)
               AS average_service_rating
    FROM reviews_servicerating s
    WHERE s.created_at >= %(start)s AND s.created_at < %(end)s AND s.created_at <= %(as_of)s
    GROUP BY GROUPING SETS ({sets})
"""

# (name, statement, its grouping sets)
GROUPS = (
    ("cases", CASES, "(), (c.merchant_id), (m.month)"),
    ("inspections", INSPECTIONS, "(), (i.merchant_id)"),
    ("delistings", DELISTINGS, "(), (p.merchant_id)"),
    ("sanctions", SANCTIONS, "(), (s.merchant_id), (s.kind)"),
    ("violations", VIOLATIONS, "(), (v.merchant_id)"),
    ("reviews", REVIEWS, "(), (r.merchant_id)"),
    ("service_ratings", SERVICE_RATINGS, "(), (s.merchant_id)"),
)

# Columns that are grouping keys or flags, not figures.
_KEYS = {"g_merchant", "g_extra", "merchant_id", "month", "kind"}


def _number(value):
    """JSON-stable numbers: ints stay ints, the rest become floats rounded to 4 places."""
    if value is None or isinstance(value, bool | int):
        return value
    return round(float(value), 4)


def _share(part, whole):
    return round(part / whole, 4) if whole else None


class Accumulator:
    """Collects the grouped rows of every statement into platform, per-merchant, per-month
    and per-sanction-kind figures, then derives shares and rates."""

    def __init__(self):
        self.platform: dict = {}
        self.merchants: dict[int, dict] = {}
        self.months: dict[str, dict] = {}
        self.sanctions_by_kind: dict[str, int] = {}

    def add(self, rows: list[dict]) -> None:
        for row in rows:
            figures = {k: _number(v) for k, v in row.items() if k not in _KEYS}
            if row["g_merchant"] == 0:
                self.merchants.setdefault(row["merchant_id"], {}).update(figures)
            elif row.get("g_extra") == 0 and row.get("month"):
                self.months[row["month"]] = {"complaints_filed": figures["complaints_filed"]}
            elif row.get("g_extra") == 0 and row.get("kind"):
                self.sanctions_by_kind[row["kind"]] = figures["sanctions"]
            elif row.get("g_extra") == 0:
                continue  # the month grouping's row of cases filed outside the quarter
            else:
                self.platform.update(figures)

    @staticmethod
    def finish(figures: dict, keys) -> dict:
        """Defaults for groups with no rows, then the shares and rates."""
        out = dict(figures)
        for count in (
            "complaints_filed",
            "complaints_resolved",
            "response_met",
            "response_judged",
            "resolution_met",
            "resolution_judged",
            "ad_reports_filed",
            "ad_reports_substantiated",
            "inspections_done",
            "inspections_passed",
            "inspections_rejected",
            "products_delisted",
            "sanctions",
            "violation_points",
            "review_count",
            "service_rating_count",
        ):
            out.setdefault(count, 0)
        for value in (
            "median_response_hours",
            "median_resolution_hours",
            "average_stars",
            "average_service_rating",
        ):
            out.setdefault(value, None)
        out["response_within_target_share"] = _share(out["response_met"], out["response_judged"])
        out["resolution_within_target_share"] = _share(
            out["resolution_met"], out["resolution_judged"]
        )
        out["inspection_pass_rate"] = _share(out["inspections_passed"], out["inspections_done"])
        extra = set(out) - set(keys) - set(_SUPPORTING)
        for key in extra:
            out.pop(key)
        return out


# Counts kept beside the displayed figures: they make each share checkable.
_SUPPORTING = (
    "response_met",
    "response_judged",
    "resolution_met",
    "resolution_judged",
    "inspections_passed",
    "inspections_rejected",
    "review_count",
    "service_rating_count",
)


def run_group(name: str, *, period: Period, as_of: datetime) -> list[dict]:
    """One figure group: one statement, its grouped rows as dicts."""
    from django.contrib.contenttypes.models import ContentType

    from products.models import Product

    statement, sets = next((sql, sets) for group, sql, sets in GROUPS if group == name)
    params = {
        "start": period.start,
        "end": period.end,
        "as_of": as_of,
        "zone": settings.TIME_ZONE,
    }
    if name == "delistings":
        params["product_type"] = ContentType.objects.get_for_model(Product).pk
    # Grouping sets with medians sort the quarter's rows once per set: give the sorts
    # memory for this statement only, so a million rows do not spill to disk.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(statement.format(sets=sets), params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def group_names() -> list[str]:
    return [group for group, *_rest in GROUPS]

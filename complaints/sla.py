"""SLA clock arithmetic: pure, no Django, no database.

A calendar says which instants count. `CalendarHours` counts every instant (24x7, the
default of the C3.5 commitment); `BusinessHours` counts the working intervals of each local
weekday, skipping holidays and counting make-up workdays (China's "调休" Saturdays).

All inputs and outputs are aware datetimes; results are in UTC. Durations are counted in
whole seconds so that "24 h" lands on the same second it started, never a microsecond off.

Boundary rule: a deadline that uses up exactly the rest of a working interval is the end of
that interval (18:00 on Friday), not the start of the next one (09:00 on Monday); a clock
that starts outside working time starts at the next working instant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "Asia/Shanghai"
AT_RISK_FRACTION = 0.75
MINUTES_PER_DAY = 24 * 60
# A business calendar with no working time at all would loop forever: give up after this.
MAX_SEARCH_DAYS = 366 * 5

Interval = tuple[int, int]  # minutes from local midnight, [start, end), end may be 1440


class CalendarError(ValueError):
    """A calendar definition that cannot be used (bad hours, overlapping intervals)."""


def as_seconds(duration: float | int | timedelta) -> int:
    """Hours (int/float) or a timedelta, as whole seconds (rounded to the nearest)."""
    if isinstance(duration, timedelta):
        seconds = duration.total_seconds()
    else:
        seconds = float(duration) * 3600
    if seconds < 0:
        raise ValueError("An SLA duration cannot be negative.")
    return round(seconds)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("SLA arithmetic needs aware datetimes.")


class Calendar:
    """What counts as SLA time. Subclasses implement the two primitives."""

    def add(self, start: datetime, seconds: int) -> datetime:  # pragma: no cover - abstract
        raise NotImplementedError

    def seconds_between(self, start: datetime, end: datetime) -> int:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class CalendarHours(Calendar):
    """Every second counts (24x7)."""

    def add(self, start: datetime, seconds: int) -> datetime:
        _require_aware(start)
        return (start + timedelta(seconds=seconds)).astimezone(UTC)

    def seconds_between(self, start: datetime, end: datetime) -> int:
        _require_aware(start)
        _require_aware(end)
        return max(round((end - start).total_seconds()), 0)


_HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_intervals(spec: str | Iterable[str] | Iterable[Iterable]) -> tuple[Interval, ...]:
    """'09:00-12:00, 13:00-18:00' or ['09:00-18:00'] or [('09:00', '18:00')] → intervals.

    Intervals must be increasing and must not overlap; '24:00' may end the last one.
    """
    if isinstance(spec, str):
        parts = [p for p in spec.split(",") if p.strip()]
    else:
        parts = [p if isinstance(p, str) else "-".join(p) for p in spec]
    intervals: list[Interval] = []
    for part in parts:
        match = _HOURS_RE.match(part)
        if not match:
            raise CalendarError(f"Working hours must look like 09:00-18:00, not {part!r}.")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or start >= MINUTES_PER_DAY or end > MINUTES_PER_DAY:
            raise CalendarError(f"{part!r} is not a time of day.")
        if end <= start:
            raise CalendarError(f"{part!r} ends before it starts.")
        if intervals and start < intervals[-1][1]:
            raise CalendarError(f"{part!r} overlaps or comes before the previous interval.")
        intervals.append((start, end))
    return tuple(intervals)


def format_intervals(intervals: Iterable[Interval]) -> str:
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in intervals)


STANDARD_DAY = parse_intervals("09:00-18:00")


@dataclass(frozen=True)
class BusinessHours(Calendar):
    """Working intervals per local weekday (Monday = 0), holidays and make-up workdays.

    `weekly` maps weekday → intervals (missing weekdays are days off). A holiday has no
    working time even on a weekday; a make-up workday works `makeup_hours` (by default the
    first weekday's hours) even on a weekend. A date cannot be both.
    """

    weekly: Mapping[int, tuple[Interval, ...]] = field(
        default_factory=lambda: dict.fromkeys(range(5), STANDARD_DAY)
    )
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()
    time_zone: str = DEFAULT_TIME_ZONE
    makeup_hours: tuple[Interval, ...] | None = None

    def __post_init__(self):
        both = self.holidays & self.makeup_workdays
        if both:
            raise CalendarError(f"{min(both)} is both a holiday and a make-up workday.")
        try:
            ZoneInfo(self.time_zone)
        except Exception as exc:
            raise CalendarError(f"Unknown time zone {self.time_zone!r}.") from exc
        if not any(self.weekly.get(d) for d in range(7)) and not self.makeup_workdays:
            raise CalendarError("A business calendar needs some working hours.")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        if day in self.holidays:
            return ()
        if day in self.makeup_workdays:
            if self.makeup_hours is not None:
                return self.makeup_hours
            return next((self.weekly[d] for d in range(7) if self.weekly.get(d)), STANDARD_DAY)
        return tuple(self.weekly.get(day.weekday(), ()))

    def _windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows (UTC) from `start` on, the first clipped to begin at `start`."""
        tz = self.tz
        day = start.astimezone(tz).date()
        for _ in range(MAX_SEARCH_DAYS):
            midnight = datetime.combine(day, time(0), tzinfo=tz)
            for begin_min, end_min in self.intervals_on(day):
                begin = (midnight + timedelta(minutes=begin_min)).astimezone(UTC)
                end = (midnight + timedelta(minutes=end_min)).astimezone(UTC)
                if end <= start:
                    continue
                yield max(begin, start), end
            day += timedelta(days=1)
        raise CalendarError("No working time within five years: check the calendar.")

    def add(self, start: datetime, seconds: int) -> datetime:
        _require_aware(start)
        start = start.astimezone(UTC)
        if seconds == 0:
            return start
        remaining = timedelta(seconds=seconds)
        for begin, end in self._windows(start):
            if end - begin >= remaining:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("unreachable: _windows raises when exhausted")

    def seconds_between(self, start: datetime, end: datetime) -> int:
        _require_aware(start)
        _require_aware(end)
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0
        total = timedelta(0)
        tz = self.tz
        day = start.astimezone(tz).date()
        last = end.astimezone(tz).date()
        while day <= last:
            midnight = datetime.combine(day, time(0), tzinfo=tz)
            for begin_min, end_min in self.intervals_on(day):
                begin = max((midnight + timedelta(minutes=begin_min)).astimezone(UTC), start)
                stop = min((midnight + timedelta(minutes=end_min)).astimezone(UTC), end)
                if stop > begin:
                    total += stop - begin
            day += timedelta(days=1)
        return round(total.total_seconds())


CALENDAR_HOURS = CalendarHours()


def business_calendar(
    weekly: Mapping[int | str, object] | None = None,
    *,
    holidays: Iterable[date] = (),
    makeup_workdays: Iterable[date] = (),
    time_zone: str = DEFAULT_TIME_ZONE,
) -> BusinessHours:
    """Build a BusinessHours from loose input: weekly = {0: '09:00-18:00', ...} (str keys
    accepted, as stored in JSON); None means Monday to Friday 09:00-18:00."""
    if weekly is None:
        parsed = dict.fromkeys(range(5), STANDARD_DAY)
    else:
        parsed = {}
        for key, spec in weekly.items():
            weekday = int(key)
            if not 0 <= weekday <= 6:
                raise CalendarError(f"Weekday {key!r} must be 0 (Monday) to 6 (Sunday).")
            intervals = parse_intervals(spec) if spec else ()
            if intervals:
                parsed[weekday] = intervals
    return BusinessHours(
        weekly=parsed,
        holidays=frozenset(holidays),
        makeup_workdays=frozenset(makeup_workdays),
        time_zone=time_zone,
    )


def add_duration(start: datetime, hours: float | int | timedelta, calendar: Calendar) -> datetime:
    """The absolute UTC instant `hours` of calendar time after `start`."""
    return calendar.add(start, as_seconds(hours))


def at_risk_instant(
    start: datetime,
    hours: float | int | timedelta,
    calendar: Calendar,
    fraction: float = AT_RISK_FRACTION,
) -> datetime:
    """The instant `fraction` (75 %) of the target has elapsed, in the same calendar."""
    if not 0 < fraction <= 1:
        raise ValueError("The at-risk fraction must be in (0, 1].")
    return calendar.add(start, round(as_seconds(hours) * fraction))


@dataclass(frozen=True)
class Target:
    """One SLA target started at `start`: its deadline and at-risk instant."""

    due_at: datetime
    at_risk_at: datetime


def target(
    start: datetime,
    hours: float | int | timedelta,
    calendar: Calendar,
    fraction: float = AT_RISK_FRACTION,
) -> Target:
    return Target(
        due_at=add_duration(start, hours, calendar),
        at_risk_at=at_risk_instant(start, hours, calendar, fraction),
    )


def paused_seconds(paused_at: datetime, resumed_at: datetime, calendar: Calendar) -> int:
    """How much SLA time a pause took: only calendar time counts (a pause over a weekend
    in business hours costs nothing)."""
    return calendar.seconds_between(paused_at, resumed_at)


def push(
    instants: Mapping[str, datetime | None],
    *,
    paused_at: datetime,
    resumed_at: datetime,
    calendar: Calendar,
) -> tuple[dict[str, datetime | None], int]:
    """Resume after a pause: each instant still ahead when the pause began moves later by
    the paused calendar time; instants already passed (a breach that happened before the
    pause) stay where they were, so a pause never un-breaches a case.

    Returns (new instants, paused seconds).
    """
    _require_aware(paused_at)
    _require_aware(resumed_at)
    if resumed_at < paused_at:
        raise ValueError("A pause cannot end before it started.")
    seconds = paused_seconds(paused_at, resumed_at, calendar)
    pushed: dict[str, datetime | None] = {}
    for name, instant in instants.items():
        if instant is None or instant <= paused_at or seconds == 0:
            pushed[name] = instant.astimezone(UTC) if instant is not None else None
        else:
            pushed[name] = calendar.add(instant, seconds)
    return pushed, seconds


def remaining_seconds(now: datetime, due_at: datetime, calendar: Calendar) -> int:
    """Calendar time left until a deadline (negative when overdue, in wall seconds)."""
    if due_at <= now:
        return -round((now - due_at).total_seconds())
    return calendar.seconds_between(now, due_at)

"""complaints.sla: pure clock arithmetic, no database."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints import sla

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    """A Shanghai wall-clock instant."""
    return datetime(*args, tzinfo=SH)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# 2026-11-27 is a Friday, 2026-11-30 a Monday.
OFFICE = sla.business_calendar()  # Monday to Friday 09:00-18:00, Asia/Shanghai


class TestCalendarHours:
    def test_24_hours_land_on_the_same_second_next_day(self):
        start = utc(2026, 11, 23, 10, 0, 7)
        assert sla.add_duration(start, 24, sla.CALENDAR_HOURS) == utc(2026, 11, 24, 10, 0, 7)

    def test_72_hours_run_through_the_weekend(self):
        start = utc(2026, 11, 27, 10, 0)
        assert sla.add_duration(start, 72, sla.CALENDAR_HOURS) == utc(2026, 11, 30, 10, 0)

    def test_result_is_utc_whatever_the_input_zone(self):
        due = sla.add_duration(sh(2026, 11, 23, 18, 0), 24, sla.CALENDAR_HOURS)
        assert due.tzinfo == UTC
        assert due == utc(2026, 11, 24, 10, 0)

    def test_at_risk_is_75_percent_of_the_target(self):
        start = utc(2026, 11, 23, 0, 0)
        assert sla.at_risk_instant(start, 24, sla.CALENDAR_HOURS) == utc(2026, 11, 23, 18, 0)
        assert sla.at_risk_instant(start, 72, sla.CALENDAR_HOURS) == utc(2026, 11, 25, 6, 0)

    def test_fractional_hours_and_timedeltas_are_counted_in_whole_seconds(self):
        start = utc(2026, 11, 23, 0, 0)
        assert sla.add_duration(start, 0.5, sla.CALENDAR_HOURS) == utc(2026, 11, 23, 0, 30)
        assert sla.add_duration(start, timedelta(seconds=1), sla.CALENDAR_HOURS) == utc(
            2026, 11, 23, 0, 0, 1
        )

    def test_negative_durations_and_naive_datetimes_are_refused(self):
        with pytest.raises(ValueError):
            sla.add_duration(utc(2026, 11, 23), -1, sla.CALENDAR_HOURS)
        with pytest.raises(ValueError):
            sla.add_duration(datetime(2026, 11, 23), 1, sla.CALENDAR_HOURS)


class TestBusinessHours:
    def test_default_time_zone_is_shanghai(self):
        assert OFFICE.time_zone == "Asia/Shanghai"
        # Monday 08:00 UTC is 16:00 in Shanghai: 2 h left today, 7 h more on Tuesday.
        assert sla.add_duration(utc(2026, 11, 30, 8, 0), 9, OFFICE) == sh(2026, 12, 1, 16, 0)

    def test_using_exactly_the_rest_of_the_day_ends_at_closing_time(self):
        assert sla.add_duration(sh(2026, 11, 27, 9, 0), 9, OFFICE) == sh(2026, 11, 27, 18, 0)

    def test_one_second_more_rolls_over_the_weekend_to_monday(self):
        due = sla.add_duration(sh(2026, 11, 27, 9, 0), timedelta(hours=9, seconds=1), OFFICE)
        assert due == sh(2026, 11, 30, 9, 0, 1)

    def test_24_business_hours_from_friday_afternoon_skip_the_weekend(self):
        # Fri 16-18 (2 h) + Mon 9 h + Tue 9 h + Wed 4 h = 24 h → Wednesday 13:00.
        assert sla.add_duration(sh(2026, 11, 27, 16, 0), 24, OFFICE) == sh(2026, 12, 2, 13, 0)

    def test_a_clock_started_on_saturday_starts_on_monday_morning(self):
        assert sla.add_duration(sh(2026, 11, 28, 11, 0), 1, OFFICE) == sh(2026, 11, 30, 10, 0)

    def test_a_clock_started_before_opening_starts_at_opening(self):
        assert sla.add_duration(sh(2026, 11, 30, 6, 30), 2, OFFICE) == sh(2026, 11, 30, 11, 0)

    def test_a_holiday_on_a_weekday_is_skipped(self):
        calendar = sla.business_calendar(holidays=[date(2026, 11, 30)])
        # Friday 17:00 + 2 h: 1 h on Friday, Monday is a holiday, 1 h on Tuesday.
        assert sla.add_duration(sh(2026, 11, 27, 17, 0), 2, calendar) == sh(2026, 12, 1, 10, 0)

    def test_a_make_up_workday_on_saturday_counts(self):
        calendar = sla.business_calendar(makeup_workdays=[date(2026, 11, 28)])
        assert sla.add_duration(sh(2026, 11, 27, 17, 0), 2, calendar) == sh(2026, 11, 28, 10, 0)

    def test_golden_week_with_make_up_days(self):
        # National Day 2026: 1-7 October off, Sunday 27 Sept and Saturday 10 Oct worked.
        calendar = sla.business_calendar(
            holidays=[date(2026, 10, d) for d in range(1, 8)],
            makeup_workdays=[date(2026, 9, 27), date(2026, 10, 10)],
        )
        # Sat 26 Sept 12:00: Sunday 27 is worked (9 h), Mon 28, Tue 29, Wed 30 (27 h) = 36 h,
        # then 1-7 Oct are off, Thu 8 Oct (9 h) = 45 h, Fri 9 Oct 3 h → 12:00.
        assert sla.add_duration(sh(2026, 9, 26, 12, 0), 48, calendar) == sh(2026, 10, 9, 12, 0)

    def test_a_day_cannot_be_both_a_holiday_and_a_make_up_day(self):
        with pytest.raises(sla.CalendarError):
            sla.business_calendar(holidays=[date(2026, 1, 1)], makeup_workdays=[date(2026, 1, 1)])

    def test_lunch_break_is_not_counted(self):
        calendar = sla.business_calendar(dict.fromkeys(range(5), "09:00-12:00, 13:00-18:00"))
        assert sla.add_duration(sh(2026, 11, 30, 11, 0), 2, calendar) == sh(2026, 11, 30, 14, 0)
        # Exactly the morning's rest ends at 12:00, not 13:00.
        assert sla.add_duration(sh(2026, 11, 30, 11, 0), 1, calendar) == sh(2026, 11, 30, 12, 0)

    def test_at_risk_is_75_percent_of_business_time(self):
        # 8 h target from Friday 16:00: 6 h in → Monday 13:00; due Monday 15:00.
        target = sla.target(sh(2026, 11, 27, 16, 0), 8, OFFICE)
        assert target.at_risk_at == sh(2026, 11, 30, 13, 0)
        assert target.due_at == sh(2026, 11, 30, 15, 0)

    def test_hours_are_local_wall_clock_across_a_dst_change(self):
        berlin = sla.business_calendar(time_zone="Europe/Berlin")
        # Summer time starts Sunday 29 March 2026. Friday 17:00 CET + 2 h → Monday 10:00 CEST.
        due = sla.add_duration(datetime(2026, 3, 27, 16, 0, tzinfo=UTC), 2, berlin)
        assert due == utc(2026, 3, 30, 8, 0)

    def test_round_the_clock_business_calendar_matches_calendar_hours(self):
        always = sla.business_calendar(dict.fromkeys(range(7), "00:00-24:00"))
        start = utc(2026, 11, 27, 13, 17, 5)
        for hours in (1, 24, 72, 200):
            assert sla.add_duration(start, hours, always) == sla.add_duration(
                start, hours, sla.CALENDAR_HOURS
            )

    def test_seconds_between_counts_only_working_time(self):
        # Friday 17:00 → Monday 10:00 = 1 h + 1 h.
        assert OFFICE.seconds_between(sh(2026, 11, 27, 17, 0), sh(2026, 11, 30, 10, 0)) == 7200
        assert OFFICE.seconds_between(sh(2026, 11, 28, 10, 0), sh(2026, 11, 29, 10, 0)) == 0
        assert OFFICE.seconds_between(sh(2026, 11, 30, 10, 0), sh(2026, 11, 27, 10, 0)) == 0

    @pytest.mark.parametrize(
        "spec",
        ["9-18", "09:00-08:00", "09:00-25:00", "09:00-12:00, 11:00-18:00", "09:60-10:00"],
    )
    def test_bad_working_hours_are_refused(self, spec):
        with pytest.raises(sla.CalendarError):
            sla.parse_intervals(spec)

    def test_a_calendar_without_working_time_is_refused(self):
        with pytest.raises(sla.CalendarError):
            sla.business_calendar({})

    def test_intervals_round_trip_through_text(self):
        text = "09:00-12:00, 13:30-24:00"
        assert sla.format_intervals(sla.parse_intervals(text)) == text


class TestPauseAndResume:
    def test_resuming_pushes_deadlines_by_the_pause_in_calendar_hours(self):
        pushed, seconds = sla.push(
            {"due": utc(2026, 11, 24, 10, 0), "at_risk": utc(2026, 11, 24, 4, 0)},
            paused_at=utc(2026, 11, 23, 12, 0),
            resumed_at=utc(2026, 11, 23, 15, 30, 20),
            calendar=sla.CALENDAR_HOURS,
        )
        assert seconds == 3 * 3600 + 30 * 60 + 20
        assert pushed == {
            "due": utc(2026, 11, 24, 13, 30, 20),
            "at_risk": utc(2026, 11, 24, 7, 30, 20),
        }

    def test_a_pause_over_the_weekend_costs_only_working_time(self):
        # Paused Friday 17:00, resumed Monday 10:00: 2 working hours.
        pushed, seconds = sla.push(
            {"due": sh(2026, 12, 1, 17, 0)},
            paused_at=sh(2026, 11, 27, 17, 0),
            resumed_at=sh(2026, 11, 30, 10, 0),
            calendar=OFFICE,
        )
        assert seconds == 7200
        # Tuesday 17:00 + 2 working hours → Wednesday 10:00.
        assert pushed["due"] == sh(2026, 12, 2, 10, 0)

    def test_a_pause_over_a_holiday_costs_nothing_of_the_holiday(self):
        calendar = sla.business_calendar(holidays=[date(2026, 11, 30)])
        pushed, seconds = sla.push(
            {"due": sh(2026, 12, 2, 12, 0)},
            paused_at=sh(2026, 11, 27, 18, 0),
            resumed_at=sh(2026, 12, 1, 9, 0),
            calendar=calendar,
        )
        assert seconds == 0
        assert pushed["due"] == sh(2026, 12, 2, 12, 0)

    def test_deadlines_passed_before_the_pause_stay_breached(self):
        pushed, _seconds = sla.push(
            {"due": utc(2026, 11, 23, 11, 0), "missing": None},
            paused_at=utc(2026, 11, 23, 12, 0),
            resumed_at=utc(2026, 11, 23, 14, 0),
            calendar=sla.CALENDAR_HOURS,
        )
        assert pushed == {"due": utc(2026, 11, 23, 11, 0), "missing": None}

    def test_a_pause_cannot_end_before_it_started(self):
        with pytest.raises(ValueError):
            sla.push(
                {},
                paused_at=utc(2026, 11, 23, 12, 0),
                resumed_at=utc(2026, 11, 23, 11, 0),
                calendar=sla.CALENDAR_HOURS,
            )

    def test_remaining_time_is_calendar_time_or_negative_when_overdue(self):
        assert (
            sla.remaining_seconds(sh(2026, 11, 27, 17, 0), sh(2026, 11, 30, 10, 0), OFFICE) == 7200
        )
        assert sla.remaining_seconds(utc(2026, 11, 23, 12), utc(2026, 11, 23, 11), OFFICE) == -3600

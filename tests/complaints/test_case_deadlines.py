"""Deadlines stored on a case: pinned policy, exact instants, pauses and resumes."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from complaints import services
from complaints.models import CalendarDay, CalendarKind, CaseKind, CasePause, Priority
from core.audit import decisions_for
from core.exceptions import DomainError
from tests.factories.complaints import BusinessCalendarFactory, CaseFactory

pytestmark = pytest.mark.django_db

FILED = datetime(2026, 11, 23, 9, 15, 42, tzinfo=UTC)  # a Monday


def test_a_new_case_is_due_24_and_72_hours_later_to_the_second():
    with time_machine.travel(FILED, tick=False):
        case = CaseFactory()
    assert case.response_due_at == FILED + timedelta(hours=24)
    assert case.response_at_risk_at == FILED + timedelta(hours=18)
    assert case.resolution_due_at == FILED + timedelta(hours=72)
    assert case.resolution_at_risk_at == FILED + timedelta(hours=54)
    assert case.policy.version == 1
    assert (case.policy.first_response_hours, case.policy.resolution_hours) == (24, 72)


def test_a_case_keeps_its_policy_version_when_a_new_one_is_published():
    with time_machine.travel(FILED, tick=False):
        old = CaseFactory()
        services.publish_policy(
            kind=CaseKind.COMPLAINT,
            priority=Priority.NORMAL,
            first_response_hours=4,
            resolution_hours=48,
            note="faster",
        )
        new = CaseFactory()
    old.refresh_from_db()
    assert old.policy.version == 1
    assert old.response_due_at == FILED + timedelta(hours=24)
    assert new.policy.version == 2
    assert new.response_due_at == FILED + timedelta(hours=4)
    assert new.resolution_due_at == FILED + timedelta(hours=48)


def test_a_used_policy_version_cannot_be_edited():
    case = CaseFactory()
    policy = case.policy
    policy.first_response_hours = 1
    with pytest.raises(DomainError):
        policy.save()


def test_a_version_published_for_later_does_not_apply_yet():
    with time_machine.travel(FILED, tick=False):
        CaseFactory()
        services.publish_policy(
            kind=CaseKind.COMPLAINT,
            priority=Priority.NORMAL,
            first_response_hours=2,
            effective_from=FILED + timedelta(days=1),
        )
        today = CaseFactory()
    with time_machine.travel(FILED + timedelta(days=1), tick=False):
        tomorrow = CaseFactory()
    assert today.policy.version == 1
    assert tomorrow.policy.version == 2
    assert tomorrow.response_due_at == FILED + timedelta(days=1, hours=2)


def test_business_hours_policy_skips_the_weekend_and_a_holiday():
    calendar = BusinessCalendarFactory()  # Mon-Fri 09:00-18:00 Shanghai
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 11, 30), kind="holiday")
    services.publish_policy(
        kind=CaseKind.COMPLAINT,
        priority=Priority.NORMAL,
        first_response_hours=8,
        resolution_hours=24,
        calendar_kind=CalendarKind.BUSINESS_HOURS,
        business_calendar=calendar,
        effective_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    # Friday 27 Nov 16:00 Shanghai = 08:00 UTC. 2 h on Friday, Monday is a holiday,
    # so 6 h on Tuesday → response Tuesday 15:00 (07:00 UTC); at risk after 6 h → 13:00.
    with time_machine.travel(datetime(2026, 11, 27, 8, 0, tzinfo=UTC), tick=False):
        case = CaseFactory()
    assert case.response_due_at == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert case.response_at_risk_at == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    # 24 h: Fri 2 + Tue 9 + Wed 9 + Thu 4 → Thursday 13:00 Shanghai.
    assert case.resolution_due_at == datetime(2026, 12, 3, 5, 0, tzinfo=UTC)


def test_waiting_for_the_consumer_pauses_and_resuming_pushes_the_deadlines(agent):
    with time_machine.travel(FILED, tick=False):
        case = CaseFactory()
        services.assign(case=case, to=agent, by=agent)
    asked = FILED + timedelta(hours=2)
    with time_machine.travel(asked, tick=False):
        services.ask_consumer(case=case, by=agent, question="Which model is it?")
    replied = asked + timedelta(hours=5, minutes=30, seconds=7)
    with time_machine.travel(replied, tick=False):
        services.consumer_replied(case=case, text="The KX-200.")
    case.refresh_from_db()
    pause = CasePause.objects.get(case=case)
    paused = timedelta(hours=5, minutes=30, seconds=7)
    assert (pause.started_at, pause.ended_at, pause.paused_seconds) == (asked, replied, 19807)
    assert case.status == "assigned"
    assert case.paused_at is None
    assert case.paused_seconds == 19807
    assert case.resolution_due_at == FILED + timedelta(hours=72) + paused
    assert case.resolution_at_risk_at == FILED + timedelta(hours=54) + paused
    # The question was the first response: that clock stopped and is not pushed.
    assert case.first_responded_at == asked
    assert case.response_due_at == FILED + timedelta(hours=24)
    actions = [d.action for d in decisions_for(case)]
    assert actions == ["open", "assign", "first_response", "ask_consumer", "consumer_replied"]


def test_every_pause_is_logged_and_adds_up(agent):
    with time_machine.travel(FILED, tick=False) as traveller:
        case = CaseFactory()
        services.assign(case=case, to=agent)
        for minutes in (10, 20):
            services.ask_consumer(case=case, by=agent, question="Photo please")
            traveller.shift(timedelta(minutes=minutes))
            services.consumer_replied(case=case, text="Here")
    case.refresh_from_db()
    assert list(CasePause.objects.filter(case=case).values_list("paused_seconds", flat=True)) == [
        600,
        1200,
    ]
    assert case.resolution_due_at == FILED + timedelta(hours=72, minutes=30)


def test_a_pause_in_business_hours_over_the_weekend_costs_only_working_time(agent):
    calendar = BusinessCalendarFactory()
    services.publish_policy(
        kind=CaseKind.COMPLAINT,
        priority=Priority.NORMAL,
        resolution_hours=24,
        calendar_kind=CalendarKind.BUSINESS_HOURS,
        business_calendar=calendar,
        effective_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    # Thursday 26 Nov 10:00 Shanghai (02:00 UTC): Thu 8 h + Fri 9 h + Mon 7 h → Mon 16:00.
    with time_machine.travel(datetime(2026, 11, 26, 2, 0, tzinfo=UTC), tick=False):
        case = CaseFactory()
        services.assign(case=case, to=agent)
    assert case.resolution_due_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    # Paused Friday 17:00, resumed Monday 10:00 Shanghai: 2 working hours.
    with time_machine.travel(datetime(2026, 11, 27, 9, 0, tzinfo=UTC), tick=False):
        services.ask_consumer(case=case, by=agent, question="Receipt?")
    with time_machine.travel(datetime(2026, 11, 30, 2, 0, tzinfo=UTC), tick=False):
        services.consumer_replied(case=case, text="Attached")
    case.refresh_from_db()
    assert case.paused_seconds == 7200
    assert case.resolution_due_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Mon 18:00


def test_asking_the_merchant_starts_their_own_answer_clock(agent):
    with time_machine.travel(FILED, tick=False):
        case = CaseFactory()
        services.assign(case=case, to=agent)
        services.ask_merchant(case=case, by=agent, question="Your side?")
    case.refresh_from_db()
    assert case.status == "awaiting_merchant"
    assert case.merchant_answer_due_at == FILED + timedelta(hours=24)
    assert case.merchant_answer_at_risk_at == FILED + timedelta(hours=18)
    assert case.merchant_request_count == 1


def test_a_case_recorded_later_starts_its_clocks_when_it_was_received(role_user):
    staff = role_user("consumer_service")
    with time_machine.travel(FILED + timedelta(hours=2), tick=False):
        case = CaseFactory(channel="phone", by=staff, received_at=FILED)
        assert case.created_by == staff
        with pytest.raises(DomainError):
            CaseFactory(received_at=FILED + timedelta(hours=3))
    assert case.created_at == FILED
    assert case.response_due_at == FILED + timedelta(hours=24)


def test_the_demo_seed_builds_cases_in_every_state_once():
    from complaints import demo as complaints_demo
    from core import demo as core_demo
    from merchants import demo as merchants_demo

    for module in (core_demo, merchants_demo, complaints_demo):
        module.seed(lambda line: None)
    complaints_demo.seed(lambda line: None)  # idempotent
    from complaints.models import Case

    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == {"new", "assigned", "awaiting_consumer", "awaiting_merchant", "closed"}
    assert Case.objects.count() == 8

"""One SLA state (complaints.sla_state): the Python function and the SQL expression agree on
every state and boundary, and the case page, the API filter and the dashboard agree on a
paused case. Dates are relative to the real date (any date works, see README)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from complaints import services, sla_state
from complaints.models import Case, Target
from complaints.selectors import clocks_for
from complaints.sweep import sweep
from reports.services import dashboards
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db

# A whole hour a month before the real date: every instant below is relative to it.
FILED = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=30)
CASES = "/api/v1/cases/"


def at(hours: float, seconds: int = 0) -> datetime:
    return FILED + timedelta(hours=hours, seconds=seconds)


def travel(hours: float, seconds: int = 0):
    return time_machine.travel(at(hours, seconds), tick=False)


def sql_states(case: Case, now: datetime) -> dict[str, str]:
    row = Case.objects.filter(pk=case.pk).annotate(**sla_state.state_aliases(now)).get()
    states = {target: getattr(row, f"sla_{target}") for target in sla_state.CLOCKS}
    return {target: state for target, state in states.items() if state is not None}


def sql_case_state(case: Case, now: datetime) -> str:
    row = (
        Case.objects.filter(pk=case.pk)
        .alias(**sla_state.state_aliases(now))
        .annotate(state=sla_state.case_state_expression(now))
        .get()
    )
    return row.state


def assert_agree(case: Case, now: datetime, expected: dict[str, str]) -> None:
    case.refresh_from_db()
    python = sla_state.case_clock_states(case, now)
    assert python == expected
    assert sql_states(case, now) == expected
    assert sla_state.case_state(case, now) == sql_case_state(case, now)
    for target, state in expected.items():
        found = sla_state.in_state(Case.objects.filter(pk=case.pk), state, now, target=target)
        assert list(found) == [case]


def test_the_pure_function_orders_its_rules():
    due, risk = at(24), at(18)
    state = sla_state.clock_state
    assert state(due_at=due, at_risk_at=risk, now=at(18, -1)) == sla_state.ON_TIME
    assert state(due_at=due, at_risk_at=risk, now=at(18)) == sla_state.AT_RISK
    assert state(due_at=due, at_risk_at=risk, now=at(24, -1)) == sla_state.AT_RISK
    assert state(due_at=due, at_risk_at=risk, now=at(24)) == sla_state.BREACHED
    # Met exactly at the deadline is on time; a second later is a breach.
    assert state(due_at=due, at_risk_at=risk, now=at(30), done_at=due) == sla_state.STOPPED
    assert state(due_at=due, at_risk_at=risk, now=at(30), done_at=at(24, 1)) == "breached"
    # Paused: judged at the pause, whatever the wall clock says.
    assert state(due_at=due, at_risk_at=risk, now=at(99), paused_at=at(20)) == sla_state.PAUSED
    assert state(due_at=due, at_risk_at=risk, now=at(99), paused_at=due) == sla_state.BREACHED
    assert state(due_at=due, at_risk_at=risk, now=at(99), running=False) == sla_state.STOPPED


def test_python_and_sql_agree_at_the_75_percent_boundary_and_at_the_due_instant():
    with travel(0):
        case = CaseFactory()
    on_time = {Target.RESPONSE: sla_state.ON_TIME, Target.RESOLUTION: sla_state.ON_TIME}
    assert_agree(case, at(18, -1), on_time)
    assert_agree(case, at(18), {**on_time, Target.RESPONSE: sla_state.AT_RISK})
    assert_agree(case, at(24, -1), {**on_time, Target.RESPONSE: sla_state.AT_RISK})
    assert_agree(case, at(24), {**on_time, Target.RESPONSE: sla_state.BREACHED})
    assert_agree(
        case, at(54), {Target.RESPONSE: sla_state.BREACHED, Target.RESOLUTION: sla_state.AT_RISK}
    )
    assert_agree(
        case, at(72), {Target.RESPONSE: sla_state.BREACHED, Target.RESOLUTION: sla_state.BREACHED}
    )
    assert sla_state.case_state(case, at(18)) == sla_state.AT_RISK
    assert sla_state.case_state(case, at(24)) == sla_state.BREACHED


def test_python_and_sql_agree_on_paused_met_and_merchant_clocks(agent):
    with travel(0):
        paused, late_pause, met, merchant = CaseFactory.create_batch(4)
    with travel(1):
        services.assign(case=paused, to=agent)
        services.ask_consumer(case=paused, by=agent, question="A photo, please?")
        services.assign(case=met, to=agent)
        services.respond(case=met, by=agent, text="On it.")
        services.assign(case=merchant, to=agent)
        services.respond(case=merchant, by=agent, text="Asking the shop.")
        services.ask_merchant(case=merchant, by=agent, question="Batch number?")
    with travel(10):
        services.resolve(case=met, by=agent, outcome="refund")
    with travel(80):  # after the 72 h resolution deadline
        services.assign(case=late_pause, to=agent)
        services.ask_consumer(case=late_pause, by=agent, question="Still there?")

    # Paused an hour after filing, long past the old deadlines: paused, not breached.
    assert_agree(paused, at(100), {Target.RESPONSE: sla_state.STOPPED, Target.RESOLUTION: "paused"})
    # Paused after its deadlines had passed: breached, judged at the pause.
    assert_agree(
        late_pause,
        at(100),
        {Target.RESPONSE: sla_state.BREACHED, Target.RESOLUTION: sla_state.BREACHED},
    )
    assert_agree(met, at(100), {Target.RESPONSE: "stopped", Target.RESOLUTION: "stopped"})
    # The merchant's 24 h answer window from 1 h: at risk at 19 h, breached at 25 h.
    stopped_response = {Target.RESPONSE: sla_state.STOPPED}
    assert_agree(
        merchant,
        at(19, -1),
        {**stopped_response, Target.RESOLUTION: "on_time", Target.MERCHANT_ANSWER: "on_time"},
    )
    assert_agree(
        merchant,
        at(19),
        {**stopped_response, Target.RESOLUTION: "on_time", Target.MERCHANT_ANSWER: "at_risk"},
    )
    assert_agree(
        merchant,
        at(25),
        {**stopped_response, Target.RESOLUTION: "on_time", Target.MERCHANT_ANSWER: "breached"},
    )


def test_the_case_page_the_api_filter_and_the_dashboard_agree_on_a_paused_case(agent, api):
    with travel(0):
        paused, breached = CaseFactory.create_batch(2)
    with travel(1):
        services.assign(case=paused, to=agent)
        services.ask_consumer(case=paused, by=agent, question="A photo, please?")
        services.assign(case=breached, to=agent)
        services.respond(case=breached, by=agent, text="On it.")
    with travel(73):
        sweep()  # the resolution deadline (72 h) of the running case has passed: recorded
    with travel(74):
        services.ask_consumer(case=breached, by=agent, question="Which colour?")
    now = at(200)
    with travel(200):
        # The case page.
        paused.refresh_from_db()
        breached.refresh_from_db()
        page = {c.target: c.state for c in clocks_for(paused, now)}
        assert page[Target.RESOLUTION] == "paused"
        assert {c.target: c.state for c in clocks_for(breached, now)}[Target.RESOLUTION] == (
            "breached"
        )
        # The API: its filter and the state it lists.
        client = api(agent)
        listed = client.get(f"{CASES}?sla=resolution_breached").json()["results"]
        assert [row["id"] for row in listed] == [breached.pk]
        listed = {row["id"]: row["sla_state"] for row in client.get(CASES).json()["results"]}
        assert listed == {paused.pk: "paused", breached.pk: "breached"}
        assert [row["id"] for row in client.get(f"{CASES}?sla=on_time").json()["results"]] == [
            paused.pk
        ]
    # The dashboard: the resolution breaches of the day the deadlines fell on.
    day = timezone.localdate(at(72), dashboards.local_zone())
    period = dashboards.Period(day, day)
    rows = dashboards.figure_rows(
        dashboards.FIGURES_BY_CODE["resolution_breaches"], period=period, category_ids=None, now=now
    )
    assert list(rows) == [breached]
    dashboards.refresh_daily_figures(first=day, last=day, now=now)
    data = dashboards.dashboard(period=period, category_ids=None)
    assert data.totals["resolution_breaches"] == 1

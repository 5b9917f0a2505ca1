"""One SLA state: the Python function and the SQL built from the same rule agree on every
clock of every case, and a paused clock means the same on the case page, in the queues
and in the API (judged at the instant the pause began)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from complaints import selectors, services, sla_state
from complaints.models import Case
from complaints.sla_state import State
from tests.factories.complaints import CaseFactory
from tests.factories.merchants import MembershipFactory

FILED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DUE = FILED + timedelta(hours=24)
RISK = FILED + timedelta(hours=18)


def at(hours: float):
    return time_machine.travel(FILED + timedelta(hours=hours), tick=False)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"now": RISK - timedelta(seconds=1)}, State.ON_TIME),
        ({"now": RISK}, State.AT_RISK),
        ({"now": DUE - timedelta(seconds=1)}, State.AT_RISK),
        ({"now": DUE}, State.BREACHED),
        ({"now": DUE + timedelta(days=3), "paused_at": DUE - timedelta(hours=1)}, State.PAUSED),
        ({"now": DUE + timedelta(days=3), "paused_at": DUE}, State.BREACHED),
        ({"now": DUE + timedelta(days=3), "stopped_at": DUE + timedelta(hours=1)}, State.STOPPED),
        ({"now": DUE + timedelta(days=3), "running": False}, State.STOPPED),
    ],
)
def test_the_state_of_one_clock(kwargs, expected):
    assert sla_state.state(due_at=DUE, at_risk_at=RISK, **kwargs) == expected


def test_a_clock_stopped_at_its_deadline_met_it():
    assert not sla_state.late(due_at=DUE, stopped_at=DUE)
    assert sla_state.late(due_at=DUE, stopped_at=DUE + timedelta(seconds=1))
    assert not sla_state.late(due_at=DUE, stopped_at=None)


@pytest.fixture
def situations(agent):
    """One case per SLA situation, built through the engine; judged at 30 h."""
    with time_machine.travel(FILED, tick=False):
        made = {name: CaseFactory() for name in SITUATIONS}
    for case in made.values():
        services.assign(case=case, to=agent)
    owner = MembershipFactory(merchant=made["merchant_answered_late"].merchant).user
    with at(1):
        # Paused 1 h in: the old response deadline (24 h) has passed, the clock has not.
        services.ask_consumer(case=made["paused_early"], by=agent, question="Photo?")
        services.respond(case=made["merchant_answered_late"], by=agent, text="Asking")
        services.ask_merchant(case=made["merchant_answered_late"], by=agent, question="Why?")
        services.respond(case=made["merchant_late"], by=agent, text="Asking")
        services.ask_merchant(case=made["merchant_late"], by=agent, question="Why?")
    with at(10):
        services.respond(case=made["responded"], by=agent, text="On it")
    with at(26):
        services.merchant_answer(case=made["merchant_answered_late"], by=owner, text="Sorry")
        services.resolve(case=made["resolved_late"], by=agent, outcome="refund")
    return {name: Case.objects.get(pk=case.pk) for name, case in made.items()}


SITUATIONS = [
    "fresh_breached",  # nothing done: response breached at 30 h
    "paused_early",
    "responded",
    "merchant_late",
    "merchant_answered_late",
    "resolved_late",
]


@pytest.mark.django_db
@pytest.mark.parametrize("hours", [5, 20, 30, 80])
def test_python_and_sql_agree_on_every_clock_and_case(situations, hours):
    now = FILED + timedelta(hours=hours)
    cases = Case.objects.filter(pk__in=[c.pk for c in situations.values()])
    for target in sla_state.SPECS:
        for wanted in State:
            in_sql = set(cases.filter(sla_state.state_q(target, wanted, now)).values_list("pk"))
            in_python = {
                (c.pk,)
                for c in situations.values()
                if sla_state.case_clock_state(c, target, now) == wanted
            }
            assert in_sql == in_python, (target, wanted)
        late_sql = set(cases.filter(sla_state.late_q(target)).values_list("pk", flat=True))
        late_python = {
            c.pk
            for c in situations.values()
            if getattr(c, sla_state.SPECS[target].due) and sla_state.case_clock_late(c, target)
        }
        assert late_sql == late_python, target
    for wanted in sla_state.CaseState:
        in_sql = set(cases.filter(sla_state.case_state_q(wanted, now)).values_list("pk", flat=True))
        in_python = {c.pk for c in situations.values() if sla_state.case_state(c, now) == wanted}
        assert in_sql == in_python, wanted
    annotated = dict(cases.annotate(s=sla_state.case_state_expression(now)).values_list("pk", "s"))
    assert annotated == {c.pk: sla_state.case_state(c, now) for c in situations.values()}


@pytest.mark.django_db
def test_a_clock_paused_before_its_deadline_is_paused_everywhere(situations, agent, client):
    case = situations["paused_early"]
    now = FILED + timedelta(hours=80)  # long past the deadlines it had when it paused
    states = {c.target: c.state for c in selectors.clocks_for(case, now)}
    assert states == {"response": "met", "resolution": "paused"}
    assert sla_state.case_state(case, now) == sla_state.CaseState.ON_TIME
    client.force_login(agent)
    with time_machine.travel(now, tick=False):
        breached = client.get("/staff/complaints/?clock=breached").context["rows"]
        api = client.get("/api/v1/cases/?sla=breached").json()["results"]
    assert case.pk not in {row.pk for row, _clock in breached}
    assert case.pk not in {row["id"] for row in api}

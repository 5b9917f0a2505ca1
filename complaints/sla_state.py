"""The one definition of an SLA clock's state: on time, at risk, breached, paused, stopped.

Every page, queue, API filter, sweep and report that asks "is this case breached / at risk?"
asks this module, either through the Python function (`clock_state`, `case_clock_states`)
or through the ORM expressions built from the same rules (`state_expression`,
`case_state_expression`, `in_state`). Both read the same per-target fields (`CLOCKS`) and
apply the same ordered rules, so they cannot drift apart (tests/complaints/test_sla_state.py
checks them against each other for every state and boundary).

A clock is judged at one instant:
- a target that was met is judged at the instant it was met: **breached** if met after its
  deadline, else **stopped** (met on time);
- a **paused** clock (the case waits for the consumer) is judged at its pause instant: it is
  **breached** when its deadline had come by the pause (`due_at <= paused_at`; a pause never
  un-breaches a case, and `sla.push` leaves such a deadline where it was), otherwise it is
  **paused**, whatever the wall clock says, and neither at risk nor breached by the time that
  passes during the pause;
- a clock that no longer runs without being met (the case was decided, the merchant is no
  longer asked) is **stopped**;
- a running clock is judged at `now`: **breached** from its due instant on (`due_at <= now`),
  **at risk** from its at-risk instant on (`at_risk_at <= now`; the instant is stored on the
  case at 75 % of the target, `complaints.sla.AT_RISK_FRACTION` or the policy's own
  percent), else **on time**.

`now` is always the application's instant (`timezone.now()`), passed in as a parameter,
never the database clock.

A case's state is its worst clock: breached, then at risk, then paused, then on time, then
stopped. The sweep alerts exactly on the running clocks' at-risk and due instants (the same
comparisons, in SQL over the narrow clock table) and records each breach it finds as an
`SLABreach`: what happened stays on record even when the clock later restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case as SQLCase
from django.db.models import CharField, DateTimeField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, IsNull, LessThanOrEqual

from complaints.models import OPEN, Case, CaseStatus, Target

ON_TIME = "on_time"
AT_RISK = "at_risk"
BREACHED = "breached"
PAUSED = "paused"
STOPPED = "stopped"

STATES = (ON_TIME, AT_RISK, BREACHED, PAUSED, STOPPED)
# Worst first: a case's state is the first of these that one of its clocks is in.
SEVERITY = (BREACHED, AT_RISK, PAUSED, ON_TIME, STOPPED)
# "On time" as a filter means neither breached nor at risk: running on time, paused before
# its deadline, or every target met.
NOT_LATE = (ON_TIME, PAUSED, STOPPED)


def clock_state(
    *,
    due_at: datetime,
    at_risk_at: datetime,
    now: datetime,
    done_at: datetime | None = None,
    running: bool = True,
    paused_at: datetime | None = None,
) -> str:
    """The state of one clock (see the module docstring for the rules, in this order)."""
    if done_at is not None:
        return BREACHED if done_at > due_at else STOPPED
    if paused_at is not None:
        return BREACHED if due_at <= paused_at else PAUSED
    if not running:
        return STOPPED
    if due_at <= now:
        return BREACHED
    if at_risk_at <= now:
        return AT_RISK
    return ON_TIME


@dataclass(frozen=True)
class ClockFields:
    """Where one target's clock lives on the case: its instants, what stops it, when it
    runs (as a Python predicate and the same predicate as a Q) and whether it pauses."""

    target: str
    due: str
    at_risk: str
    done: tuple[str, ...]  # the first of these that is set is the instant it was met
    pausable: bool

    def runs(self, case: Case) -> bool:
        if self.target == Target.MERCHANT_ANSWER:
            return case.status == CaseStatus.AWAITING_MERCHANT
        return case.status in OPEN

    def runs_q(self) -> Q:
        if self.target == Target.MERCHANT_ANSWER:
            return Q(status=CaseStatus.AWAITING_MERCHANT)
        return Q(status__in=OPEN)

    def paused_q(self) -> Q:
        return Q(status=CaseStatus.AWAITING_CONSUMER, paused_at__isnull=False)


CLOCKS = {
    Target.RESPONSE: ClockFields(
        Target.RESPONSE,
        "response_due_at",
        "response_at_risk_at",
        ("first_responded_at", "resolved_at"),
        pausable=True,
    ),
    Target.RESOLUTION: ClockFields(
        Target.RESOLUTION, "resolution_due_at", "resolution_at_risk_at", ("resolved_at",), True
    ),
    Target.MERCHANT_ANSWER: ClockFields(
        Target.MERCHANT_ANSWER,
        "merchant_answer_due_at",
        "merchant_answer_at_risk_at",
        ("merchant_answered_at",),
        pausable=False,
    ),
}


def target_state(case: Case, target: str, now: datetime) -> str | None:
    """The state of one of the case's clocks; None when the case has no such clock (the
    merchant was never asked)."""
    spec = CLOCKS[Target(target)]
    due_at = getattr(case, spec.due)
    if due_at is None:
        return None
    done_at = next((getattr(case, name) for name in spec.done if getattr(case, name)), None)
    paused = spec.pausable and case.status == CaseStatus.AWAITING_CONSUMER and case.paused_at
    return clock_state(
        due_at=due_at,
        at_risk_at=getattr(case, spec.at_risk),
        now=now,
        done_at=done_at,
        running=spec.runs(case),
        paused_at=case.paused_at if paused else None,
    )


def case_clock_states(case: Case, now: datetime) -> dict[str, str]:
    """Each clock the case has, with its state."""
    states = {target: target_state(case, target, now) for target in CLOCKS}
    return {target: state for target, state in states.items() if state is not None}


def worst(states) -> str:
    states = set(states)
    return next((state for state in SEVERITY if state in states), STOPPED)


def case_state(case: Case, now: datetime) -> str:
    """The case's worst clock state."""
    return worst(case_clock_states(case, now).values())


# --- the same rules as SQL -------------------------------------------------------------------


def _at(now: datetime) -> Value:
    return Value(now, output_field=DateTimeField())


def state_expression(target: str, now: datetime) -> SQLCase:
    """The clock's state as a SQL CASE over the case row (NULL when it has no such clock):
    the rules of `clock_state`, in the same order, over the fields `target_state` reads."""
    spec = CLOCKS[Target(target)]
    due = F(spec.due)
    done = Coalesce(*spec.done) if len(spec.done) > 1 else F(spec.done[0])
    whens = [
        When(IsNull(due, True), then=Value(None)),
        When(GreaterThan(done, due), then=Value(BREACHED)),
        When(IsNull(done, False), then=Value(STOPPED)),
    ]
    if spec.pausable:
        paused = spec.paused_q()
        whens += [
            When(paused & Q(paused_at__gte=due), then=Value(BREACHED)),
            When(paused, then=Value(PAUSED)),
        ]
    whens += [
        When(~spec.runs_q(), then=Value(STOPPED)),
        When(LessThanOrEqual(due, _at(now)), then=Value(BREACHED)),
        When(LessThanOrEqual(F(spec.at_risk), _at(now)), then=Value(AT_RISK)),
    ]
    return SQLCase(*whens, default=Value(ON_TIME), output_field=CharField())


def state_aliases(now: datetime) -> dict[str, SQLCase]:
    """`sla_<target>` per clock, for QuerySet.alias() / annotate()."""
    return {f"sla_{target}": state_expression(target, now) for target in CLOCKS}


def case_state_expression(now: datetime) -> SQLCase:
    """The case's worst clock state, as SQL (the order of SEVERITY)."""
    whens = []
    for state in SEVERITY[:-1]:
        any_clock = Q()
        for target in CLOCKS:
            any_clock |= Q(**{f"sla_{target}": state})
        whens.append(When(any_clock, then=Value(state)))
    return SQLCase(*whens, default=Value(STOPPED), output_field=CharField())


def in_state(
    queryset: QuerySet[Case],
    state: str | tuple[str, ...],
    now: datetime,
    *,
    target: str | None = None,
) -> QuerySet[Case]:
    """The cases whose clock `target` (or, without one, whose worst clock) is in `state`
    (one state, or a tuple of them such as NOT_LATE)."""
    states = (state,) if isinstance(state, str) else tuple(state)
    if not set(states) <= set(STATES):
        raise ValueError(f"Unknown SLA state in {states!r}.")
    if target is not None:
        return queryset.alias(sla_clock=state_expression(target, now)).filter(sla_clock__in=states)
    return (
        queryset.alias(**state_aliases(now))
        .alias(sla_case=case_state_expression(now))
        .filter(sla_case__in=states)
    )

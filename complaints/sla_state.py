"""The state of an SLA clock, defined once: as a Python function and as the SQL/ORM
expressions built from the same rule. The case page, the portal, the staff queues, the API
filters, the sweep (through SLAClock.running), the dashboards, risk and probation use this
module; none of them says again what "breached" means.

A clock (first response, resolution, merchant answer) is in one of five states:

- stopped: its target was met or given up: the response was given (or the case resolved
  first), the case was resolved, the merchant answered, or the case no longer waits for
  the merchant. A stopped clock was *late* when it stopped after its deadline.
- paused: the case waits for the consumer (`paused_at` set) and the deadline had not
  come when the pause began. Time spent paused does not count: resuming pushes the
  deadline by the paused calendar time (complaints.sla.push).
- breached: the deadline has come while the clock ran: `due_at <= now`, or for a paused
  clock `due_at <= paused_at` (a pause never un-breaches a clock: push leaves such a
  deadline where it was).
- at risk: running, not paused, past its at-risk instant, deadline not come.
- on time: running, not paused, before its at-risk instant.

The merchant-answer clock runs only while the case awaits the merchant, so it is never
paused: asking the consumer stops it.

A breach that happened is also a lasting fact, the SLABreach row the sweep writes in the
statement that raises the breach alert; figures over time (violation points, risk,
probation, dashboards) read those rows (`breach_recorded_sql`), not the current state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import Case as SQLCase
from django.db.models import DateTimeField, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from complaints.models import OPEN, CaseStatus, Target


class State(models.TextChoices):
    ON_TIME = "on_time", _("on time")
    AT_RISK = "at_risk", _("at risk")
    BREACHED = "breached", _("breached")
    PAUSED = "paused", _("paused")
    STOPPED = "stopped", _("stopped")


RUNNING_STATES = (State.ON_TIME, State.AT_RISK, State.BREACHED)


def state(
    *,
    due_at: datetime,
    at_risk_at: datetime,
    now: datetime,
    running: bool = True,
    stopped_at: datetime | None = None,
    paused_at: datetime | None = None,
) -> State:
    """The state of one clock at `now` (see the module docstring)."""
    if stopped_at is not None or not running:
        return State.STOPPED
    if paused_at is not None:
        return State.BREACHED if due_at <= paused_at else State.PAUSED
    if due_at <= now:
        return State.BREACHED
    if at_risk_at <= now:
        return State.AT_RISK
    return State.ON_TIME


def late(*, due_at: datetime, stopped_at: datetime | None) -> bool:
    """A stopped clock stopped after its deadline (met at the deadline itself)."""
    return stopped_at is not None and stopped_at > due_at


# --- the clocks of a case ---------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """Where one clock of a case lives in the case's columns."""

    target: str
    due: str
    at_risk: str
    stops: tuple[str, ...]  # the first of these set is the instant the clock stopped
    runs_in: tuple[str, ...]  # the statuses the clock runs in (until it stops)

    def stopped_at(self, case) -> datetime | None:
        return next((v for v in (getattr(case, s) for s in self.stops) if v is not None), None)

    def running(self, case) -> bool:
        """The clock runs (possibly paused): it has a deadline and has not stopped."""
        return (
            getattr(case, self.due) is not None
            and case.status in self.runs_in
            and self.stopped_at(case) is None
        )


SPECS = {
    Target.RESPONSE: Spec(
        Target.RESPONSE,
        "response_due_at",
        "response_at_risk_at",
        ("first_responded_at", "resolved_at"),
        tuple(OPEN),
    ),
    Target.RESOLUTION: Spec(
        Target.RESOLUTION,
        "resolution_due_at",
        "resolution_at_risk_at",
        ("resolved_at",),
        tuple(OPEN),
    ),
    Target.MERCHANT_ANSWER: Spec(
        Target.MERCHANT_ANSWER,
        "merchant_answer_due_at",
        "merchant_answer_at_risk_at",
        ("merchant_answered_at",),
        (CaseStatus.AWAITING_MERCHANT,),
    ),
}


def _paused_at(case) -> datetime | None:
    return case.paused_at if case.status == CaseStatus.AWAITING_CONSUMER else None


def case_clock_state(case, target: str, now: datetime) -> State | None:
    """The state of one clock of a case; None when the case never had that clock."""
    spec = SPECS[target]
    due_at = getattr(case, spec.due)
    if due_at is None:
        return None
    return state(
        due_at=due_at,
        at_risk_at=getattr(case, spec.at_risk),
        now=now,
        running=case.status in spec.runs_in,
        stopped_at=spec.stopped_at(case),
        paused_at=_paused_at(case),
    )


def case_clock_late(case, target: str) -> bool:
    spec = SPECS[target]
    return late(due_at=getattr(case, spec.due), stopped_at=spec.stopped_at(case))


def sweep_runs(case, target: str) -> bool:
    """What SLAClock.running holds for the sweep: the clock runs and is not paused (the
    sweep alerts exactly on the clocks in a running state, at their instants)."""
    return SPECS[target].running(case) and _paused_at(case) is None


# --- the same rules as ORM conditions over complaints_case -----------------------------------


def _now(now: datetime) -> Value:
    return Value(now, output_field=DateTimeField())


def _stopped_at(spec: Spec):
    return Coalesce(*spec.stops) if len(spec.stops) > 1 else F(spec.stops[0])


def running_q(target: str) -> Q:
    """Cases whose `target` clock runs (paused or not): it has a deadline and has not
    stopped (as `Spec.running`)."""
    return _running_q(SPECS[target])


def _running_q(spec: Spec) -> Q:
    return Q(**{f"{spec.due}__isnull": False, "status__in": spec.runs_in}) & Q(
        **{f"{s}__isnull": True for s in spec.stops}
    )


def state_q(target: str, wanted: State, now: datetime) -> Q:
    """Cases whose `target` clock is in state `wanted` at `now` (as `case_clock_state`)."""
    spec = SPECS[target]
    running = _running_q(spec)
    if wanted == State.STOPPED:
        return Q(**{f"{spec.due}__isnull": False}) & ~running
    if wanted == State.BREACHED:
        judged = Coalesce("paused_at", _now(now))
        return running & Q(**{f"{spec.due}__lte": judged})
    if wanted == State.PAUSED:
        return running & Q(paused_at__isnull=False, **{f"{spec.due}__gt": F("paused_at")})
    not_paused = running & Q(paused_at__isnull=True) & Q(**{f"{spec.due}__gt": now})
    if wanted == State.AT_RISK:
        return not_paused & Q(**{f"{spec.at_risk}__lte": now})
    return not_paused & Q(**{f"{spec.at_risk}__gt": now})


def late_q(target: str) -> Q:
    """Cases whose `target` clock stopped after its deadline (as `case_clock_late`)."""
    spec = SPECS[target]
    # Spelled null-safe (both instants set) so that its negation keeps the clocks that
    # never stopped or never had a deadline.
    stopped = Q(**{f"{spec.stops[0]}__isnull": False})
    for column in spec.stops[1:]:
        stopped |= Q(**{f"{column}__isnull": False})
    return (
        Q(**{f"{spec.due}__isnull": False}) & stopped & Q(**{f"{spec.due}__lt": _stopped_at(spec)})
    )


def missed_q(target: str, now: datetime) -> Q:
    """The target was missed: breached now, or stopped late."""
    return state_q(target, State.BREACHED, now) | late_q(target)


def any_missed_q(now: datetime) -> Q:
    return (
        missed_q(Target.RESPONSE, now)
        | missed_q(Target.RESOLUTION, now)
        | missed_q(Target.MERCHANT_ANSWER, now)
    )


def any_at_risk_q(now: datetime) -> Q:
    """A clock is at risk and no target was missed (a missed case counts as missed)."""
    at_risk = (
        state_q(Target.RESPONSE, State.AT_RISK, now)
        | state_q(Target.RESOLUTION, State.AT_RISK, now)
        | state_q(Target.MERCHANT_ANSWER, State.AT_RISK, now)
    )
    return at_risk & ~any_missed_q(now)


# --- the case as a whole: what lists show and filter by ---------------------------------------


class CaseState(models.TextChoices):
    BREACHED = "breached", _("Breached")
    AT_RISK = "at_risk", _("At risk")
    ON_TIME = "on_time", _("On time")


def case_state_q(wanted: str, now: datetime) -> Q:
    """breached: a target was missed; at_risk: a running clock is past its at-risk point and
    nothing was missed; on_time: neither (paused cases whose deadlines had not come
    included)."""
    if wanted == CaseState.BREACHED:
        return any_missed_q(now)
    if wanted == CaseState.AT_RISK:
        return any_at_risk_q(now)
    return ~any_missed_q(now) & ~any_at_risk_q(now)


def case_state_expression(now: datetime) -> SQLCase:
    """The case-level state as one SQL expression (what API lists annotate)."""
    return SQLCase(
        When(case_state_q(CaseState.BREACHED, now), then=Value(CaseState.BREACHED.value)),
        When(any_at_risk_q(now), then=Value(CaseState.AT_RISK.value)),
        default=Value(CaseState.ON_TIME.value),
    )


def case_state(case, now: datetime) -> str:
    """The case-level state in Python, by the same rules as `case_state_q`."""
    targets = [t for t in SPECS if getattr(case, SPECS[t].due) is not None]
    states = {t: case_clock_state(case, t, now) for t in targets}
    if any(states[t] == State.BREACHED or case_clock_late(case, t) for t in targets):
        return CaseState.BREACHED
    if State.AT_RISK in states.values():
        return CaseState.AT_RISK
    return CaseState.ON_TIME


# --- the sweep's clock table and the breach records, as SQL -----------------------------------


def clock_crossed_sql(alias: str, instant: str, now_param: str = "%(now)s") -> str:
    """SLAClock rows (`alias`) whose `instant` (due_at or at_risk_at) has come while they run:
    the breached / at-risk states on the sweep's narrow table (`running` is `sweep_runs`)."""
    return f"{alias}.running AND {alias}.{instant} <= {now_param}"


def breach_recorded_sql(case_alias: str, target: str, until_param: str = "%(now)s") -> str:
    """SQL condition: the case (`case_alias`) has a recorded breach of `target` that
    had happened by `until_param`: the lasting fact, whatever the clock did since."""
    if target not in SPECS:
        raise ValueError(f"Unknown SLA target {target!r}")
    # Identifiers and the target are ours (checked above); values go through params.
    sql = "EXISTS (SELECT 1 FROM complaints_slabreach AS b WHERE b.case_id = {c}.id "
    sql += "AND b.target = '{t}' AND b.due_at <= {u})"
    return sql.format(c=case_alias, t=target, u=until_param)

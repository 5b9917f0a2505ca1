"""The SLA clocks the minute sweep reads, mirrored from the case under its lock."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from complaints import sla_state
from complaints.models import Case, SLABreach, Target

# --- the sweep's clocks -----------------------------------------------------------------------

_SYNC_CLOCKS = """
    INSERT INTO complaints_slaclock (case_id, target, due_at, at_risk_at, running, stage, cycle)
    VALUES {rows}
    ON CONFLICT (case_id, target) DO UPDATE SET
        due_at = EXCLUDED.due_at,
        at_risk_at = EXCLUDED.at_risk_at,
        running = EXCLUDED.running,
        -- A restarted clock (reopen, a new merchant request) may alert again.
        stage = CASE WHEN complaints_slaclock.cycle = EXCLUDED.cycle
                     THEN complaints_slaclock.stage ELSE 0 END,
        cycle = EXCLUDED.cycle
"""


def sync_clocks(case: Case) -> None:
    """Mirror the case's deadlines and state into its SLA clocks (one statement). Called
    by every step that moves a deadline or starts/stops a clock, under the case's lock.
    A clock runs for the sweep exactly when complaints.sla_state says it runs unpaused."""
    cycles = {
        Target.RESPONSE: 0,
        Target.RESOLUTION: case.reopen_count,
        Target.MERCHANT_ANSWER: case.merchant_request_count,
    }
    clocks = [
        (
            target,
            getattr(case, spec.due),
            getattr(case, spec.at_risk),
            sla_state.sweep_runs(case, target),
            cycles[target],
        )
        for target, spec in sla_state.SPECS.items()
        if getattr(case, spec.due) is not None
    ]
    rows = ", ".join(["(%s, %s, %s, %s, %s, 0, %s)"] * len(clocks))
    params = [value for clock in clocks for value in (case.pk, *clock)]
    with connection.cursor() as cursor:
        cursor.execute(_SYNC_CLOCKS.format(rows=rows), params)
    _record_missed_on_stop(case, cycles)


def _record_missed_on_stop(case: Case, cycles: dict) -> None:
    """A clock that stops past its deadline (answered late, or paused once breached) before
    a sweep saw it breached still leaves its breach on record: the same row the sweep
    would write (the sweep's own insert and this one skip each other's rows)."""
    now = timezone.now()
    missed = [
        target
        for target in sla_state.SPECS
        if getattr(case, sla_state.SPECS[target].due) is not None
        and not sla_state.sweep_runs(case, target)
        and (
            sla_state.case_clock_late(case, target)
            or sla_state.case_clock_state(case, target, now) == sla_state.State.BREACHED
        )
    ]
    if missed:
        SLABreach.objects.bulk_create(
            [
                SLABreach(
                    case=case,
                    target=target,
                    cycle=cycles[target],
                    due_at=getattr(case, sla_state.SPECS[target].due),
                    recorded_at=now,
                )
                for target in missed
            ],
            ignore_conflicts=True,
        )


# --- opening --------------------------------------------------------------------------------

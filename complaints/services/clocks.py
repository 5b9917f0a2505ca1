"""The SLA clocks the minute sweep reads, mirrored from the case under its lock, and the
breach records of clocks that stopped after their deadline between two sweeps."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from complaints.models import (
    RUNNING,
    Case,
    CaseStatus,
    Target,
)
from complaints.sla_state import BREACHED, target_state

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

# A clock that stops after its deadline (met late, or paused when already due) before the
# next sweep reached it is never seen by the sweep (it reads running clocks only), so its
# breach record is written here, in the same statement, with the sweep's semantics: the
# clock's due instant, one row per case, target and cycle (ON CONFLICT DO NOTHING, so a
# breach the sweep already recorded is not written twice).
_RECORD_BREACHES = """
    WITH recorded AS (
        INSERT INTO complaints_slabreach (case_id, target, cycle, breached_at, created_at)
        VALUES {rows}
        ON CONFLICT (case_id, target, cycle) DO NOTHING
    )
"""


def sync_clocks(case: Case) -> None:
    """Mirror the case's deadlines and state into its SLA clocks (one statement). Called
    by every step that moves a deadline or starts/stops a clock, under the case's lock.

    A clock that stops here already breached (complaints.sla_state: met after its due
    instant, or paused at or after it) gets its SLABreach record in the same statement,
    as the sweep would have written it; violation points then follow from the record
    (complaints.services.breaches.record_merchant_breaches), as for the sweep's."""
    now = timezone.now()
    running = case.status in RUNNING
    clocks = [
        (
            Target.RESPONSE,
            case.response_due_at,
            case.response_at_risk_at,
            running and case.first_responded_at is None,
            0,
        ),
        (
            Target.RESOLUTION,
            case.resolution_due_at,
            case.resolution_at_risk_at,
            running,
            case.reopen_count,
        ),
    ]
    if case.merchant_answer_due_at is not None:
        clocks.append(
            (
                Target.MERCHANT_ANSWER,
                case.merchant_answer_due_at,
                case.merchant_answer_at_risk_at,
                case.status == CaseStatus.AWAITING_MERCHANT and case.merchant_answered_at is None,
                case.merchant_request_count,
            )
        )
    breached = [
        (case.pk, target, cycle, due_at, now)
        for target, due_at, _at_risk, is_running, cycle in clocks
        if not is_running and target_state(case, target, now) == BREACHED
    ]
    sql, params = "", []
    if breached:
        sql = _RECORD_BREACHES.format(rows=", ".join(["(%s, %s, %s, %s, %s)"] * len(breached)))
        params = [value for row in breached for value in row]
    rows = ", ".join(["(%s, %s, %s, %s, %s, 0, %s)"] * len(clocks))
    params += [value for clock in clocks for value in (case.pk, *clock)]
    with connection.cursor() as cursor:
        cursor.execute(sql + _SYNC_CLOCKS.format(rows=rows), params)


# --- opening --------------------------------------------------------------------------------

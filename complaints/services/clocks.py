"""The SLA clocks the minute sweep reads, mirrored from the case under its lock."""

from __future__ import annotations

from django.db import connection

from complaints.models import (
    RUNNING,
    Case,
    CaseStatus,
    Target,
)

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
    by every step that moves a deadline or starts/stops a clock, under the case's lock."""
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
    rows = ", ".join(["(%s, %s, %s, %s, %s, 0, %s)"] * len(clocks))
    params = [value for clock in clocks for value in (case.pk, *clock)]
    with connection.cursor() as cursor:
        cursor.execute(_SYNC_CLOCKS.format(rows=rows), params)


# --- opening --------------------------------------------------------------------------------

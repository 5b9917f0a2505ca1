"""Inspections' own figures over their own tables; reports composes them, so renaming a
column fails here, in the owning app's tests.

SQL fragments the reports' set-based statements embed as sub-selects.
"""

from __future__ import annotations

# One row per lot given a verdict: its merchant, verdict (accepted, rejected, overturned)
# and when it was decided.
LOT_VERDICTS_SQL = """
    SELECT merchant_id, status, decided_at FROM inspections_inspection
    WHERE decided_at IS NOT NULL
"""

# Lots given a verdict per merchant in [%(inspection_since)s, %(now)s): how many were
# rejected (a rejection a re-test later overturned is not counted as rejected) and how many
# were decided at all.
DECIDED_LOTS_BY_MERCHANT_SQL = """
    SELECT merchant_id, count(*) FILTER (WHERE status = 'rejected') AS rejected,
           count(*) AS decided
    FROM inspections_inspection
    WHERE status IN ('accepted', 'rejected', 'overturned')
      AND decided_at >= %(inspection_since)s AND decided_at < %(now)s
    GROUP BY merchant_id
"""


# The quarterly inspection figures (reports.services.figures composes them): lots given a
# verdict in [%(start)s, %(end)s), known at %(as_of)s, grouped by the GROUPING SETS `{sets}`
# the caller fills in (platform, merchant).
QUARTERLY_INSPECTIONS_SQL = """
    SELECT GROUPING(i.merchant_id) AS g_merchant, 1 AS g_extra, i.merchant_id,
           count(*) AS inspections_done,
           count(*) FILTER (WHERE i.status = 'accepted') AS inspections_passed,
           count(*) FILTER (WHERE i.status IN ('rejected', 'overturned'))
               AS inspections_rejected
    FROM inspections_inspection i
    WHERE i.decided_at >= %(start)s AND i.decided_at < %(end)s AND i.decided_at <= %(as_of)s
      AND i.status IN ('accepted', 'rejected', 'overturned')
    GROUP BY GROUPING SETS ({sets})
"""

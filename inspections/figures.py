"""Inspections' own figures over their own tables; reports composes them, so renaming a
column fails here, in the owning app's tests.

SQL fragments the reports' set-based statements embed as sub-selects.
"""

from __future__ import annotations

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

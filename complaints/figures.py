"""Complaints' own figures over its own tables; reports composes them, so renaming a column
fails here, in the owning app's tests.

- remedy_figures: remedies granted in a period, by kind, payer and status as of the
  snapshot, and what the platform paid (one aggregate statement over the remedy table);
- SQL fragments the reports' set-based statements embed as sub-selects: complaints per
  merchant, and the merchant answers asked and breached (breaches read from the lasting
  SLABreach records, never from the clock's current stage or the alert keys).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum

from complaints import sla_state
from complaints.models import Remedy, SLABreach, Target


def remedy_figures(*, start: datetime, end: datetime, as_of: datetime) -> dict:
    """Remedies granted in [start, end) and known at `as_of`. Status is the one `as_of`
    saw (done or failed by then, else promised); `platform_paid` sums the money remedies the
    platform paid (its own, or first for the merchant) that were done by `as_of`."""
    granted = Remedy.objects.filter(
        granted_at__gte=start, granted_at__lt=end, granted_at__lte=as_of
    )
    done = Q(done_at__isnull=False, done_at__lte=as_of)
    failed = Q(failed_at__isnull=False, failed_at__lte=as_of)
    platform = Q(payer=Remedy.Payer.PLATFORM)
    aggregates = {
        **{f"kind_{kind}": Count("id", filter=Q(kind=kind)) for kind in Remedy.Kind.values},
        **{f"payer_{payer}": Count("id", filter=Q(payer=payer)) for payer in Remedy.Payer.values},
        "status_done": Count("id", filter=done),
        "status_failed": Count("id", filter=failed),
        "total": Count("id"),
        "platform_paid_first": Count("id", filter=Q(platform_paid_first=True)),
        "platform_paid": Sum("amount", filter=platform & done),
    }
    row = granted.aggregate(**aggregates)
    promised = row["total"] - row["status_done"] - row["status_failed"]
    return {
        "total": row["total"],
        "by_kind": {kind: row[f"kind_{kind}"] for kind in Remedy.Kind.values},
        "by_payer": {payer: row[f"payer_{payer}"] for payer in Remedy.Payer.values},
        "by_status": {
            Remedy.Status.PROMISED.value: promised,
            Remedy.Status.DONE.value: row["status_done"],
            Remedy.Status.FAILED.value: row["status_failed"],
        },
        "platform_paid_first": row["platform_paid_first"],
        "platform_paid": str(row["platform_paid"] or Decimal("0.00")),
    }


def deadline_missed(now: datetime, target: str) -> Q:
    """Cases whose current `target` deadline is on record as breached by `now`: the sweep
    wrote its breach (SLABreach, at that deadline). A paused clock is judged at its pause
    (complaints.sla_state): past its old deadline while waiting for the consumer it is not
    breached, and the sweep records nothing for it."""
    due = sla_state.CLOCKS[Target(target)].due
    recorded = SLABreach.objects.filter(
        case=OuterRef("pk"), target=target, breached_at=OuterRef(due), breached_at__lte=now
    )
    return Q(Exists(recorded))


# Complaints filed and ad reports substantiated per merchant, filed in [%(since)s, %(now)s).
CASES_BY_MERCHANT_SQL = """
    SELECT merchant_id,
           count(*) FILTER (WHERE kind = 'complaint') AS complaints,
           count(*) FILTER (WHERE kind = 'ad_report' AND outcome = 'substantiated')
             AS ad_reports
    FROM complaints_case
    WHERE created_at >= %(since)s AND created_at < %(now)s
    GROUP BY merchant_id
"""

# One row per complaint (not ad report): its merchant and when it was filed.
COMPLAINTS_FILED_SQL = """
    SELECT merchant_id, created_at FROM complaints_case WHERE kind = 'complaint'
"""

# One row per case whose merchant was asked a question (it has a merchant-answer clock):
# its merchant, when the case was filed and whether a merchant-answer breach of any cycle
# is on record before %(now)s (a re-asked merchant keeps its earlier breach).
MERCHANT_ANSWERS_SQL = """
    SELECT c.merchant_id, c.created_at,
           EXISTS (SELECT 1 FROM complaints_slabreach AS b
                    WHERE b.case_id = c.id AND b.target = 'merchant_answer'
                      AND b.breached_at < %(now)s) AS breached
    FROM complaints_slaclock AS k JOIN complaints_case AS c ON c.id = k.case_id
    WHERE k.target = 'merchant_answer'
"""


def _breach_by_as_of(target: str) -> str:
    """SQL: a breach of the case's `target` clock (any cycle) is on record by %(as_of)s.
    The table and the target's name come from the SLABreach model."""
    return f"""EXISTS (SELECT 1 FROM {SLABreach._meta.db_table} AS b
                            WHERE b.case_id = c.id AND b.target = '{Target(target).value}'
                              AND b.breached_at <= %(as_of)s)"""  # noqa: S608


# The quarterly case figures (reports.services.figures composes them; the definitions are
# in its docstring): one scan of the cases filed or resolved in [%(start)s, %(end)s), known
# at %(as_of)s, grouped by the GROUPING SETS `{{sets}}` the caller fills in (platform,
# merchant, month). Within target = answered by %(as_of)s with no breach of that target on
# record by then (SLABreach: written by the sweep, or when a clock stops late); judged =
# answered, or breached, by then. A clock paused inside its window is neither (sla_state:
# paused), so it is left out until it is answered or breaches.
QUARTERLY_CASES_SQL = f"""
    SELECT GROUPING(c.merchant_id) AS g_merchant, GROUPING(m.month) AS g_extra,
           c.merchant_id, m.month,
           count(*) FILTER (WHERE c.kind = 'complaint' AND f.filed) AS complaints_filed,
           count(*) FILTER (WHERE c.kind = 'complaint' AND f.resolved) AS complaints_resolved,
           count(*) FILTER (WHERE c.kind = 'complaint' AND f.filed AND f.responded
                            AND NOT {_breach_by_as_of(Target.RESPONSE)})
               AS response_met,
           count(*) FILTER (WHERE c.kind = 'complaint' AND f.filed
                            AND (f.responded OR {_breach_by_as_of(Target.RESPONSE)}))
               AS response_judged,
           count(*) FILTER (WHERE c.kind = 'complaint' AND f.filed AND f.resolved_by_as_of
                            AND NOT {_breach_by_as_of(Target.RESOLUTION)})
               AS resolution_met,
           count(*) FILTER (WHERE c.kind = 'complaint' AND f.filed
                            AND (f.resolved_by_as_of OR {_breach_by_as_of(Target.RESOLUTION)}))
               AS resolution_judged,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE
               WHEN c.kind = 'complaint' AND f.filed AND f.responded
               THEN extract(epoch FROM c.first_responded_at - c.created_at) / 3600.0 END)
               AS median_response_hours,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE
               WHEN c.kind = 'complaint' AND f.filed AND f.resolved_by_as_of
               THEN extract(epoch FROM c.resolved_at - c.created_at) / 3600.0 END)
               AS median_resolution_hours,
           count(*) FILTER (WHERE c.kind = 'ad_report' AND f.filed) AS ad_reports_filed,
           count(*) FILTER (WHERE c.kind = 'ad_report' AND f.resolved
                            AND c.outcome = 'substantiated') AS ad_reports_substantiated
    FROM complaints_case c
    CROSS JOIN LATERAL (SELECT
        c.created_at >= %(start)s AND c.created_at < %(end)s AND c.created_at <= %(as_of)s
            AS filed,
        c.resolved_at >= %(start)s AND c.resolved_at < %(end)s AND c.resolved_at <= %(as_of)s
            AS resolved,
        coalesce(c.first_responded_at <= %(as_of)s, false) AS responded,
        coalesce(c.resolved_at <= %(as_of)s, false) AS resolved_by_as_of
    ) f
    CROSS JOIN LATERAL (SELECT CASE WHEN f.filed
        THEN to_char(c.created_at AT TIME ZONE %(zone)s, 'YYYY-MM') END AS month) m
    WHERE (c.created_at >= %(start)s AND c.created_at < %(end)s)
       OR (c.resolved_at >= %(start)s AND c.resolved_at < %(end)s)
    GROUP BY GROUPING SETS ({{sets}})
"""  # noqa: S608 - the table and target names are the model's, values go through params

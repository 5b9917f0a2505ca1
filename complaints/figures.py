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

from django.db.models import Count, Q, Sum

from complaints.models import Remedy


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

"""Complaints' own figures for the quarterly snapshot (reports composes them): remedies
granted in a period, by kind, payer and status as of the snapshot, and what the platform
paid. One aggregate statement over the remedy table."""

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

"""The consumer rights guide's facts, read from the policies in force (never hard-coded):
the remedy windows (complaints.policies.REMEDY_WINDOWS), the categories excluded from the
no-reason return (core.Category), and the SLA targets (complaints.SLAPolicy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from complaints.models import CaseKind, Priority, SLAPolicy
from complaints.services.eligibility import remedy_windows


@dataclass(frozen=True)
class Targets:
    first_response_hours: Decimal
    resolution_hours: Decimal
    version: int | None


def sla_targets(kind: str, *, at: datetime | None = None) -> Targets:
    """The targets of the version in force for a normal-priority case of `kind` (a read:
    when none is published yet, the model's defaults, which the first case will pin)."""
    at = at or timezone.now()
    policy = (
        SLAPolicy.objects.filter(kind=kind, priority=Priority.NORMAL, effective_from__lte=at)
        .order_by("-version")
        .only("first_response_hours", "resolution_hours", "version")
        .first()
    )
    if policy is None:
        field = SLAPolicy._meta.get_field
        return Targets(
            Decimal(field("first_response_hours").default),
            Decimal(field("resolution_hours").default),
            None,
        )
    return Targets(policy.first_response_hours, policy.resolution_hours, policy.version)


def excluded_categories():
    """Categories that set an exclusion from the no-reason return themselves (their
    sub-categories inherit it): (category, only once opened)."""
    from core.models import Category

    rows = Category.objects.filter(active=True, excluded_from_no_reason_return=True).order_by(
        "code"
    )
    return [(category, category.no_reason_return_opened_only) for category in rows]


def guide(*, at: datetime | None = None) -> dict:
    return {
        "windows": remedy_windows(at),
        "complaint_targets": sla_targets(CaseKind.COMPLAINT, at=at),
        "report_targets": sla_targets(CaseKind.AD_REPORT, at=at),
        "excluded": excluded_categories(),
    }

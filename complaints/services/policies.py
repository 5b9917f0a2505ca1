"""Versioned SLA policies: the version in force, publishing the next one."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import (
    BusinessCalendar,
    CalendarKind,
    CaseKind,
    Priority,
    SLAPolicy,
)
from core.audit import record_decision
from core.db import advisory_xact_lock
from core.exceptions import DomainError


def policy_in_force(*, kind: str, priority: int, at: datetime | None = None) -> SLAPolicy:
    """The highest-numbered version already effective at `at`; publishes the defaults
    (24 h / 72 h, calendar hours) as version 1 the first time a kind and priority is used."""
    at = at or timezone.now()
    found = (
        SLAPolicy.objects.filter(kind=kind, priority=priority, effective_from__lte=at)
        .select_related("business_calendar")
        .order_by("-version")
        .first()
    )
    if found is not None:
        return found
    with transaction.atomic():
        advisory_xact_lock(f"sla-policy:{kind}:{priority}")
        if not SLAPolicy.objects.filter(kind=kind, priority=priority).exists():
            return SLAPolicy.objects.create(
                kind=kind,
                priority=priority,
                version=1,
                effective_from=at,
                note="defaults",
            )
    # A version exists but only from the future: the defaults apply until then.
    return (
        SLAPolicy.objects.filter(kind=kind, priority=priority)
        .select_related("business_calendar")
        .order_by("effective_from", "version")
        .first()
    )


@transaction.atomic
def publish_policy(
    *,
    kind: str,
    priority: int,
    first_response_hours=24,
    resolution_hours=72,
    merchant_answer_hours=24,
    at_risk_percent: int = 75,
    calendar_kind: str = CalendarKind.CALENDAR_HOURS,
    business_calendar: BusinessCalendar | None = None,
    effective_from: datetime | None = None,
    note: str = "",
    by=None,
) -> SLAPolicy:
    """Add the next version. Existing cases keep the version they pinned."""
    if kind not in CaseKind.values or priority not in Priority.values:
        raise DomainError(_("Unknown case kind or priority."))
    if calendar_kind == CalendarKind.BUSINESS_HOURS and business_calendar is None:
        raise DomainError(_("Business hours need a business calendar."))
    for hours in (first_response_hours, resolution_hours, merchant_answer_hours):
        if float(hours) <= 0:
            raise DomainError(_("SLA targets must be positive numbers of hours."))
    if not 1 <= at_risk_percent <= 100:
        raise DomainError(_("The at-risk point must be between 1 % and 100 % of the target."))
    advisory_xact_lock(f"sla-policy:{kind}:{priority}")
    last = SLAPolicy.objects.filter(kind=kind, priority=priority).aggregate(n=Max("version"))
    policy = SLAPolicy.objects.create(
        kind=kind,
        priority=priority,
        version=(last["n"] or 0) + 1,
        first_response_hours=first_response_hours,
        resolution_hours=resolution_hours,
        merchant_answer_hours=merchant_answer_hours,
        at_risk_percent=at_risk_percent,
        calendar_kind=calendar_kind,
        business_calendar=business_calendar,
        effective_from=effective_from or timezone.now(),
        note=note,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    record_decision(policy, action="publish", to_state=f"v{policy.version}", actor=by, reason=note)
    return policy

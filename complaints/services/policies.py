"""Versioned SLA policies: the version in force, publishing the next one.

Every filing needs the version in force, so each process keeps the versions it has read
(with their business calendars worked out) and reads them again only when the shared
generation changes: a token in the cache (Redis) that a new one replaces after the commit
of any change to a policy, a business calendar or one of its days (signals, registered by
`register`). A change takes effect in every process at its next filing: each filing reads
the token (one Redis GET, no SQL). A thread whose transaction has changed policies and not
yet committed reads the database and keeps nothing, so what it saw cannot outlive a
rollback; another thread never sees uncommitted rows."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from complaints.models import (
    BusinessCalendar,
    CalendarDay,
    CalendarKind,
    CaseKind,
    Priority,
    SLAPolicy,
)
from core.audit import record_decision
from core.db import advisory_xact_lock
from core.exceptions import DomainError

#: The cache key of the shared generation of the SLA policies and business calendars.
GENERATION_KEY = "complaints:sla-policies:generation"


class _Snapshot:
    """The versions this process has read under one generation, per kind and priority
    (newest version first), each with its calendar worked out. Shared by the threads:
    the policies in it are read-only."""

    def __init__(self, token: str | None):
        self.token = token
        self.versions: dict[tuple[str, int], list[SLAPolicy]] = {}


_snapshot = _Snapshot(None)
_writes = threading.local()  # `pending`: this thread's open transaction changed policies


def _generation() -> str | None:
    """The shared token; a new one when the cache has none (evicted, flushed, first use).
    None when the cache cannot be reached: the caller reads the database."""
    try:
        token = cache.get(GENERATION_KEY)
        if token is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(GENERATION_KEY)
    except RedisError:  # Redis down: the database still answers
        return None
    return token


def _bump() -> None:
    """After the commit of a change: every process reads the versions again."""
    global _snapshot
    _writes.pending = False
    _snapshot = _Snapshot(None)
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def _changed(sender, using="default", **kwargs) -> None:
    global _snapshot
    _writes.pending = True
    _snapshot = _Snapshot(None)  # this process at once; the others once it is committed
    transaction.on_commit(_bump, using=using, robust=True)  # Redis down: logged


def register() -> None:
    """Connect the signals that renew the generation (ComplaintsConfig.ready). The code
    changes these tables only through save() and delete(), never queryset update()."""
    for model in (SLAPolicy, BusinessCalendar, CalendarDay):
        post_save.connect(_changed, sender=model, dispatch_uid=f"sla-generation-save-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"sla-generation-del-{model}")


def _read_versions(kind: str, priority: int) -> list[SLAPolicy]:
    policies = list(
        SLAPolicy.objects.filter(kind=kind, priority=priority)
        .select_related("business_calendar")
        .order_by("-version")
    )
    for policy in policies:
        policy.kept_calendar = policy.calendar()  # worked out once per generation
    return policies


def _cached_versions(kind: str, priority: int) -> list[SLAPolicy] | None:
    """The versions of a kind and priority, from this process's snapshot when the shared
    generation has not changed; None when they must be read from the database."""
    global _snapshot
    if getattr(_writes, "pending", False):
        if connection.in_atomic_block:
            return None  # uncommitted changes of this thread's own transaction
        _writes.pending = False  # that transaction is over (a commit has bumped)
    token = _generation()
    if token is None:
        return None
    snapshot = _snapshot
    if snapshot.token != token:
        snapshot = _snapshot = _Snapshot(token)
    versions = snapshot.versions.get((kind, priority))
    if versions is None:
        versions = _read_versions(kind, priority)
        if versions:
            snapshot.versions[(kind, priority)] = versions
    return versions


def _in_force(versions: list[SLAPolicy], at: datetime) -> SLAPolicy:
    """The newest version effective at `at`, else (only future ones) the earliest."""
    for policy in versions:
        if policy.effective_from <= at:
            return policy
    return min(versions, key=lambda p: (p.effective_from, p.version))


def policy_in_force(*, kind: str, priority: int, at: datetime | None = None) -> SLAPolicy:
    """The highest-numbered version already effective at `at`; publishes the defaults
    (24 h / 72 h, calendar hours) as version 1 the first time a kind and priority is used.

    The instance returned may be shared with other threads of the process: read it, never
    change it."""
    at = at or timezone.now()
    versions = _cached_versions(kind, priority)
    if versions:
        return _in_force(versions, at)
    if versions is None:
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

"""django-filter FilterSets for the complaints API, and the SLA-state conditions they use.

An SLA target is judged at the instant its clock stopped or, while it still runs, now: the
response clock stops at the first response (or the resolution), the resolution clock at the
resolution, and both stand still while the case waits for the consumer (`paused_at`), so a
paused case is neither breached nor at risk by the time that passes during the pause.
"""

from __future__ import annotations

from datetime import datetime

import django_filters
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    OPEN,
    CalendarKind,
    Case,
    CaseKind,
    CaseStatus,
    Priority,
    SLAPolicy,
)


def _at(now: datetime) -> Value:
    return Value(now, output_field=DateTimeField())


def response_breached(now: datetime) -> Q:
    stopped = Coalesce("first_responded_at", "paused_at", "resolved_at", _at(now))
    return Q(response_due_at__lt=stopped)


def resolution_breached(now: datetime) -> Q:
    return Q(resolution_due_at__lt=Coalesce("resolved_at", "paused_at", _at(now)))


def merchant_answer_breached(now: datetime) -> Q:
    """Answered late, or still awaited past the deadline (the latest request only)."""
    return Q(merchant_answered_at__gt=F("merchant_answer_due_at")) | Q(
        status=CaseStatus.AWAITING_MERCHANT,
        merchant_answered_at__isnull=True,
        merchant_answer_due_at__lt=now,
    )


def breached(now: datetime) -> Q:
    return response_breached(now) | resolution_breached(now) | merchant_answer_breached(now)


def at_risk(now: datetime) -> Q:
    """A clock that has not stopped, is past its at-risk point and not yet due; a case
    with a breached clock counts as breached, not at risk."""
    clock = Coalesce("paused_at", _at(now))
    response = Q(
        first_responded_at__isnull=True,
        resolved_at__isnull=True,
        response_at_risk_at__lte=clock,
        response_due_at__gte=clock,
    )
    resolution = Q(
        resolved_at__isnull=True,
        resolution_at_risk_at__lte=clock,
        resolution_due_at__gte=clock,
    )
    merchant = Q(
        status=CaseStatus.AWAITING_MERCHANT,
        merchant_answered_at__isnull=True,
        merchant_answer_at_risk_at__lte=now,
        merchant_answer_due_at__gte=now,
    )
    return (response | resolution | merchant) & ~breached(now)


class SLAState(django_filters.ChoiceFilter):
    BREACHED = "breached"
    RESPONSE_BREACHED = "response_breached"
    RESOLUTION_BREACHED = "resolution_breached"
    MERCHANT_ANSWER_BREACHED = "merchant_answer_breached"
    AT_RISK = "at_risk"
    ON_TIME = "on_time"

    CHOICES = [
        (BREACHED, _("Any target breached")),
        (RESPONSE_BREACHED, _("First response breached")),
        (RESOLUTION_BREACHED, _("Resolution breached")),
        (MERCHANT_ANSWER_BREACHED, _("Merchant answer breached")),
        (AT_RISK, _("At risk (past the at-risk point, nothing breached yet)")),
        (ON_TIME, _("On time (neither breached nor at risk)")),
    ]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", self.CHOICES)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        now = timezone.now()
        conditions = {
            self.BREACHED: breached,
            self.RESPONSE_BREACHED: response_breached,
            self.RESOLUTION_BREACHED: resolution_breached,
            self.MERCHANT_ANSWER_BREACHED: merchant_answer_breached,
            self.AT_RISK: at_risk,
        }
        if value == self.ON_TIME:
            return qs.exclude(breached(now)).exclude(at_risk(now))
        return qs.filter(conditions[value](now))


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open (not yet decided)"))
    kind = django_filters.ChoiceFilter(choices=CaseKind.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    complaint_type = django_filters.ChoiceFilter(choices=Case.ComplaintType.choices)
    sla = SLAState(label=_("SLA state"))
    escalated = django_filters.BooleanFilter()
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", label=_("Not assigned yet")
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    resolution_due_after = django_filters.IsoDateTimeFilter(
        field_name="resolution_due_at", lookup_expr="gte"
    )
    resolution_due_before = django_filters.IsoDateTimeFilter(
        field_name="resolution_due_at", lookup_expr="lt"
    )
    response_due_after = django_filters.IsoDateTimeFilter(
        field_name="response_due_at", lookup_expr="gte"
    )
    response_due_before = django_filters.IsoDateTimeFilter(
        field_name="response_due_at", lookup_expr="lt"
    )

    class Meta:
        model = Case
        fields = ["merchant", "product", "assignee", "channel", "order_number", "reference"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN) if value else queryset.exclude(status__in=OPEN)


class SLAPolicyFilter(django_filters.FilterSet):
    in_force_at = django_filters.IsoDateTimeFilter(
        method="filter_in_force", label=_("Only the versions in force at this instant")
    )
    calendar_kind = django_filters.ChoiceFilter(choices=CalendarKind.choices)

    class Meta:
        model = SLAPolicy
        fields = ["kind", "priority", "version"]

    def filter_in_force(self, queryset, name, value):
        """Per kind and priority, the highest version already effective at `value`."""
        if value is None:
            return queryset
        effective = SLAPolicy.objects.filter(effective_from__lte=value)
        latest = (
            effective.order_by("kind", "priority", "-version")
            .distinct("kind", "priority")
            .values("pk")
        )
        return queryset.filter(pk__in=latest)

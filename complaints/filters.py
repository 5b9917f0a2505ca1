"""django-filter FilterSets for the complaints API. The SLA-state filter asks
complaints.sla_state, the one definition of breached / at risk / on time."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import sla_state
from complaints.models import (
    OPEN,
    CalendarKind,
    Case,
    CaseKind,
    CaseStatus,
    Priority,
    SLAPolicy,
    Target,
)


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

    # choice -> (the clock asked about, None for the case's worst clock; its state)
    STATES = {
        BREACHED: (None, sla_state.BREACHED),
        RESPONSE_BREACHED: (Target.RESPONSE, sla_state.BREACHED),
        RESOLUTION_BREACHED: (Target.RESOLUTION, sla_state.BREACHED),
        MERCHANT_ANSWER_BREACHED: (Target.MERCHANT_ANSWER, sla_state.BREACHED),
        AT_RISK: (None, sla_state.AT_RISK),
        ON_TIME: (None, sla_state.NOT_LATE),
    }

    def filter(self, qs, value):
        if not value:
            return qs
        target, state = self.STATES[value]
        return sla_state.in_state(qs, state, timezone.now(), target=target)


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

"""Reads for the quality incident pages, scoped to who is asking."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from complaints.models import QualityIncident
from core.decision_labels import action_label
from merchants.selectors import scoped


def incident_list(
    *, status="", kind="", source="", merchant="", search=""
) -> QuerySet[QualityIncident]:
    incidents = QualityIncident.objects.select_related("merchant", "product")
    if status:
        incidents = incidents.filter(status=status)
    if kind:
        incidents = incidents.filter(kind=kind)
    if source:
        incidents = incidents.filter(source=source)
    if merchant:
        incidents = incidents.filter(merchant__legal_name__icontains=merchant)
    if search:
        incidents = incidents.filter(
            Q(reference__iexact=search)
            | Q(product__title__icontains=search)
            | Q(product__sku__iexact=search)
        )
    return incidents.order_by("-opened_at", "-id")


def incidents_for_merchant_user(user) -> QuerySet[QualityIncident]:
    """The user's own merchant's incidents; nothing for anyone else."""
    return scoped(QualityIncident.objects.all(), user, staff_roles=())


def consequences(incident: QualityIncident) -> dict:
    """The violation entries recorded with this incident as evidence and the sanctions they
    brought (or that name the incident themselves)."""
    from merchants.models import Sanction, ViolationEntry

    content_type = ContentType.objects.get_for_model(QualityIncident)
    entries = list(
        ViolationEntry.objects.filter(evidence_type=content_type, evidence_id=str(incident.pk))
        .select_related("rule")
        .order_by("recorded_at")
    )
    sanctions = list(
        Sanction.objects.filter(
            Q(entries__in=[e.pk for e in entries])
            | Q(evidence_type=content_type, evidence_id=str(incident.pk))
        )
        .distinct()
        .order_by("pk")
    )
    return {"entries": entries, "sanctions": sanctions}


def timeline(incident: QualityIncident) -> list:
    from complaints.services.incidents import ACTION_LABELS
    from core.audit import decisions_for

    statuses = dict(QualityIncident.Status.choices)
    decisions = list(decisions_for(incident).order_by("created_at", "id"))
    for decision in decisions:
        decision.label = ACTION_LABELS.get(decision.action) or action_label(
            decision.action, decision
        )
        decision.from_label = statuses.get(decision.from_state, decision.from_state)
        decision.to_label = statuses.get(decision.to_state, decision.to_state)
    return decisions

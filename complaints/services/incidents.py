"""Quality incidents (domain §13): one product problem gathered from the complaints, lots and
reports that show it, contained first (the listing suspended while staff investigate, C5
"立即下架"), then confirmed (points, delisting, a risk-triggered inspection) or dismissed.

Every transition goes through FLOW (an explicit transition table that writes the decision
record: who, when, from, to, reason). The incident row is locked for the duration of a step.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import reason_texts
from complaints.models import Case, CaseKind, QualityIncident
from core.alerts import AlertSpec, choice_label, raise_alerts, register_kind
from core.audit import Workflow, record_decision
from core.db import NextId, NumberedReference
from core.exceptions import DomainError, InvalidTransition, NotAllowed
from core.roles import Role, has_role
from merchants import reason_texts as merchant_reasons

Status = QualityIncident.Status
Kind = QualityIncident.Kind
Source = QualityIncident.Source

FLOW = Workflow(
    "status",
    {
        Status.OPEN: {Status.CONTAINED, Status.RESOLVED, Status.DISMISSED},
        # Back to open: the containment was lifted, the investigation goes on.
        Status.CONTAINED: {Status.OPEN, Status.RESOLVED, Status.DISMISSED},
    },
    labels=dict(Status.choices),
)

# Complaint types that are a product problem worth an incident, and the incident's kind.
KIND_BY_COMPLAINT_TYPE = {
    Case.ComplaintType.COUNTERFEIT: Kind.COUNTERFEIT,
    Case.ComplaintType.QUALITY_DEFECT: Kind.QUALITY_DEFECT,
    Case.ComplaintType.SAFETY: Kind.SAFETY,
}

# The catalogue rule a confirmed incident of this kind applies (evidence: the incident).
# Quality defects and safety hazards have no rule of their own: a rejected lot already
# records `inspection_lot_rejected` against the inspection.
RULE_BY_KIND = {
    Kind.COUNTERFEIT: "counterfeit",
    Kind.FALSE_ADVERTISING: "false_advertising_substantiated",
}

CONTAINED_ALERT = "incident_contained"
CONFIRMED_ALERT = "incident_confirmed"

ACTION_LABELS = {
    "open": gettext_lazy("Opened"),
    "join": gettext_lazy("Joined by a new report"),
    "contain": gettext_lazy("Listing suspended (containment)"),
    "lift": gettext_lazy("Containment lifted"),
    "confirm": gettext_lazy("Confirmed"),
    "dismiss": gettext_lazy("Dismissed"),
}


def register_alert_kinds() -> None:
    register_kind(
        CONTAINED_ALERT,
        gettext_lazy("Listing suspended for a quality incident"),
        gettext_lazy("%(incident)s: %(product)s is suspended while %(kind)s is investigated"),
        labels={"kind": choice_label(Kind)},
    )
    register_kind(
        CONFIRMED_ALERT,
        gettext_lazy("Quality incident confirmed"),
        gettext_lazy("%(incident)s: %(kind)s confirmed for %(product)s"),
        labels={"kind": choice_label(Kind)},
    )


# --- who may do what ------------------------------------------------------------------------


def may_view(user) -> bool:
    """Read by role (the header asks on every page, where the role cache is already
    loaded); the writes below check the permissions the roles are given."""
    return has_role(
        user,
        Role.QUALITY_MANAGEMENT,
        Role.CONSUMER_SERVICE,
        Role.QUALITY_MANAGER,
        Role.DATA_ANALYSIS,
    )


def may_open(user) -> bool:
    return user.has_perm("complaints.add_qualityincident")


def may_contain(user) -> bool:
    """Quality Management and Consumer Service (the permission is theirs, core.roles)."""
    return user.has_perm("complaints.contain_qualityincident")


def may_decide(user) -> bool:
    return user.has_perm("complaints.decide_qualityincident")


def _check(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed(_("You may not do this to a quality incident."), code="not_allowed")


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError({field: _("Give the reason for this decision.")}, code="required")
    return text


def _locked(incident: QualityIncident) -> QualityIncident:
    return (
        QualityIncident.objects.select_for_update(of=("self",))
        .select_related("product", "merchant")
        .get(pk=incident.pk)
    )


def _require_open(incident: QualityIncident) -> None:
    if not incident.is_open:
        raise InvalidTransition(
            {
                "status": _("This incident is already closed (%(status)s).")
                % {"status": incident.get_status_display()}
            },
            code="closed",
        )


def _user(by):
    return by if getattr(by, "is_authenticated", False) else None


# --- opening --------------------------------------------------------------------------------


def _validate_opening(
    *, kind, product, source, summary, summary_code, lot, inspection, case
) -> None:
    errors = {}
    if kind not in Kind.values:
        errors["kind"] = _("Choose what kind of problem this is.")
    if source not in Source.values:
        errors["source"] = _("Unknown source.")
    if product is None:
        errors["product"] = _("Name the product the problem is about.")
    if not (summary or "").strip() and not summary_code:
        errors["summary"] = _("Describe what is reported.")
    if product is not None:
        if lot is not None and lot.product_id != product.pk:
            errors["lot"] = _("This lot is not a lot of this product.")
        if inspection is not None and inspection.product_id != product.pk:
            errors["inspection"] = _("This inspection is not of this product.")
        if case is not None and case.merchant_id != product.merchant_id:
            errors["case"] = _("This case is about another merchant.")
    if errors:
        raise DomainError(errors)


@transaction.atomic
def open_incident(**opening) -> QualityIncident:
    """Open an incident, or join the open one for the same product and kind (a second
    complaint about the same fake adds its case and files to the first incident).

    Idempotent per rejected lot: an inspection already behind an incident returns it."""
    return _open_or_join(**opening)


def _open_or_join(
    *,
    kind: str,
    product,
    source: str,
    summary: str = "",
    summary_code: str = "",
    summary_params: dict | None = None,
    by=None,
    lot=None,
    inspection=None,
    case=None,
    evidence=(),
) -> QualityIncident:
    """open_incident inside the caller's transaction, without a savepoint of its own.

    Every filing of a defect complaint joins its incident here (open_for_case, within the
    filing's transaction, which a refusal rolls back whole): joining costs one locking read
    and no savepoint; only a new incident takes one, for the race with another transaction
    opening the same incident (the partial unique constraint)."""
    if source == Source.STAFF:
        _check(may_open(by))
    _validate_opening(
        kind=kind,
        product=product,
        source=source,
        summary=summary,
        summary_code=summary_code,
        lot=lot,
        inspection=inspection,
        case=case,
    )
    if inspection is not None:
        known = QualityIncident.objects.filter(inspection=inspection).first()
        if known is not None:
            return known
    incident = _open_one(product, kind).first()
    if incident is None:
        try:
            with transaction.atomic():
                incident = _create(
                    kind=kind,
                    product=product,
                    source=source,
                    summary=summary,
                    summary_code=summary_code,
                    summary_params=summary_params or {},
                    by=by,
                    lot=lot,
                    inspection=inspection,
                )
        except IntegrityError:
            # Another transaction opened the same product's incident first (or this is a
            # replayed rejection): join what is there.
            if inspection is not None:
                known = QualityIncident.objects.filter(inspection=inspection).first()
                if known is not None:  # a replayed rejection, committed meanwhile
                    return known
            incident = _open_one(product, kind).get()
            _join(incident, by=by, source=source, lot=lot, inspection=inspection, case=case)
    else:
        _join(incident, by=by, source=source, lot=lot, inspection=inspection, case=case)
    if case is not None:
        incident.cases.add(case)
    if evidence:
        incident.evidence.add(*evidence)
    return incident


def _open_one(product, kind):
    """The open (or contained) incident of the product and kind, locked: at most one."""
    return QualityIncident.objects.select_for_update(of=("self",)).filter(
        product=product, kind=kind, status__in=[Status.OPEN, Status.CONTAINED]
    )


def _create(
    *, kind, product, source, summary, summary_code, summary_params, by, lot, inspection
) -> QualityIncident:
    """A new incident; open_incident found none open for this product and kind (one opened
    meanwhile by another transaction makes the INSERT fail on the unique constraint).

    `summary`: a person's words; `summary_code` and `summary_params`: what the system says
    about them (complaints.reason_texts), rendered in each reader's language."""
    now = timezone.now()
    # The id and the reference numbered after it are drawn in the INSERT itself.
    reference = NumberedReference(QualityIncident, f"QI-{now:%Y%m%d}-", digits=4)
    incident = QualityIncident.objects.create(
        id=NextId(QualityIncident),
        reference=reference,
        kind=kind,
        source=source,
        merchant_id=product.merchant_id,
        product=product,
        lot=lot,
        inspection=inspection,
        summary=(summary or "").strip(),
        summary_code=summary_code,
        summary_params=summary_params,
        opened_by=_user(by),
        opened_at=now,
    )
    incident.reference = reference.reference(incident.pk)
    record_decision(
        incident,
        action="open",
        to_state=Status.OPEN,
        actor=by,
        # Staff's own words as typed; the system's sentence as a code and parameters.
        reason="" if summary_code else incident.summary,
        data={
            "source": source,
            **reason_texts.summary_reason(summary_code, summary_params, incident.summary),
        },
    )
    return incident


def _join(incident, *, by, source, lot, inspection, case) -> None:
    changed = []
    if lot is not None and incident.lot_id is None:
        incident.lot = lot
        changed.append("lot")
    if inspection is not None and incident.inspection_id is None:
        incident.inspection = inspection
        changed.append("inspection")
    if changed:
        incident.save(update_fields=changed)
    record_decision(
        incident,
        action="join",
        from_state=incident.status,
        to_state=incident.status,
        actor=by,
        data={
            "source": source,
            "case": getattr(case, "reference", ""),
            "inspection": getattr(inspection, "pk", None),
        },
    )


@transaction.atomic(savepoint=False)
def open_for_case(case: Case, *, by=None, files=None) -> QualityIncident | None:
    """Intake hook: a complaint about a counterfeit, a defect or a safety hazard of a named
    product opens (or joins) its incident when it is filed, so that containment need not
    wait for the case to be resolved. `files`: the case's uploads when the caller has
    them at hand (the intake), else they are read."""
    kind = KIND_BY_COMPLAINT_TYPE.get(case.complaint_type)
    if case.kind != CaseKind.COMPLAINT or kind is None or case.product_id is None:
        return None
    return _open_or_join(
        kind=kind,
        product=case.product,
        source=Source.COMPLAINT,
        summary=case.description,
        summary_code=reason_texts.COMPLAINT_FILED,
        summary_params={"reference": case.reference},
        by=by,
        case=case,
        evidence=_case_files(case) if files is None else files,
    )


def open_for_report(case: Case, *, by=None, reason: str = "") -> QualityIncident | None:
    """A substantiated false-advertising report about a product."""
    if case.product_id is None:
        return None
    return open_incident(
        kind=Kind.FALSE_ADVERTISING,
        product=case.product,
        source=Source.AD_REPORT,
        summary=case.advertised_claim or reason,
        summary_code=reason_texts.REPORT_SUBSTANTIATED,
        summary_params={"reference": case.reference},
        by=by,
        case=case,
        evidence=_case_files(case),
    )


def open_for_rejected_lot(inspection) -> QualityIncident:
    """inspections.services.on_lot_rejected listener (after the rejection is committed)."""
    from inspections.models import DefectClass

    kind = Kind.SAFETY if inspection.decided_by_class == DefectClass.CRITICAL else None
    incident = open_incident(
        kind=kind or Kind.QUALITY_DEFECT,
        product=inspection.product,
        source=Source.LOT_REJECTED,
        summary_code=reason_texts.LOT_REJECTED,
        summary_params={
            "id": inspection.pk,
            "batch": inspection.batch,
            "class": inspection.decided_by_class,
        },
        lot=inspection.lot,
        inspection=inspection,
    )
    from complaints.services import buyer_notices  # intake -> incidents -> notices

    # A rejected lot is its own confirmation: its buyers are told at once. (A rejection that
    # joined an incident opened by a complaint tells them when that incident is confirmed.)
    if buyer_notices.may_be_told(incident):
        buyer_notices.notify_buyers(incident=incident)
    return incident


def _case_files(case: Case) -> list:
    from complaints.models import CaseMessage

    through = CaseMessage.attachments.through
    return list(through.objects.filter(casemessage__case=case).values_list("upload_id", flat=True))


# --- containment ----------------------------------------------------------------------------


@transaction.atomic
def contain(*, incident: QualityIncident, by, reason: str) -> QualityIncident:
    """Suspend the listing at once while the incident is investigated (an interim measure,
    reversible with lift_containment). A listing already restricted for another reason
    stays as it is; a delisted one cannot be contained."""
    from products.models import Product
    from products.services import restrict_listing

    _check(may_contain(by))
    reason = _reason(reason)
    incident = _locked(incident)
    _require_open(incident)
    if incident.status == Status.CONTAINED:
        raise InvalidTransition(
            {"status": _("The listing is already suspended for this incident.")},
            code="contained",
        )
    product = Product.objects.select_for_update().get(pk=incident.product_id)
    if product.status == Product.Status.DELISTED:
        raise DomainError(
            {"product": _("The listing is already delisted: there is nothing to suspend.")},
            code="delisted",
        )
    before = product.status
    if product.status == Product.Status.LISTED:
        restrict_listing(
            product=product,
            by=by,
            reason_code=merchant_reasons.INCIDENT_STEP,
            reason_params={"reference": incident.reference, "reason": reason},
            evidence=incident.reference,
            cause=Product.Cause.INCIDENT,
        )
    incident.listing_status_before = before
    incident.contained_at = timezone.now()
    incident.containment_reason = reason
    FLOW.apply(
        incident,
        Status.CONTAINED,
        actor=by,
        reason=reason,
        action="contain",
        data={"listing_before": before},
        update_fields=["listing_status_before", "contained_at", "containment_reason"],
    )
    _tell_owners(incident, CONTAINED_ALERT, stamp=int(incident.contained_at.timestamp()))
    return incident


def _release(incident: QualityIncident, *, by, reason: str, coded: dict | None = None) -> None:
    """Give the listing back the status it had before containment (when the containment
    still holds it). The reason is the system's sentence, a code and parameters read in
    each reader's language: the incident and the staff's `reason`, or `coded` (the
    reason_code and reason_params of a sentence of its own)."""
    from products.models import Product
    from products.services import release_listing

    coded = coded or {
        "reason_code": merchant_reasons.INCIDENT_STEP,
        "reason_params": {"reference": incident.reference, "reason": reason},
    }
    if incident.listing_status_before == Product.Status.LISTED:
        release_listing(
            product=incident.product,
            by=by,
            cause=Product.Cause.INCIDENT,
            **coded,
            evidence=incident.reference,
        )
    incident.contained_at = None
    incident.listing_status_before = ""


@transaction.atomic
def lift_containment(*, incident: QualityIncident, by, reason: str) -> QualityIncident:
    """End the interim suspension: the listing returns to its earlier status and the
    incident stays open."""
    _check(may_contain(by))
    reason = _reason(reason)
    incident = _locked(incident)
    _require_open(incident)
    if incident.status != Status.CONTAINED:
        raise InvalidTransition(
            {"status": _("The listing is not suspended for this incident.")},
            code="not_contained",
        )
    before = incident.listing_status_before
    _release(incident, by=by, reason=reason)
    FLOW.apply(
        incident,
        Status.OPEN,
        actor=by,
        reason=reason,
        action="lift",
        data={"listing_restored": before},
        update_fields=["contained_at", "listing_status_before"],
    )
    return incident


# --- decisions ------------------------------------------------------------------------------


def _rule_for(incident: QualityIncident) -> str | None:
    rule = RULE_BY_KIND.get(incident.kind)
    if (
        rule == "false_advertising_substantiated"
        and incident.cases.filter(
            kind=CaseKind.AD_REPORT, outcome=Case.Outcome.SUBSTANTIATED
        ).exists()
    ):
        return None  # the substantiated report already recorded these points
    return rule


@transaction.atomic
def confirm(
    *,
    incident: QualityIncident,
    by,
    findings: str,
    delist: bool = True,
    schedule_inspection: bool = True,
) -> QualityIncident:
    """The problem is confirmed: the kind's rule is applied (counterfeit: 24 points by
    default; idempotent per incident), the listing is delisted for quality and a
    risk-triggered inspection may be scheduled."""
    from inspections.services import schedule_risk_inspection
    from merchants import reason_texts
    from merchants.services import record_violation
    from products.models import Product
    from products.services import delist_listing

    _check(may_decide(by))
    findings = _reason(findings, "findings")
    incident = _locked(incident)
    _require_open(incident)
    product = Product.objects.select_for_update().get(pk=incident.product_id)
    # The system's sentence as a code and its parameters (read in each reader's language).
    confirmed = {
        "reference": incident.reference,
        "kind": incident.kind,
        "findings": findings,
    }
    was_contained = incident.status == Status.CONTAINED
    if delist and product.status != Product.Status.DELISTED:
        delist_listing(
            product=product,
            by=by,
            reason_code=reason_texts.INCIDENT_CONFIRMED,
            reason_params=confirmed,
            evidence=incident.reference,
            cause=Product.Cause.QUALITY,
        )
    elif was_contained:
        _release(
            incident,
            by=by,
            reason=findings,
            coded={
                "reason_code": reason_texts.INCIDENT_CONFIRMED,
                "reason_params": confirmed,
            },
        )
    rule = _rule_for(incident)
    entry = None
    if rule:
        entry = record_violation(
            merchant=incident.merchant,
            rule_code=rule,
            evidence=incident,
            recorded_by=by,
            note_code=reason_texts.INCIDENT_CONFIRMED,
            note_params=confirmed,
        )
    plan = None
    if schedule_inspection:
        plan = schedule_risk_inspection(
            merchant=incident.merchant,
            source=f"complaints.qualityincident:{incident.pk}",
            reason_code=reason_texts.INCIDENT_CONFIRMED,
            reason_params=confirmed,
            product=product,
            by=by,
        )
    now = timezone.now()
    incident.findings = findings
    incident.resolution_reason = findings
    incident.resolved_at = now
    FLOW.apply(
        incident,
        Status.RESOLVED,
        actor=by,
        reason=findings,
        action="confirm",
        data={
            "rule": rule or "",
            "violation": getattr(entry, "pk", None),
            "delisted": bool(delist),
            "inspection_plan": getattr(plan, "pk", None),
        },
        update_fields=[
            "findings",
            "resolution_reason",
            "resolved_at",
            "contained_at",
            "listing_status_before",
        ],
    )
    _tell_owners(incident, CONFIRMED_ALERT, stamp=0)
    if delist:
        from complaints.services import buyer_notices  # intake -> incidents -> notices

        # Delisted for quality or counterfeit: every verified buyer in the look-back is told.
        buyer_notices.notify_buyers(incident=incident, by=by)
    return incident


@transaction.atomic
def dismiss(*, incident: QualityIncident, by, reason: str) -> QualityIncident:
    """Not confirmed: closed with the reason; a suspended listing gets its status back."""
    _check(may_decide(by))
    reason = _reason(reason)
    incident = _locked(incident)
    _require_open(incident)
    if incident.status == Status.CONTAINED:
        _release(incident, by=by, reason=reason)
    incident.resolution_reason = reason
    incident.resolved_at = timezone.now()
    FLOW.apply(
        incident,
        Status.DISMISSED,
        actor=by,
        reason=reason,
        action="dismiss",
        update_fields=["resolution_reason", "resolved_at", "contained_at", "listing_status_before"],
    )
    return incident


# --- alerts ---------------------------------------------------------------------------------


def _tell_owners(incident: QualityIncident, kind: str, *, stamp: int) -> None:
    """The merchant's owners, in their inbox and by e-mail (core.alerts delivers after
    commit; the rows roll back with the step)."""
    from merchants.models import Membership

    owners = Membership.objects.filter(
        merchant_id=incident.merchant_id, role=Membership.Role.OWNER
    ).values_list("user_id", flat=True)
    url = reverse("complaints:portal-incidents")
    payload = {
        "incident": incident.reference,
        "product": incident.product.title,
        "kind": incident.kind,
    }
    raise_alerts(
        [
            AlertSpec(
                kind=kind,
                key=f"{kind}:incident:{incident.pk}:{stamp}:user:{uid}",
                user_id=uid,
                obj=incident,
                payload=payload,
                url=url,
            )
            for uid in owners
        ]
    )

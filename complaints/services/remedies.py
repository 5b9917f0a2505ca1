"""Remedies as records (domain §13): granted on a case or an incident, done with proof or
failed, paid first by the platform when the merchant does not pay by the due date or when
the platform is at fault, and then recovered from the merchant (C2.6, C3.5).

Every write is here, called by the staff page, the portal, the admin, the API and the
due-date sweep (complaints.remedy_sweep, the set-based form of `platform_pays_first`).

Who is a supervisor: a user with the `complaints.grant_remedy_above_order` permission
(the Quality Managers group has it; Consumer Service agents do not). Only a supervisor's
reason lets a money remedy exceed the order amount.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import reason_texts
from complaints.models import MONEY_KINDS, Case, QualityIncident, Recovery, Remedy
from core.alerts import AlertSpec, choice_label, raise_alerts, register_kind
from core.audit import Workflow, record_decision
from core.decision_labels import reason_data
from core.exceptions import DomainError

SUPERVISOR_PERMISSION = "complaints.grant_remedy_above_order"

WORKFLOW = Workflow(
    "status",
    {Remedy.Status.PROMISED: {Remedy.Status.DONE, Remedy.Status.FAILED}},
    labels=dict(Remedy.Status.choices),
)
RECOVERY_WORKFLOW = Workflow(
    "status",
    {Recovery.Status.OPEN: {Recovery.Status.SETTLED, Recovery.Status.WRITTEN_OFF}},
    labels=dict(Recovery.Status.choices),
)

GRANTED_TO_MERCHANT = "remedy_to_pay"
OVERDUE = "remedy_overdue"
PLATFORM_PAID = "remedy_platform_paid"
# Payloads keep the kind's code; the reader sees its label in their language.
register_kind(
    GRANTED_TO_MERCHANT,
    gettext_lazy("Remedy to pay"),
    gettext_lazy("%(target)s: %(kind)s%(amount)s is due by %(due)s"),
    labels={"kind": choice_label(Remedy.Kind)},
)
register_kind(
    OVERDUE,
    gettext_lazy("Remedy overdue"),
    gettext_lazy("%(target)s: %(kind)s%(amount)s was due at %(due)s"),
    labels={"kind": choice_label(Remedy.Kind)},
)
register_kind(
    PLATFORM_PAID,
    gettext_lazy("The platform paid for you"),
    gettext_lazy(
        "%(target)s: you did not pay %(kind)s%(amount)s by the due date; the platform paid "
        "the consumer and opened a recovery against you"
    ),
    labels={"kind": choice_label(Remedy.Kind)},
)


def is_supervisor(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(SUPERVISOR_PERMISSION))


# --- the order amount (the cap on money) ------------------------------------------------------


def order_amount_for(
    *, case: Case | None = None, incident: QualityIncident | None = None, purchase=None
) -> Decimal | None:
    """What the consumer paid for the order the remedy is about: the linked purchase (price
    x quantity), else the case's order (all its lines at this merchant), else the case's or
    incident's product price (one unit). None when nothing tells."""
    from reviews.models import Purchase

    if purchase is not None:
        return purchase.product.price * purchase.quantity
    if case is not None and case.order_number:
        lines = Purchase.objects.filter(
            order_number=case.order_number, merchant_id=case.merchant_id
        ).select_related("product")
        amounts = [line.product.price * line.quantity for line in lines]
        if amounts:
            return sum(amounts, Decimal(0))
    product = (case.product if case is not None else None) or (
        incident.product if incident is not None else None
    )
    return product.price if product is not None else None


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError({"amount": _("Enter an amount such as 120.00.")}) from exc


def _check_money(
    *, kind: str, amount: Decimal | None, order_amount, by, above_order_reason: str
) -> None:
    if kind in MONEY_KINDS and amount is None:
        raise DomainError({"amount": _("A refund or compensation needs an amount.")})
    if amount is None:
        return
    if amount <= 0:
        raise DomainError({"amount": _("The amount must be more than zero.")})
    if order_amount is not None and amount > order_amount:
        if not above_order_reason.strip():
            raise DomainError(
                {
                    "above_order_reason": _(
                        "The amount is above the order amount (%(order)s): a supervisor "
                        "must give the reason."
                    )
                    % {"order": order_amount}
                }
            )
        if not is_supervisor(by):
            raise DomainError(
                {
                    "amount": _(
                        "Only a supervisor can grant more than the order amount (%(order)s)."
                    )
                    % {"order": order_amount}
                }
            )


# --- granting -----------------------------------------------------------------------------------


@transaction.atomic
def grant_remedy(
    *,
    by,
    kind: str,
    payer: str,
    due_at: datetime,
    case: Case | None = None,
    incident: QualityIncident | None = None,
    purchase=None,
    amount=None,
    currency: str = "CNY",
    note: str = "",
    above_order_reason: str = "",
    platform_reason: str = "",
    now: datetime | None = None,
) -> Remedy:
    """Record a remedy promised to the consumer. A platform payer needs the reason
    "platform at fault" and opens a recovery against the merchant at once."""
    now = now or timezone.now()
    if case is None and incident is None:
        raise DomainError(_("A remedy belongs to a case or a quality incident."))
    if kind not in Remedy.Kind.values:
        raise DomainError({"kind": _("Choose a kind of remedy.")})
    if payer not in Remedy.Payer.values:
        raise DomainError({"payer": _("Choose who pays.")})
    if due_at is None:
        raise DomainError({"due_at": _("Give the due date.")})
    target = case or incident
    if case is not None and incident is not None and case.merchant_id != incident.merchant_id:
        raise DomainError(_("The case and the incident concern different merchants."))
    if purchase is not None and purchase.merchant_id != target.merchant_id:
        raise DomainError({"purchase": _("The purchase is from another merchant.")})
    amount = _amount(amount)
    order_amount = order_amount_for(case=case, incident=incident, purchase=purchase)
    _check_money(
        kind=kind,
        amount=amount,
        order_amount=order_amount,
        by=by,
        above_order_reason=above_order_reason,
    )
    at_fault = Remedy.PlatformReason.PLATFORM_AT_FAULT
    if payer == Remedy.Payer.PLATFORM and platform_reason != at_fault:
        raise DomainError(
            {"platform_reason": _("The platform pays a remedy only when it is at fault.")}
        )
    remedy = Remedy.objects.create(
        case=case,
        incident=incident,
        purchase=purchase,
        merchant_id=target.merchant_id,
        kind=kind,
        amount=amount,
        currency=(currency or "CNY").upper()[:3],
        order_amount=order_amount,
        above_order_reason=above_order_reason.strip() if amount and order_amount else "",
        payer=payer,
        due_at=due_at,
        note=note,
        platform_paid_first=payer == Remedy.Payer.PLATFORM,
        platform_reason=platform_reason if payer == Remedy.Payer.PLATFORM else "",
        granted_by=by if getattr(by, "is_authenticated", False) else None,
        granted_at=now,
    )
    record_decision(
        remedy,
        action="grant",
        to_state=remedy.status,
        actor=by,
        reason=above_order_reason or note,
        data={
            "kind": kind,
            "amount": str(amount) if amount is not None else None,
            "order_amount": str(order_amount) if order_amount is not None else None,
            "payer": payer,
            "due": due_at.isoformat(),
        },
    )
    if remedy.platform_paid_first:
        _open_recovery(remedy, reason=at_fault, by=by, now=now)
    _tell_consumer(remedy, "granted")
    if payer == Remedy.Payer.MERCHANT:
        _tell_merchant(remedy)
    return remedy


# --- done / failed ------------------------------------------------------------------------------


def _locked(remedy: Remedy) -> Remedy:
    return (
        Remedy.objects.select_for_update(of=("self",))
        .select_related("case", "incident")
        .get(pk=remedy.pk)
    )


def _require_promised(remedy: Remedy) -> None:
    if remedy.is_final:
        # Not a field's fault: the remedy has moved on (the API answers 409).
        raise DomainError(
            _("This remedy is already “%(status)s”; it cannot change again.")
            % {"status": remedy.get_status_display()},
            code="invalid_transition",
        )


def mark_done(
    *, remedy: Remedy, by, proof_reference: str = "", proof_file=None, note: str = ""
) -> Remedy:
    """The remedy was carried out: a proof reference (payment or shipment number) or a proof
    file (checked by core.uploads) is required. A refused file stores nothing."""
    proof_reference = (proof_reference or "").strip()
    if not proof_reference and proof_file is None:
        raise DomainError({"proof_reference": _("Give a proof reference or attach a proof file.")})
    from core.uploads import with_stored_files

    def finish(stored):
        return _mark_done(
            remedy=remedy,
            by=by,
            proof_reference=proof_reference,
            proof=stored[0] if stored else None,
            note=note,
        )

    return with_stored_files([proof_file] if proof_file is not None else [], then=finish, by=by)


@transaction.atomic
def _mark_done(*, remedy: Remedy, by, proof_reference: str, proof, note: str) -> Remedy:
    remedy = _locked(remedy)
    _require_promised(remedy)
    remedy.proof_reference = proof_reference
    remedy.proof = proof
    remedy.done_at = timezone.now()
    WORKFLOW.apply(
        remedy,
        Remedy.Status.DONE,
        actor=by,
        reason=note,
        data={"proof_reference": proof_reference, "proof": str(proof.pk) if proof else None},
        update_fields=["proof_reference", "proof", "done_at"],
    )
    _tell_consumer(remedy, "done")
    return remedy


@transaction.atomic
def mark_failed(*, remedy: Remedy, by, reason: str) -> Remedy:
    """The remedy could not be carried out (the reason is required and shown to staff)."""
    if not (reason or "").strip():
        raise DomainError({"reason": _("Say why the remedy failed.")})
    remedy = _locked(remedy)
    _require_promised(remedy)
    remedy.failure_reason = reason.strip()
    remedy.failed_at = timezone.now()
    WORKFLOW.apply(
        remedy,
        Remedy.Status.FAILED,
        actor=by,
        reason=reason,
        update_fields=["failure_reason", "failed_at"],
    )
    _tell_consumer(remedy, "failed")
    return remedy


# --- the platform pays first, and recovers -----------------------------------------------------


@transaction.atomic
def platform_pays_first(
    *,
    remedy: Remedy,
    by=None,
    reason: str = Remedy.PlatformReason.MERCHANT_DID_NOT_PAY,
    now: datetime | None = None,
) -> Remedy:
    """The platform takes over a merchant-paid remedy still promised, and a recovery is
    opened against the merchant. The sweep does the same, set-based, at the due date."""
    now = now or timezone.now()
    remedy = _locked(remedy)
    _require_promised(remedy)
    if reason not in Remedy.PlatformReason.values:
        raise DomainError({"platform_reason": _("Choose why the platform pays.")})
    if remedy.platform_paid_first or remedy.payer != Remedy.Payer.MERCHANT:
        raise DomainError({"payer": _("The platform already pays this remedy.")})
    remedy.payer = Remedy.Payer.PLATFORM
    remedy.platform_paid_first = True
    remedy.platform_reason = reason
    remedy.save(update_fields=["payer", "platform_paid_first", "platform_reason"])
    record_decision(
        remedy,
        action="platform_pays_first",
        from_state=Remedy.Payer.MERCHANT,
        to_state=Remedy.Payer.PLATFORM,
        actor=by,
        data=reason_data(reason_texts.PLATFORM_PAYS, {"reason": reason}),
    )
    _open_recovery(remedy, reason=reason, by=by, now=now)
    return remedy


def _open_recovery(remedy: Remedy, *, reason: str, by, now: datetime) -> Recovery:
    recovery = Recovery.objects.create(
        remedy=remedy,
        merchant_id=remedy.merchant_id,
        amount=remedy.amount,
        currency=remedy.currency,
        reason=reason,
        opened_at=now,
    )
    record_decision(
        recovery,
        action="open",
        to_state=recovery.status,
        actor=by,
        data=reason_data(reason_texts.PLATFORM_PAYS, {"reason": reason}),
    )
    return recovery


@transaction.atomic
def settle_recovery(
    *, recovery: Recovery, by, reference: str = "", note: str = "", write_off: bool = False
) -> Recovery:
    """The merchant paid the platform back (a settlement reference is required), or staff
    write the claim off (a note is required)."""
    recovery = Recovery.objects.select_for_update().get(pk=recovery.pk)
    reference, note = (reference or "").strip(), (note or "").strip()
    if write_off and not note:
        raise DomainError({"note": _("Say why the recovery is written off.")})
    if not write_off and not reference:
        raise DomainError({"reference": _("Give the settlement reference.")})
    if recovery.status != Recovery.Status.OPEN:
        raise DomainError(
            _("This recovery is already “%(status)s”.") % {"status": recovery.get_status_display()},
            code="invalid_transition",
        )
    recovery.settlement_reference = reference
    recovery.note = note
    recovery.settled_at = timezone.now()
    recovery.settled_by = by if getattr(by, "is_authenticated", False) else None
    RECOVERY_WORKFLOW.apply(
        recovery,
        Recovery.Status.WRITTEN_OFF if write_off else Recovery.Status.SETTLED,
        actor=by,
        reason=note or reference,
        update_fields=["settlement_reference", "note", "settled_at", "settled_by"],
    )
    return recovery


# --- telling people -----------------------------------------------------------------------------


def describe(remedy: Remedy) -> str:
    """The remedy in words in the active language: "Refund of 120.00 CNY"."""
    if remedy.amount is None:
        return str(remedy.get_kind_display())
    return _("%(kind)s of %(amount)s %(currency)s") % {
        "kind": remedy.get_kind_display(),
        "amount": formats.number_format(remedy.amount, 2),
        "currency": remedy.currency,
    }


def _due_text(remedy: Remedy) -> str:
    return formats.date_format(timezone.localtime(remedy.due_at), "SHORT_DATE_FORMAT")


def _tell_consumer(remedy: Remedy, event: str) -> None:
    case = remedy.case
    if case is None:
        return
    from complaints.notifications import notify_consumer

    with translation.override(case.language):
        what = describe(remedy)
        if event == "granted":
            detail = _("%(remedy)s is granted; due by %(due)s.") % {
                "remedy": what,
                "due": _due_text(remedy),
            }
        elif event == "done":
            detail = _("%(remedy)s is done.") % {"remedy": what}
        elif event == "platform_paid":
            detail = _(
                "%(remedy)s: the merchant did not pay by the due date, so the platform pays "
                "it to you now."
            ) % {"remedy": what}
        else:
            detail = _("%(remedy)s could not be carried out; we will contact you.") % {
                "remedy": what
            }
    notify_consumer(case=case, event="remedy", detail=detail)


def tell_platform_paid(remedy_ids) -> int:
    """The consumers of remedies the due-date sweep made the platform pay are told (the
    sweep calls this through a task after its commit); returns how many were told."""
    remedies = Remedy.objects.filter(
        pk__in=list(remedy_ids), platform_paid_first=True, case__isnull=False
    ).select_related("case")
    told = 0
    for remedy in remedies:
        _tell_consumer(remedy, "platform_paid")
        told += 1
    return told


def _tell_merchant(remedy: Remedy) -> None:
    from django.urls import reverse

    from merchants.selectors import case_handlers

    target = remedy.target
    url = reverse("complaints:portal-remedies")
    raise_alerts(
        [
            AlertSpec(
                kind=GRANTED_TO_MERCHANT,
                key=f"{GRANTED_TO_MERCHANT}:remedy:{remedy.pk}:user:{user_id}",
                user_id=user_id,
                obj=remedy,
                payload={
                    "kind": remedy.kind,
                    "amount": f" {remedy.amount} {remedy.currency}" if remedy.amount else "",
                    "target": target.reference,
                    "due": timezone.localtime(remedy.due_at).strftime("%Y-%m-%d %H:%M"),
                },
                url=url,
            )
            for user_id in case_handlers(remedy.merchant_id)
        ]
    )

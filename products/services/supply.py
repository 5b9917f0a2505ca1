"""Suppliers of self-operated goods (screening, approval, re-verification, suspension) and
lots (a lot number names one product within its merchant).

Every write about suppliers and lots goes through here: admin, staff pages, API, the
purchase import and inspections call these functions.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.alerts import raise_alerts_from_select
from core.audit import Workflow, batched_decisions, record_decision
from core.decision_labels import reason_data
from core.exceptions import DomainError
from core.roles import Role
from products import reason_texts
from products.models import Lot, Product, Supplier

#: Approved suppliers are re-verified this often.
REVERIFY_DAYS = 365
LOT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

SUPPLIER_FLOW = Workflow(
    "status",
    {
        Supplier.Status.SCREENING: {Supplier.Status.APPROVED, Supplier.Status.REJECTED},
        Supplier.Status.REJECTED: {Supplier.Status.SCREENING},
        Supplier.Status.APPROVED: {Supplier.Status.SUSPENDED, Supplier.Status.APPROVED},
        Supplier.Status.SUSPENDED: {Supplier.Status.SCREENING},
    },
    labels=dict(Supplier.Status.choices),
)


def _today() -> date:
    return timezone.localdate()


# --- suppliers -----------------------------------------------------------------------------
def screening_gaps(supplier: Supplier, *, today: date | None = None) -> list[str]:
    """What stops approval, as reason codes (empty: the screening is complete)."""
    today = today or _today()
    gaps = []
    if not supplier.licence_number:
        gaps.append(Supplier.Reason.LICENCE_MISSING)
    elif supplier.licence_valid_until is None or supplier.licence_valid_until < today:
        gaps.append(Supplier.Reason.LICENCE_EXPIRED)
    if not supplier.certificates.strip():
        gaps.append(Supplier.Reason.CERTIFICATE_MISSING)
    if supplier.factory_audit_date is None:
        gaps.append(Supplier.Reason.AUDIT_MISSING)
    elif not supplier.factory_audit_passed:
        gaps.append(Supplier.Reason.AUDIT_FAILED)
    return gaps


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": _("Give the reason for this decision.")})
    return reason


def _reason_code(code: str) -> str:
    if code not in Supplier.Reason.values:
        raise DomainError({"reason_code": _("Choose a reason code.")})
    return code


@transaction.atomic
def approve_supplier(*, supplier: Supplier, by, note: str = "") -> Supplier:
    """Approve (or re-verify) a supplier whose screening is complete; the next
    re-verification is due a year later."""
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    gaps = screening_gaps(supplier)
    if gaps:
        labels = dict(Supplier.Reason.choices)
        raise DomainError(
            _("The screening is not complete: %(gaps)s.")
            % {"gaps": "; ".join(str(labels[g]) for g in gaps)},
            code="screening_incomplete",
        )
    supplier.reason_code = Supplier.Reason.DOCUMENTS_COMPLETE
    supplier.reverify_by = _today() + timedelta(days=REVERIFY_DAYS)
    SUPPLIER_FLOW.apply(
        supplier,
        Supplier.Status.APPROVED,
        actor=by,
        action="reverify" if supplier.status == Supplier.Status.APPROVED else "approve",
        reason=note,
        update_fields=["reason_code", "reverify_by", "updated_at"],
    )
    return supplier


@transaction.atomic
def reject_supplier(*, supplier: Supplier, reason_code: str, reason: str, by) -> Supplier:
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    supplier.reason_code = _reason_code(reason_code)
    SUPPLIER_FLOW.apply(
        supplier,
        Supplier.Status.REJECTED,
        actor=by,
        reason=_reason_required(reason),
        data={"screening_code": reason_code},
        update_fields=["reason_code", "updated_at"],
    )
    return supplier


@transaction.atomic
def suspend_supplier(*, supplier: Supplier, reason_code: str, reason: str, by) -> Supplier:
    """Suspend an approved supplier: its products may not get new lots until it is
    screened and approved again."""
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    supplier.reason_code = _reason_code(reason_code)
    SUPPLIER_FLOW.apply(
        supplier,
        Supplier.Status.SUSPENDED,
        actor=by,
        reason=_reason_required(reason),
        data={"screening_code": reason_code},
        update_fields=["reason_code", "updated_at"],
    )
    return supplier


@transaction.atomic
def rescreen_supplier(*, supplier: Supplier, by, note: str = "") -> Supplier:
    """A rejected or suspended supplier sends new documents: back to screening."""
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    SUPPLIER_FLOW.apply(
        supplier, Supplier.Status.SCREENING, actor=by, action="rescreen", reason=note
    )
    return supplier


@transaction.atomic
def link_supplier(*, product: Product, supplier: Supplier | None, by=None) -> Product:
    """Self-operated goods name their supplier, which must be approved."""
    if supplier is not None and supplier.status != Supplier.Status.APPROVED:
        raise DomainError(
            {"supplier": _("Only an approved supplier can supply a product.")},
            code="supplier_not_approved",
        )
    product.supplier = supplier
    product.save(update_fields=["supplier", "updated_at"])
    return product


_OVERDUE = """
    SELECT 'supplier_reverification', 'supplier_reverification:' || s.reverify_by || ':supplier:'
           || s.id, NULL::bigint, %(group)s, %(ct)s, s.id::text,
           jsonb_build_object('supplier', s.name, 'date', s.reverify_by::text),
           %(url)s
    FROM products_supplier s
    WHERE s.status = 'approved' AND s.reverify_by IS NOT NULL AND s.reverify_by <= %(soon)s
"""


def sweep_suppliers(*, today: date | None = None) -> dict[str, int]:
    """Daily: alert Quality Management 30 days before a re-verification is due, and
    suspend approved suppliers whose licence expired or whose re-verification is overdue
    (one UPDATE, history rows by trigger, a decision per supplier)."""
    from django.contrib.contenttypes.models import ContentType

    today = today or _today()
    group = Group.objects.filter(name=Role.QUALITY_MANAGEMENT).first()
    alerts = 0
    if group is not None:
        alerts = len(
            raise_alerts_from_select(
                _OVERDUE,
                {
                    "group": group.pk,
                    "ct": ContentType.objects.get_for_model(Supplier).pk,
                    "url": reverse("products:staff-suppliers"),
                    "soon": today + timedelta(days=30),
                },
            )
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE products_supplier
            SET status = 'suspended', updated_at = %(now)s,
                reason_code = CASE WHEN licence_valid_until < %(today)s THEN 'licence_expired'
                                   ELSE 'reverification_overdue' END
            WHERE status = 'approved'
              AND (licence_valid_until < %(today)s OR reverify_by < %(today)s)
            RETURNING id, reason_code
            """,
            {"now": timezone.now(), "today": today},
        )
        suspended = cursor.fetchall()
        with batched_decisions():
            for pk, code in suspended:
                record_decision(
                    Supplier(pk=pk),
                    action="suspend",
                    from_state=Supplier.Status.APPROVED,
                    to_state=Supplier.Status.SUSPENDED,
                    data=reason_data(reason_texts.SUPPLIER_SCREENING, {"reason": code}),
                )
    return {"alerts": alerts, "suspended": len(suspended)}


# --- lots ----------------------------------------------------------------------------------
def new_lot_code() -> str:
    return "".join(secrets.choice(LOT_CODE_ALPHABET) for _i in range(12))


def clean_lot_number(number) -> str:
    number = (number or "").strip() if isinstance(number, str) else ""
    if not number:
        raise DomainError({"lot": _("Give the lot number.")})
    if len(number) > 64:
        raise DomainError({"lot": _("A lot number has at most 64 characters.")})
    return number


def lot_reused_error(number: str, other_product) -> str:
    return _("Lot number %(lot)s is already used for another product (%(product)s).") % {
        "lot": number,
        "product": other_product,
    }


@transaction.atomic
def register_lot(
    *,
    product: Product,
    number: str,
    production_date: date | None = None,
    quantity: int | None = None,
    supplier: Supplier | None = None,
    by=None,
) -> Lot:
    """The lot of a product with this number: created on first use, else the existing one
    (its missing details filled in). A number already used for another product is refused."""
    number = clean_lot_number(number)
    if production_date is not None and production_date > _today():
        raise DomainError({"production_date": _("The production date cannot be in the future.")})
    if quantity is not None and quantity < 1:
        raise DomainError({"quantity": _("Must be at least 1.")})
    supplier = supplier or product.supplier
    if supplier is not None and supplier.status != Supplier.Status.APPROVED:
        raise DomainError(
            {"supplier": _("Only an approved supplier can supply a new lot.")},
            code="supplier_not_approved",
        )
    lot = Lot.objects.filter(merchant_id=product.merchant_id, number=number).first()
    if lot is None:
        try:
            with transaction.atomic():
                return Lot.objects.create(
                    merchant_id=product.merchant_id,
                    product=product,
                    supplier=supplier,
                    number=number,
                    code=new_lot_code(),
                    production_date=production_date,
                    quantity=quantity,
                )
        except IntegrityError:
            lot = Lot.objects.get(merchant_id=product.merchant_id, number=number)
    if lot.product_id != product.pk:
        raise DomainError({"lot": lot_reused_error(number, lot.product)}, code="lot_reused")
    changed = []
    for name, value in (
        ("production_date", production_date),
        ("quantity", quantity),
        ("supplier", supplier),
    ):
        if value is not None and getattr(lot, name) is None:
            setattr(lot, name, value)
            changed.append(name)
    if changed:
        lot.save(update_fields=changed)
    return lot


def lots_for_numbers(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, int]]:
    """{(merchant_id, number): (lot_id, product_id)} for the stored lots, in one query."""
    if not pairs:
        return {}
    merchants, numbers = zip(*pairs, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT l.merchant_id, l.number, l.id, l.product_id
            FROM products_lot l
            JOIN unnest(%s::bigint[], %s::text[]) AS b(merchant_id, number)
              ON l.merchant_id = b.merchant_id AND l.number = b.number
            """,
            [list(merchants), list(numbers)],
        )
        return {(m, n): (pk, product) for m, n, pk, product in cursor.fetchall()}


def create_lots(wanted: dict[tuple[int, str], int]) -> dict[tuple[int, str], tuple[int, int]]:
    """Create the missing lots {(merchant_id, number): product_id} in one INSERT ... ON
    CONFLICT DO NOTHING, then read them all back (a concurrent batch may have won)."""
    if wanted:
        Lot.objects.bulk_create(
            [
                Lot(merchant_id=m, number=n, product_id=product, code=new_lot_code())
                for (m, n), product in wanted.items()
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
    return lots_for_numbers(set(wanted))

"""Traceability: supplier → lot → inspections and verdicts → listing status changes →
purchases → complaints (→ incidents and notices, from apps that register a section).

One function per subject (a lot, a product) returns plain data; the staff page and the API
render the same dict. Counting is set-based: purchases by the lot index, complaints of the
product by its index, joined to the lot's order lines by the (order number, line) key.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef

from complaints.models import OPEN, Case
from core.decision_labels import decisions_read, reason_label
from core.models import Decision
from inspections.models import Inspection, Sample
from products.models import Lot, Product
from reviews.models import Purchase

#: Sections other apps add (quality incidents and their notices): fn(product, lot) -> dict
#: with "key", "title" and "items"/"counts". Registered at app start; lot is None for a
#: product's page.
SECTIONS: list[Callable] = []


def register_section(fn: Callable) -> Callable:
    SECTIONS.append(fn)
    return fn


def _supplier(supplier) -> dict | None:
    if supplier is None:
        return None
    return {
        "id": supplier.pk,
        "name": supplier.name,
        "status": supplier.status,
        "status_label": str(supplier.get_status_display()),
        "reverify_by": supplier.reverify_by,
    }


def _inspections(queryset) -> list[dict]:
    rows = []
    inspections = list(queryset.select_related("lot").order_by("-created_at")[:50])
    labs = {}
    for sample in Sample.objects.filter(inspection__in=inspections).select_related("lab"):
        labs.setdefault(sample.inspection_id, []).append(sample.lab.name)
    for inspection in inspections:
        rows.append(
            {
                "id": inspection.pk,
                "lot": inspection.lot.number if inspection.lot else inspection.batch,
                "status": inspection.status,
                "status_label": str(inspection.get_status_display()),
                "decided_at": inspection.decided_at,
                "rejected_for": inspection.decided_by_class,
                "labs": labs.get(inspection.pk) or ([inspection.lab] if inspection.lab else []),
                "created_at": inspection.created_at,
            }
        )
    return rows


def _listing_changes(product: Product) -> list[dict]:
    """The listing's status changes, newest first, each reason in the reader's language (a
    system reason is kept as a code); the categories they name are read once for all."""
    decisions = list(
        Decision.objects.filter(
            content_type=ContentType.objects.get_for_model(Product), object_id=str(product.pk)
        ).order_by("-created_at")[:50]
    )
    with decisions_read(decisions):
        return [
            {
                "at": d.created_at,
                "action": d.action,
                "from": d.from_state,
                "to": d.to_state,
                "reason": reason_label(d),
            }
            for d in decisions
        ]


def _complaints(cases) -> dict:
    by_status = dict(cases.values_list("status").annotate(n=Count("id")).order_by())
    by_type = dict(cases.values_list("complaint_type").annotate(n=Count("id")).order_by())
    return {
        "total": sum(by_status.values()),
        "open": sum(n for status, n in by_status.items() if status in OPEN),
        "by_status": by_status,
        "by_type": {k or "": v for k, v in by_type.items()},
    }


def _sections(product, lot) -> list[dict]:
    return [section(product, lot) for section in SECTIONS]


def trace_lot(lot: Lot) -> dict:
    """The chain of one lot."""
    product = lot.product
    lot_lines = Purchase.objects.filter(lot_id=lot.pk)
    cases = Case.objects.filter(product_id=product.pk).filter(
        Exists(Purchase.objects.filter(order_number=OuterRef("order_number"), lot_id=lot.pk))
    )
    return {
        "subject": "lot",
        "lot": {
            "id": lot.pk,
            "number": lot.number,
            "code": lot.code,
            "production_date": lot.production_date,
            "quantity": lot.quantity,
        },
        "product": {"id": product.pk, "title": product.title, "sku": product.sku},
        "merchant": {"id": product.merchant_id, "name": str(product.merchant)},
        "supplier": _supplier(lot.supplier or product.supplier),
        "listing": {"status": product.status, "cause": product.status_cause},
        "inspections": _inspections(Inspection.objects.filter(lot_id=lot.pk)),
        "listing_changes": _listing_changes(product),
        "purchases": {"count": lot_lines.count()},
        "complaints": _complaints(cases),
        "sections": _sections(product, lot),
    }


def trace_product(product: Product) -> dict:
    """The chain of one product: its lots, and the same figures over all of them."""
    lots = list(
        product.lots.select_related("supplier")
        .annotate(purchase_count=Count("purchases"))
        .order_by("-created_at")[:100]
    )
    return {
        "subject": "product",
        "product": {"id": product.pk, "title": product.title, "sku": product.sku},
        "merchant": {"id": product.merchant_id, "name": str(product.merchant)},
        "supplier": _supplier(product.supplier),
        "listing": {"status": product.status, "cause": product.status_cause},
        "lots": [
            {
                "id": lot.pk,
                "number": lot.number,
                "production_date": lot.production_date,
                "quantity": lot.quantity,
                "supplier": lot.supplier.name if lot.supplier else None,
                "purchases": lot.purchase_count,
            }
            for lot in lots
        ],
        "inspections": _inspections(Inspection.objects.filter(product_id=product.pk)),
        "listing_changes": _listing_changes(product),
        "purchases": {"count": Purchase.objects.filter(product_id=product.pk).count()},
        "complaints": _complaints(Case.objects.filter(product_id=product.pk)),
        "sections": _sections(product, None),
    }

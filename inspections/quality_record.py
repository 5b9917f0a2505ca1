"""The public quality record of a product and of a lot: the standard version in force,
whether the merchant's licence and the category's test report are valid, the latest
inspections with their verdicts and the lab that tested, and quality notices. No personal
data. The rendered record (not the page around it) is cached per subject and language
and dropped on a verdict."""

from __future__ import annotations

import io

import segno
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from inspections.models import Inspection, Sample
from merchants.models import Document, DocumentType
from products.models import Lot, Product
from products.services import standard_version_for

CACHE_SECONDS = 300
DECIDED = (Inspection.Status.ACCEPTED, Inspection.Status.REJECTED, Inspection.Status.OVERTURNED)
LANGUAGES = ("zh-hans", "en")


# Higher apps add public notices about a product (complaints: published quality notices):
# each source is `fn(product_id) -> list` of objects with title, body and published_at.
NOTICE_SOURCES: list = []


def register_notice_source(fn) -> None:
    if fn not in NOTICE_SOURCES:
        NOTICE_SOURCES.append(fn)


def public_notices(product_id: int) -> list:
    return [notice for source in NOTICE_SOURCES for notice in source(product_id)]


def cache_key(kind: str, ident, language: str) -> str:
    return f"quality_record:{kind}:{ident}:{language}"


def forget(*, product_id: int, lot_code: str | None = None) -> None:
    """Drop the cached pages of a product (and one of its lots) after a verdict."""
    keys = [cache_key("product", product_id, lang) for lang in LANGUAGES]
    if lot_code:
        keys += [cache_key("lot", lot_code, lang) for lang in LANGUAGES]
    cache.delete_many(keys)


def _document_valid(merchant_id: int, document_type: str, category=None) -> bool:
    today = timezone.localdate()
    documents = Document.objects.filter(
        merchant_id=merchant_id,
        document_type=document_type,
        status=Document.Status.ACCEPTED,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))
    if category is not None:
        documents = documents.filter(category_id__in=[category.pk, category.parent_id])
    return documents.exists()


def _inspections(queryset) -> list[dict]:
    inspections = list(
        queryset.filter(status__in=DECIDED).select_related("lot").order_by("-decided_at")[:5]
    )
    labs: dict[int, str] = {}
    for inspection_id, name in Sample.objects.filter(inspection__in=inspections).values_list(
        "inspection_id", "lab__name"
    ):
        labs.setdefault(inspection_id, name)
    return [
        {
            "decided_at": i.decided_at,
            "status": i.status,
            "status_label": i.get_status_display(),
            "lot": i.lot.number if i.lot_id else i.batch,
            "lab": labs.get(i.pk) or i.lab,
        }
        for i in inspections
    ]


def record_for_product(product: Product) -> dict:
    version = standard_version_for(product.category)
    return {
        "product": product,
        "merchant_name": product.merchant.legal_name,
        "standard": version,
        "licence_valid": _document_valid(product.merchant_id, DocumentType.BUSINESS_LICENCE),
        "test_report_valid": _document_valid(
            product.merchant_id, DocumentType.TEST_REPORT, product.category
        ),
        "inspections": _inspections(Inspection.objects.filter(product_id=product.pk)),
        "notice": product.status != Product.Status.LISTED
        and product.status_cause == Product.Cause.QUALITY,
        "status": product.get_status_display(),
        "lots": list(product.lots.order_by("-created_at")[:10]),
        "quality_notices": public_notices(product.pk),
    }


def record_for_lot(lot: Lot) -> dict:
    record = record_for_product(lot.product)
    record.update(
        lot=lot,
        inspections=_inspections(Inspection.objects.filter(lot_id=lot.pk)),
        lots=[],
        supplier=lot.supplier or lot.product.supplier,
    )
    return record


def qr_svg(url: str) -> bytes:
    """The QR code (SVG) a merchant prints on the packaging of a lot."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2)
    return out.getvalue()

"""Public quality record pages (no sign-in, no personal data, cached) and the merchant's
lot list with a QR code per lot."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.web import allowed_if
from inspections import quality_record, selectors
from merchants.selectors import merchant_of
from products.models import Lot, Product

merchant_required = allowed_if(lambda user: merchant_of(user) is not None)


def _cached(request, kind, ident, build):
    """The record's title and body are rendered once per subject and language and kept in
    the cache; the page around them (header with the visitor's name, language switch and
    CSRF token) is rendered for each request, so no visitor is handed another's."""
    key = quality_record.cache_key(kind, ident, get_language() or "zh-hans")
    part = quality_record.cache.get(key)
    if part is None:
        context = build()
        part = {
            "title": _("Quality record") + ": " + context["product"].title,
            "body": render_to_string("inspections/public/_record_body.html", context),
        }
        quality_record.cache.set(key, part, quality_record.CACHE_SECONDS)
    return render(
        request,
        "inspections/public/record.html",
        {"title": part["title"], "body": mark_safe(part["body"])},  # noqa: S308 (our template)
    )


def public_product(request, pk):
    def build():
        product = get_object_or_404(
            Product.objects.select_related("merchant", "category", "supplier"), pk=pk
        )
        return quality_record.record_for_product(product)

    return _cached(request, "product", int(pk), build)


def public_lot(request, code):
    code = (code or "").strip().upper()[:24]

    def build():
        lot = get_object_or_404(
            Lot.objects.select_related(
                "product__merchant", "product__category", "product__supplier", "supplier"
            ),
            code=code,
        )
        return quality_record.record_for_lot(lot)

    return _cached(request, "lot", code, build)


@merchant_required
def merchant_lots(request):
    lots = (
        selectors.lots_for_merchant_user(request.user)
        .select_related("product", "supplier")
        .order_by("-created_at")[:500]
    )
    return render(request, "inspections/public/merchant_lots.html", {"lots": lots})


@merchant_required
def merchant_lot_qr(request, pk):
    lot = get_object_or_404(selectors.lots_for_merchant_user(request.user), pk=pk)
    url = settings.SITE_URL.rstrip("/") + reverse("inspections:public-lot", args=[lot.code])
    response = HttpResponse(quality_record.qr_svg(url), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="lot-{lot.code}.svg"'
    return response

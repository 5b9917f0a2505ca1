"""Traceability pages per lot and per product (staff of the quality and merchant
departments)."""

from django.shortcuts import get_object_or_404, render

from core.roles import Role, has_role
from core.web import allowed_if
from products.models import Lot, Product
from reports.services import traceability

TRACE_READERS = (
    Role.QUALITY_MANAGEMENT,
    Role.QUALITY_MANAGER,
    Role.MERCHANT_MANAGEMENT,
    Role.CONSUMER_SERVICE,
    Role.DATA_ANALYSIS,
)
trace_reader = allowed_if(lambda u: has_role(u, *TRACE_READERS))


@trace_reader
def trace_lot(request, pk):
    lot = get_object_or_404(
        Lot.objects.select_related("product__merchant", "product__supplier", "supplier"), pk=pk
    )
    return render(request, "reports/trace/page.html", {"trace": traceability.trace_lot(lot)})


@trace_reader
def trace_product(request, pk):
    product = get_object_or_404(Product.objects.select_related("merchant", "supplier"), pk=pk)
    return render(
        request, "reports/trace/page.html", {"trace": traceability.trace_product(product)}
    )

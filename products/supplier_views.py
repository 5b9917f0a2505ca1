"""Quality Management's supplier pages (screening, approval, re-verification, suspension)
and lot list. Thin: parse, authorise, call a service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.audit import decisions_for
from core.roles import Role, has_role
from core.uploads import atomic_with_uploads, store_upload
from core.web import allowed_if
from products import services
from products.models import Lot, Supplier
from products.services.supply import screening_gaps

staff_reader = allowed_if(lambda u: has_role(u, Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER))


@staff_reader
def staff_suppliers(request):
    status = request.GET.get("status", "")
    suppliers = Supplier.objects.order_by("name")
    if status in Supplier.Status.values:
        suppliers = suppliers.filter(status=status)
    return render(
        request,
        "products/staff/suppliers.html",
        {
            "suppliers": suppliers[:500],
            "status": status,
            "statuses": Supplier.Status.choices,
            "lots": Lot.objects.select_related("product", "supplier", "merchant")[:50],
        },
    )


@staff_reader
def staff_supplier(request, pk):
    supplier = get_object_or_404(Supplier, pk=pk)
    if request.method == "POST":
        if not has_role(request.user, Role.QUALITY_MANAGEMENT):
            raise PermissionDenied  # Quality Managers read; Quality Management decides
        action = request.POST.get("action")
        reason = request.POST.get("reason", "")
        code = request.POST.get("reason_code", "")
        try:
            if action == "approve":
                services.approve_supplier(supplier=supplier, by=request.user, note=reason)
            elif action == "reject":
                services.reject_supplier(
                    supplier=supplier, reason_code=code, reason=reason, by=request.user
                )
            elif action == "suspend":
                services.suspend_supplier(
                    supplier=supplier, reason_code=code, reason=reason, by=request.user
                )
            elif action == "rescreen":
                services.rescreen_supplier(supplier=supplier, by=request.user, note=reason)
            elif action == "document" and request.FILES.get("file"):
                with atomic_with_uploads():
                    supplier.documents.add(
                        store_upload(request.FILES["file"], uploaded_by=request.user)
                    )
            messages.success(request, _("Saved."))
        except ValidationError as exc:  # a DomainError, or the upload checks
            for message in exc.messages:
                messages.error(request, message)
        return redirect("products:staff-supplier", pk=supplier.pk)
    return render(
        request,
        "products/staff/supplier.html",
        {
            "supplier": supplier,
            "gaps": [dict(Supplier.Reason.choices)[g] for g in screening_gaps(supplier)],
            "reasons": Supplier.Reason.choices,
            "lots": supplier.lots.select_related("product")[:100],
            "products": supplier.products.all()[:100],
            "decisions": decisions_for(supplier),
            "may_act": has_role(request.user, Role.QUALITY_MANAGEMENT),
        },
    )

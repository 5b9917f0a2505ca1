from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from core.exceptions import DomainError
from core.web import add_service_errors, allowed_if
from merchants.reason_texts import categories_named
from merchants.selectors import merchant_of
from products import reason_texts, selectors, services
from products.forms import FlagDecisionForm, ProductForm
from products.models import ClaimFlag, Product, Requirement, ScanRun, StandardVersion


def merchant_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        merchant = merchant_of(request.user)
        if merchant is None:
            raise PermissionDenied
        request.merchant = merchant
        return view(request, *args, **kwargs)

    return wrapped


reviewer_required = allowed_if(selectors.is_claim_reviewer)


# --- merchant portal ---------------------------------------------------------------------
@merchant_required
def merchant_products(request):
    products = selectors.with_open_flag_count(selectors.products_visible_to(request.user)).order_by(
        "-updated_at"
    )
    status = request.GET.get("status", "")
    if status in Product.Status.values:
        products = products.filter(status=status)
    if request.GET.get("flagged") == "1":
        open_flags = ClaimFlag.objects.filter(status=ClaimFlag.Status.OPEN)
        products = products.filter(pk__in=open_flags.values("product_id"))
    page = Paginator(products, 30).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    # The categories the rows' status reasons name, read once for the page.
    with categories_named((p.status_reason_code, p.status_reason_params) for p in page):
        return render(
            request,
            "products/merchant/product_list.html",
            {"page": page, "statuses": Product.Status.choices, "status": status},
        )


@merchant_required
def merchant_product_edit(request, pk=None):
    product = None
    if pk is not None:
        product = get_object_or_404(selectors.products_visible_to(request.user), pk=pk)
    initial = {}
    if product is not None:
        initial = {
            name: getattr(product, name)
            for name in ("category", "sku", "title", "description", "price")
        }
    form = ProductForm(
        request.POST or None,
        request.FILES or None,
        merchant=request.merchant,
        product=product,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in ("category", "sku", "title", "description", "price")}
        try:
            if product is None:
                product = services.create_product(
                    merchant=request.merchant, images=data["images"], by=request.user, **fields
                )
                messages.success(request, _("The product is listed."))
            else:
                services.update_product(
                    product=product,
                    by=request.user,
                    add_images=data["images"],
                    remove_images=data.get("remove_images") or [],
                    **fields,
                )
                messages.success(request, _("The product is saved."))
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            open_flags = product.claim_flags.filter(status=ClaimFlag.Status.OPEN).count()
            if open_flags:
                messages.warning(
                    request,
                    _(
                        "%(n)d phrase(s) may breach Advertising Law art. 9(3) and will be "
                        "reviewed by our staff. The product stays listed meanwhile."
                    )
                    % {"n": open_flags},
                )
            return redirect("products:merchant-product-edit", pk=product.pk)
    flags = product.claim_flags.exclude(status=ClaimFlag.Status.OBSOLETE) if product else []
    return render(
        request,
        "products/merchant/product_form.html",
        {"form": form, "product": product, "flags": flags},
    )


@merchant_required
@require_POST
@ratelimit(key="user", rate="120/m", block=True)
def merchant_claim_check(request):
    """Live feedback for the editor: what the scanner would flag, before saving."""
    title = request.POST.get("title", "")[:200]
    description = request.POST.get("description", "")[:20000]
    feedback = services.check_text(title=title, description=description)
    return JsonResponse({"hits": [f.as_dict() for f in feedback]})


@merchant_required
def merchant_standards(request):
    """The standards in force (and the next versions announced) for the merchant's
    categories."""
    now = timezone.now()
    rows = []
    requirements = Prefetch("requirements", queryset=Requirement.objects.order_by("position"))
    for category in request.merchant.categories.filter(active=True).order_by("code"):
        current = services.standard_version_for(category, now)
        standard = services.standard_for(category)
        upcoming = []
        if standard is not None:
            upcoming = list(
                standard.versions.filter(
                    status=StandardVersion.Status.PUBLISHED, effective_from__gt=now
                )
                .order_by("effective_from")
                .prefetch_related(requirements)
            )
        if current is not None:
            current = StandardVersion.objects.prefetch_related(requirements).get(pk=current.pk)
        rows.append({"category": category, "current": current, "upcoming": upcoming})
    return render(request, "products/merchant/standards.html", {"rows": rows})


# --- staff -------------------------------------------------------------------------------
@reviewer_required
def staff_claims(request):
    queue = selectors.review_queue()
    hint = request.GET.get("hint", "")
    if hint == "none":
        queue = queue.filter(exemption_hint="")
    elif hint:
        queue = queue.filter(exemption_hint=hint)
    category = request.GET.get("category", "")
    if category:
        queue = queue.filter(category=category)
    form = FlagDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ids = [f.pk for f in form.cleaned_data["flags"]]
        reason = form.cleaned_data["reason"]
        try:
            if form.cleaned_data["decision"] == FlagDecisionForm.CLEAR:
                count = services.clear_flags(flag_ids=ids, by=request.user, reason=reason)
                messages.success(request, _("%(n)d flags cleared.") % {"n": count})
            else:
                restricted = services.restrict_for_claims(
                    flag_ids=ids, by=request.user, reason=reason
                )
                messages.success(
                    request,
                    _("%(n)d flags actioned, %(p)d listings restricted.")
                    % {"n": len(ids), "p": len(restricted)},
                )
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(request.get_full_path())
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    from products.models import ClaimCategory, ExemptionKind

    return render(
        request,
        "products/staff/claims.html",
        {
            "page": page,
            "form": form,
            "hints": ExemptionKind.choices,
            "hint": hint,
            "categories": ClaimCategory.choices,
            "category": category,
            "run": ScanRun.objects.first(),
        },
    )


@reviewer_required
@require_POST
def staff_rescan(request):
    run = services.request_rescan(by=request.user, reason_code=reason_texts.REQUESTED_FROM_QUEUE)
    messages.success(request, _("Rescan #%(id)s queued.") % {"id": run.pk})
    return redirect("products:staff-claims")

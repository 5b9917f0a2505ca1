"""Pages: public review list, the per-purchase review page, the merchant's ratings page and
the staff moderation queue. Each parses, authorises, calls a service and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from core.exceptions import DomainError
from merchants.selectors import merchant_of
from products.models import Product
from reviews import selectors, services
from reviews.forms import DismissForm, ReasonForm, ReplyForm, ReviewForm
from reviews.models import IntegritySignal, MerchantRatingStanding, ProductReview


def product_reviews(request, product_id):
    product = get_object_or_404(Product.objects.select_related("merchant"), pk=product_id)
    page = Paginator(selectors.public_reviews(product), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/product_reviews.html",
        {"product": product, "page": page, "summary": selectors.review_summary(product)},
    )


@ratelimit(key="ip", rate="30/m", method=["GET", "POST"], block=True)
def write(request, token):
    """Reached by the per-purchase link; no account needed. Unknown tokens are a 404."""
    purchase = selectors.purchase_by_token(token)
    if purchase is None:
        raise Http404
    review = ProductReview.objects.filter(purchase=purchase).prefetch_related("photos").first()
    form = ReviewForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and review is None and form.is_valid():
        data = form.cleaned_data
        try:
            services.review_purchase(
                purchase=purchase,
                stars=data["stars"],
                text=data["text"],
                photos=form.photos(),
                description_accuracy=data["description_accuracy"],
                service_attitude=data["service_attitude"],
                logistics=data["logistics"],
                channel=ProductReview.Channel.LINK,
            )
        except DomainError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you: your review is published."))
            return redirect("reviews:write", token=token)
    return render(
        request,
        "reviews/write.html",
        {"purchase": purchase, "review": review, "form": form, "now": timezone.now()},
    )


def _merchant_or_403(request):
    merchant = merchant_of(request.user)
    if merchant is None:
        raise PermissionDenied
    return merchant


@login_required
def merchant_ratings(request):
    merchant = _merchant_or_403(request)
    trend = selectors.merchant_trend(merchant, today=timezone.localdate())
    reviews = Paginator(
        selectors.reviews_visible_to(request.user).order_by("-created_at", "-id"), 20
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/merchant_ratings.html",
        {
            "merchant": merchant,
            "trend": trend,
            "latest": trend[-1] if trend else None,
            "standing": MerchantRatingStanding.objects.filter(merchant=merchant).first(),
            "page": reviews,
            "reply_form": ReplyForm(),
        },
    )


@login_required
@require_POST
def merchant_reply(request, pk):
    _merchant_or_403(request)
    review = get_object_or_404(selectors.reviews_visible_to(request.user), pk=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_to_review(review=review, by=request.user, text=form.cleaned_data["text"])
        except DomainError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your reply is published."))
    else:
        messages.error(request, _("The reply is empty."))
    return redirect("reviews:merchant-ratings")


def _moderator_or_403(request):
    if not services.can_moderate(request.user):
        raise PermissionDenied


@login_required
def moderation(request):
    _moderator_or_403(request)
    page = Paginator(selectors.moderation_queue(), 20).get_page(request.GET.get("page"))
    folded = ProductReview.objects.filter(folded=True).select_related("product")[:20]
    return render(
        request,
        "reviews/moderation.html",
        {"page": page, "folded": folded, "reason_form": ReasonForm(), "dismiss": DismissForm()},
    )


def _moderate(request, pk, service, done):
    _moderator_or_403(request)
    review = get_object_or_404(ProductReview, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the public reason."))
    else:
        try:
            service(review=review, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
    return redirect("reviews:moderation")


@login_required
@require_POST
def staff_fold(request, pk):
    return _moderate(request, pk, services.fold_review, _("The review is folded."))


@login_required
@require_POST
def staff_unfold(request, pk):
    return _moderate(request, pk, services.unfold_review, _("The review is shown again."))


@login_required
@require_POST
def staff_dismiss(request, pk):
    _moderator_or_403(request)
    signal = get_object_or_404(IntegritySignal, pk=pk)
    form = DismissForm(request.POST)
    form.is_valid()
    try:
        services.dismiss_signal(signal=signal, by=request.user, note=form.cleaned_data.get("note"))
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The signal is dismissed; the review stays as it is."))
    return redirect("reviews:moderation")

"""Reads about purchases, reviews and figures, scoped to who is asking."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet

from core.roles import Role
from merchants.selectors import scoped
from products.models import Product
from reviews.models import (
    IntegritySignal,
    MerchantRatingFigure,
    ProductRatingFigure,
    ProductReview,
    Purchase,
    ServiceRating,
)
from reviews.services.tokens import token_hash

STAFF_READERS = tuple(Role.values)


def purchase_for_order(
    order_number: str, line: int | None = None, *, merchant=None, product=None
) -> Purchase | None:
    """The purchase behind an order (its given line, else its first line), or None, with its
    product and merchant.

    Complaints read `delivered_at` from here; pass `merchant` to stay inside one merchant.
    `product`: one the caller already holds (the complaint form's product number, read
    with its merchant): the purchase alone is read, and when it is of that product its
    product and merchant are that product and its merchant, not read again (another
    product is read with its merchant)."""
    purchases = Purchase.objects.filter(order_number=order_number)
    if product is None:
        purchases = purchases.select_related("product", "merchant")
    if merchant is not None:
        purchases = purchases.filter(merchant=merchant)
    if line is not None:
        purchases = purchases.filter(line=line)
    purchase = purchases.order_by("line").first()
    if purchase is not None and product is not None:
        if purchase.product_id != product.pk:  # another product: read it with its merchant
            product = Product.objects.select_related("merchant").get(pk=purchase.product_id)
        purchase.product = product
        if purchase.merchant_id == product.merchant_id:
            purchase.merchant = product.merchant
    return purchase


def purchase_by_token(token: str) -> Purchase | None:
    if not token or len(token) > 100:
        return None
    return (
        Purchase.objects.select_related("product", "merchant")
        .filter(review_token_hash=token_hash(token))
        .first()
    )


def _is_storefront(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.has_perm("reviews.import_purchases")


def _scope(queryset: QuerySet, user) -> QuerySet:
    """Staff departments and the storefront see everything, merchant users their own rows,
    anyone else nothing."""
    if _is_storefront(user):
        return queryset
    return scoped(queryset, user, staff_roles=STAFF_READERS)


def purchases_visible_to(user) -> QuerySet:
    return _scope(Purchase.objects.select_related("product", "merchant", "lot"), user)


def purchases_of(*, product_id: int, lot_id: int | None = None, since=None) -> QuerySet:
    """The verified purchases (storefront order lines) of a product paid at or after
    `since`; with `lot_id`, only those of that lot. The affected buyers of a rejected lot
    (quality-incident notices) are these: of the lot when it is known, else of the product.
    Uses the (product, paid_at) index, or the lot index."""
    purchases = Purchase.objects.filter(product_id=product_id)
    if lot_id is not None:
        purchases = purchases.filter(lot_id=lot_id)
    if since is not None:
        purchases = purchases.filter(paid_at__gte=since)
    return purchases


def reviews_visible_to(user) -> QuerySet:
    return _scope(
        ProductReview.objects.select_related("product", "merchant").prefetch_related("photos"),
        user,
    )


def ratings_visible_to(user) -> QuerySet:
    return _scope(ServiceRating.objects.select_related("merchant", "purchase"), user)


def merchant_figures_visible_to(user) -> QuerySet:
    return _scope(MerchantRatingFigure.objects.select_related("merchant"), user)


def product_figures_visible_to(user) -> QuerySet:
    return _scope(ProductRatingFigure.objects.select_related("product"), user)


def public_reviews(product) -> QuerySet:
    """Every review of a product, folded ones included (the page shows them as folded)."""
    return product.reviews.prefetch_related("photos").order_by("-created_at", "-id")


def review_summary(product) -> dict:
    return product.reviews.aggregate(
        count=Count("id", filter=Q(folded=False)), folded=Count("id", filter=Q(folded=True))
    )


def merchant_trend(merchant, *, days: int = 90, today: date | None = None) -> list:
    """The merchant's daily figures, oldest first, for the portal's trend."""
    figures = MerchantRatingFigure.objects.filter(merchant=merchant)
    if today is not None:
        figures = figures.filter(as_of__gt=today - timedelta(days=days), as_of__lte=today)
    return list(figures.order_by("-as_of")[:days])[::-1]


def moderation_queue() -> QuerySet:
    """Reviews with open signals, most signalled first, signals and decisions attached."""
    open_signals = IntegritySignal.objects.filter(status=IntegritySignal.Status.OPEN)
    return (
        ProductReview.objects.filter(signals__status=IntegritySignal.Status.OPEN)
        .annotate(open_signals=Count("signals", filter=Q(signals__status="open")))
        .select_related("product", "merchant")
        .prefetch_related(Prefetch("signals", queryset=open_signals, to_attr="pending"))
        .order_by("-open_signals", "-created_at")
    )


def is_review_photo(upload) -> bool:
    return ProductReview.photos.through.objects.filter(upload_id=upload.pk).exists()

"""Reads, scoped to who is asking."""

from django.db.models import Count, Q

from core.roles import Role, has_role
from merchants.selectors import merchant_of, scoped
from products.models import ClaimFlag, Product, StandardVersion

REVIEWERS = (Role.QUALITY_MANAGEMENT, Role.MERCHANT_MANAGEMENT)
STAFF_READERS = (*REVIEWERS, Role.QUALITY_MANAGER, Role.DATA_ANALYSIS, Role.CONSUMER_SERVICE)


def is_claim_reviewer(user) -> bool:
    return has_role(user, *REVIEWERS)


def products_visible_to(user):
    """A merchant user sees their merchant's products, staff see all, others none."""
    products = Product.objects.select_related("category", "merchant")
    return scoped(products, user, staff_roles=STAFF_READERS)


def with_open_flag_count(products):
    return products.annotate(
        open_flags=Count("claim_flags", filter=Q(claim_flags__status=ClaimFlag.Status.OPEN))
    )


def flags_visible_to(user):
    flags = ClaimFlag.objects.select_related("product", "product__merchant", "decided_by")
    return scoped(flags, user, staff_roles=STAFF_READERS, merchant_field="product__merchant")


def review_queue():
    return (
        ClaimFlag.objects.filter(status=ClaimFlag.Status.OPEN)
        .select_related("product", "product__merchant", "product__category")
        .order_by("created_at", "id")
    )


def versions_visible_to(user):
    """Published versions for everyone signed in; drafts for staff."""
    versions = StandardVersion.objects.select_related("standard", "standard__category")
    if merchant_of(user) is None and has_role(user, *STAFF_READERS):
        return versions
    return versions.filter(status=StandardVersion.Status.PUBLISHED)


def may_see_product_image(request, upload) -> bool:
    """Product photos: their merchant and staff."""
    products = Product.images.through.objects.filter(upload_id=upload.pk)
    merchant = merchant_of(request.user)
    if merchant is not None:
        return products.filter(product__merchant=merchant).exists()
    return has_role(request.user, *STAFF_READERS) and products.exists()

"""Consumers write reviews and service ratings; merchants reply once, publicly."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_decision
from core.exceptions import DomainError, NotAllowed
from core.uploads import atomic_with_uploads, store_upload, validate_upload
from merchants.models import Merchant
from merchants.selectors import merchant_of
from reviews import identity
from reviews.models import ProductReview, Purchase, ServiceRating

MAX_TEXT = 2000
MAX_PHOTOS = 5


def _check_score(value, label) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise DomainError(
            _("%(field)s must be a whole number from 1 to 5.") % {"field": label},
            code="score_range",
        )
    return value


def _check_text(text: str, *, label) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("%(field)s is too long: at most %(n)d characters.") % {"field": label, "n": MAX_TEXT},
            code="too_long",
        )
    return text


def merchant_identifiers(merchant: Merchant) -> set[str]:
    """Normalised emails and phones of the merchant and its members."""
    found = {
        identity.normalize(v)
        for v in merchant.memberships.values_list("user__email", flat=True)
        if v
    }
    for value in (merchant.contact_email, merchant.contact_phone):
        if value:
            found.add(identity.normalize(value))
    return found


def _refuse_self_review(*, merchant: Merchant, reviewer: str, by) -> None:
    if (by is not None and merchant_of(by) == merchant) or reviewer in merchant_identifiers(
        merchant
    ):
        raise NotAllowed(_("A merchant cannot review or rate itself."), code="self_review")


def _lock_reviewable(purchase: Purchase) -> Purchase:
    """Lock the line so two submissions for it queue up, and check it may be reviewed."""
    purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if purchase.delivered_at is None or purchase.delivered_at > timezone.now():
        raise DomainError(
            _("This purchase has not been delivered yet; it can be reviewed once it arrives."),
            code="not_delivered",
        )
    return purchase


def _store_photos(photos, *, by) -> list:
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise DomainError(
            _("At most %(n)d photos per review.") % {"n": MAX_PHOTOS}, code="too_many_photos"
        )
    try:
        for photo in photos:  # all checked before any is stored
            checked = validate_upload(photo)
            if not checked.content_type.startswith("image/"):
                raise DomainError(_("Photos must be JPEG or PNG images."), code="photo_type")
    except DomainError:
        raise
    except ValidationError as exc:
        raise DomainError(exc.messages, code="photo") from exc
    return [store_upload(photo, uploaded_by=by) for photo in photos]


@atomic_with_uploads()
def write_review(
    *,
    stars,
    text: str = "",
    photos=(),
    channel: str,
    purchase: Purchase | None = None,
    product=None,
    reviewer: str = "",
    by=None,
) -> ProductReview:
    """A product review: verified when written for a delivered purchase line (one per line);
    without a purchase (API only) it needs the product and reviewer and stays unverified."""
    stars = _check_score(stars, _("Stars"))
    text = _check_text(text, label=_("Review text"))
    if purchase is not None:
        purchase = _lock_reviewable(purchase)
        if ProductReview.objects.filter(purchase=purchase).exists():
            raise DomainError(_("This order line already has a review."), code="duplicate")
        product, reviewer = purchase.product, purchase.consumer
    else:
        reviewer = identity.normalize(reviewer)
        if product is None or not reviewer:
            raise DomainError(
                _("A review without a purchase needs the product and the reviewer."),
                code="incomplete",
            )
    _refuse_self_review(merchant=product.merchant, reviewer=reviewer, by=by)
    stored = _store_photos(photos, by=by)
    try:
        with transaction.atomic():
            review = ProductReview.objects.create(
                product=product,
                merchant_id=product.merchant_id,
                purchase=purchase,
                verified=purchase is not None,
                reviewer=reviewer,
                stars=stars,
                text=text,
                channel=channel,
            )
    except IntegrityError as exc:  # a concurrent submission for the same line won
        raise DomainError(_("This order line already has a review."), code="duplicate") from exc
    if stored:
        review.photos.add(*stored)
    return review


@transaction.atomic
def rate_service(
    *, purchase: Purchase, description_accuracy, service_attitude, logistics, channel, by=None
) -> ServiceRating:
    """The merchant's service on one delivered line, once."""
    scores = {
        "description_accuracy": _check_score(description_accuracy, _("Description accuracy")),
        "service_attitude": _check_score(service_attitude, _("Service attitude")),
        "logistics": _check_score(logistics, _("Logistics")),
    }
    purchase = _lock_reviewable(purchase)
    if ServiceRating.objects.filter(purchase=purchase).exists():
        raise DomainError(_("This order line has already been rated."), code="duplicate_rating")
    _refuse_self_review(merchant=purchase.merchant, reviewer=purchase.consumer, by=by)
    try:
        with transaction.atomic():
            return ServiceRating.objects.create(
                purchase=purchase,
                merchant_id=purchase.merchant_id,
                reviewer=purchase.consumer,
                channel=channel,
                **scores,
            )
    except IntegrityError as exc:
        raise DomainError(
            _("This order line has already been rated."), code="duplicate_rating"
        ) from exc


@transaction.atomic
def review_purchase(
    *,
    purchase: Purchase,
    stars,
    text: str,
    photos,
    description_accuracy,
    service_attitude,
    logistics,
    channel: str,
) -> tuple[ProductReview, ServiceRating]:
    """The public review page: the product review and the service rating, both or neither."""
    review = write_review(purchase=purchase, stars=stars, text=text, photos=photos, channel=channel)
    rating = rate_service(
        purchase=purchase,
        description_accuracy=description_accuracy,
        service_attitude=service_attitude,
        logistics=logistics,
        channel=channel,
    )
    return review, rating


@transaction.atomic
def reply_to_review(*, review: ProductReview, by, text: str) -> ProductReview:
    """The merchant's one public reply."""
    if merchant_of(by) is None or merchant_of(by).pk != review.merchant_id:
        raise NotAllowed(_("Only the reviewed merchant may reply."), code="not_merchant")
    text = _check_text(text, label=_("Reply"))
    if not text:
        raise DomainError(_("The reply is empty."), code="empty_reply")
    review = ProductReview.objects.select_for_update().get(pk=review.pk)
    if review.replied_at is not None:
        raise DomainError(_("This review already has the merchant's reply."), code="replied")
    review.reply, review.replied_at, review.replied_by = text, timezone.now(), by
    review.save(update_fields=["reply", "replied_at", "replied_by"])
    record_decision(review, action="reply", actor=by, reason=text)
    return review

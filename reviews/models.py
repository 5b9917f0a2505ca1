"""Purchases imported from the storefront, reviews, service ratings, integrity signals and
the rolling rating figures. Reviews and ratings are never deleted (E-commerce Law art. 39):
a database trigger refuses DELETE on them, whatever the code path."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.audit import governed
from reviews.evidence import labelled

STAR_RANGE = Q(stars__gte=1, stars__lte=5)


def _score_range(field: str) -> Q:
    return Q(**{f"{field}__gte": 1, f"{field}__lte": 5})


_NEVER_DELETED = pgtrigger.Protect(name="never_deleted", operation=pgtrigger.Delete)


class Purchase(models.Model):
    """One order line as the storefront reported it; the proof behind a verified review and
    the source of delivered-at for complaints.

    Not row-history tracked: pghistory's per-row triggers made a 100,000-line import
    superlinear (12x slower). The import records each change of a stored line instead, as a
    decision with the old and new values, in one bulk insert."""

    order_number = models.CharField(_("order number"), max_length=64)
    line = models.PositiveIntegerField(_("order line"))
    consumer = models.CharField(
        _("consumer"),
        max_length=200,
        help_text=_("The storefront's consumer identifier (email or phone), normalised."),
    )
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="purchases",
        verbose_name=_("product"),
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="purchases",
        verbose_name=_("merchant"),
    )
    lot = models.ForeignKey(
        "products.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchases",
        verbose_name=_("lot"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    paid_at = models.DateTimeField(_("paid"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # SHA-256 of the per-purchase review link's token; the token itself is never stored.
    review_token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-paid_at"]
        permissions = [("import_purchases", _("Can import purchases from the storefront"))]
        constraints = [
            models.UniqueConstraint(fields=["order_number", "line"], name="purchase_order_line"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="purchase_quantity_min"),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(delivered_at__gte=F("paid_at")),
                name="purchase_delivered_after_paid",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "paid_at"]),
            models.Index(fields=["product", "paid_at"]),
            models.Index(fields=["consumer"]),
        ]

    def __str__(self):
        return f"{self.order_number}/{self.line}"

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None and self.delivered_at <= timezone.now()


@governed
class ProductReview(models.Model):
    """Stars, text and photos about a product. Verified when tied to a purchase line."""

    class Channel(models.TextChoices):
        LINK = "link", _("Review link")
        API = "api", _("API")

    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("product"),
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="product_reviews",
        verbose_name=_("merchant"),
    )
    purchase = models.OneToOneField(
        Purchase,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review",
        verbose_name=_("purchase"),
    )
    reviewer = models.CharField(pgettext_lazy("review author", "reviewer"), max_length=200)
    verified = models.BooleanField(_("verified purchase"), default=False)
    stars = models.PositiveSmallIntegerField(_("stars"))
    text = models.TextField(_("text"), blank=True, default="")
    photos = models.ManyToManyField(
        "core.Upload", blank=True, related_name="+", verbose_name=_("photos")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(_("written"), default=timezone.now, db_index=True)
    folded = models.BooleanField(_("folded"), default=False)
    fold_reason = models.TextField(_("public reason for folding"), blank=True, default="")
    folded_at = models.DateTimeField(_("folded at"), null=True, blank=True)
    folded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("folded by"),
    )
    reply = models.TextField(_("merchant reply"), blank=True, default="")
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("replied by"),
    )

    class Meta:
        verbose_name = _("product review")
        verbose_name_plural = _("product reviews")
        ordering = ["-created_at", "-id"]
        triggers = [_NEVER_DELETED]
        constraints = [
            models.CheckConstraint(condition=STAR_RANGE, name="review_stars_1_to_5"),
            models.CheckConstraint(
                condition=Q(verified=True, purchase__isnull=False)
                | Q(verified=False, purchase__isnull=True),
                name="review_verified_iff_purchase",
            ),
            models.CheckConstraint(
                condition=Q(folded=False) | ~Q(fold_reason=""), name="review_fold_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["product", "created_at"]),
            models.Index(fields=["merchant", "created_at"]),
            models.Index(fields=["reviewer"]),
        ]

    def __str__(self):
        return f"{self.product} ★{self.stars}"


@governed
class ServiceRating(models.Model):
    """The merchant's service on one delivered purchase line, on three dimensions.

    Always tied to a purchase: sanctions only ever rest on verified ratings."""

    DIMENSIONS = ("description_accuracy", "service_attitude", "logistics")

    purchase = models.OneToOneField(
        Purchase,
        on_delete=models.PROTECT,
        related_name="service_rating",
        verbose_name=_("purchase"),
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="service_ratings",
        verbose_name=_("merchant"),
    )
    reviewer = models.CharField(pgettext_lazy("review author", "reviewer"), max_length=200)
    description_accuracy = models.PositiveSmallIntegerField(_("description accuracy"))
    service_attitude = models.PositiveSmallIntegerField(_("service attitude"))
    logistics = models.PositiveSmallIntegerField(_("logistics"))
    channel = models.CharField(_("channel"), max_length=10, choices=ProductReview.Channel.choices)
    created_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        verbose_name = _("service rating")
        verbose_name_plural = _("service ratings")
        ordering = ["-created_at", "-id"]
        triggers = [_NEVER_DELETED]
        constraints = [
            models.CheckConstraint(
                condition=_score_range("description_accuracy"), name="rating_accuracy_1_to_5"
            ),
            models.CheckConstraint(
                condition=_score_range("service_attitude"), name="rating_attitude_1_to_5"
            ),
            models.CheckConstraint(
                condition=_score_range("logistics"), name="rating_logistics_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self):
        return (
            f"{self.merchant} {self.description_accuracy}/{self.service_attitude}/{self.logistics}"
        )

    @property
    def average(self) -> float:
        return (self.description_accuracy + self.service_attitude + self.logistics) / 3


class IntegritySignal(models.Model):
    """A suggestion that a review may not be genuine, with its evidence. Staff decide."""

    class Kind(models.TextChoices):
        BURST = "burst", _("Burst of reviews")
        NEAR_DUPLICATE = "near_duplicate", _("Near-duplicate text")
        UNVERIFIED = "unverified", _("Reviewer without verified purchase")
        MERCHANT_LINKED = "merchant_linked", _("Reviewer linked to the merchant")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        FOLDED = "folded", _("Review folded")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    review = models.ForeignKey(
        ProductReview,
        on_delete=models.PROTECT,
        related_name="signals",
        verbose_name=_("review"),
    )
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("decision note"), blank=True, default="")

    class Meta:
        verbose_name = _("integrity signal")
        verbose_name_plural = _("integrity signals")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The sweep inserts with ON CONFLICT DO NOTHING: one signal per kind and review.
            models.UniqueConstraint(fields=["kind", "review"], name="signal_one_per_kind"),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="signal_open", condition=Q(status="open")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.review_id}"

    @property
    def evidence_items(self) -> list:
        return labelled(self.evidence)


class ProductRatingFigure(models.Model):
    """A product's rolling review figures as of one day (one row per product and day)."""

    product = models.ForeignKey(
        "products.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("merchant"),
    )
    as_of = models.DateField(_("as of"))
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    review_count = models.PositiveIntegerField(_("reviews"))
    stars_sum = models.BigIntegerField(_("sum of stars"))
    stars = models.DecimalField(_("average stars"), max_digits=6, decimal_places=4)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("product rating figure")
        verbose_name_plural = _("product rating figures")
        ordering = ["-as_of", "product"]
        constraints = [
            models.UniqueConstraint(fields=["product", "as_of"], name="product_figure_per_day")
        ]
        indexes = [models.Index(fields=["merchant", "as_of"])]

    def __str__(self):
        from django.template.defaultfilters import floatformat

        return f"{self.product} {self.as_of}: {floatformat(self.stars, 2)}"


class MerchantRatingFigure(models.Model):
    """A merchant's rolling service ratings as of one day, per dimension.

    The sums are kept so thresholds compare exactly (sum < threshold * count), never on a
    rounded average."""

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("merchant"),
    )
    as_of = models.DateField(_("as of"))
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    rating_count = models.PositiveIntegerField(_("ratings"))
    description_accuracy_sum = models.BigIntegerField()
    service_attitude_sum = models.BigIntegerField()
    logistics_sum = models.BigIntegerField()
    description_accuracy = models.DecimalField(
        _("description accuracy"), max_digits=6, decimal_places=4
    )
    service_attitude = models.DecimalField(_("service attitude"), max_digits=6, decimal_places=4)
    logistics = models.DecimalField(_("logistics"), max_digits=6, decimal_places=4)
    overall = models.DecimalField(_("service rating"), max_digits=6, decimal_places=4)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("merchant rating figure")
        verbose_name_plural = _("merchant rating figures")
        ordering = ["-as_of", "merchant"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "as_of"], name="merchant_figure_per_day")
        ]

    def __str__(self):
        from django.template.defaultfilters import floatformat

        return f"{self.merchant} {self.as_of}: {floatformat(self.overall, 2)}"

    @property
    def source(self) -> str:
        """How a restriction names the figure that caused it."""
        return f"reviews.merchantratingfigure:{self.pk}"

    def as_evidence(self) -> dict:
        return {
            "figure": self.pk,
            "as_of": self.as_of.isoformat(),
            "window_days": self.window_days,
            "ratings": self.rating_count,
            "overall": str(self.overall),
            "description_accuracy": str(self.description_accuracy),
            "service_attitude": str(self.service_attitude),
            "logistics": str(self.logistics),
        }


@governed
class MerchantRatingStanding(models.Model):
    """Where a merchant stands against the rating thresholds; changes drive the actions, so
    each warning or restriction happens once per episode.

    A restriction ends when a verdict (enough ratings in the window) is back at or above the
    threshold; otherwise it falls due for review by Merchant Management (`review_due_at`),
    who keep it for another period or lift it. The sweep that finds it due records when it
    did so (`review_alerted_at`), and every change is a decision on this row."""

    class State(models.TextChoices):
        OK = "ok", _("At or above thresholds")
        WARNING = "warning", _("Warning")
        RESTRICTED = "restricted", _("Restricted")

    merchant = models.OneToOneField(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="rating_standing",
        verbose_name=_("merchant"),
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    previous_state = models.CharField(_("previous state"), max_length=12, choices=State.choices)
    figure = models.ForeignKey(
        MerchantRatingFigure,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("figure behind the state"),
    )
    restriction_source = models.CharField(_("restriction source"), max_length=100, blank=True)
    changed_at = models.DateTimeField(_("changed"))
    review_due_at = models.DateTimeField(
        _("review due"),
        null=True,
        blank=True,
        help_text=_("When Merchant Management must review the rating restriction."),
    )
    review_alerted_at = models.DateTimeField(
        _("review alert raised"),
        null=True,
        blank=True,
        help_text=_("When the review fell due and Merchant Management was alerted."),
    )

    class Meta:
        verbose_name = _("merchant rating standing")
        verbose_name_plural = _("merchant rating standings")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="restricted") | Q(review_due_at__isnull=True),
                name="standing_review_only_when_restricted",
            ),
        ]
        indexes = [
            # The review sweep: restrictions due and not yet alerted.
            models.Index(
                fields=["review_due_at"],
                name="standing_review_pending",
                condition=Q(state="restricted", review_alerted_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.merchant}: {self.get_state_display()}"

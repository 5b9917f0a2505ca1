"""/api/v1/ for reviews: purchases import (storefront token), reviews, service ratings,
rolling figures, rating standings (with the review of a rating restriction) and integrity
signals. No endpoint deletes anything."""

import django_filters
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from core.api import role_permission
from core.exceptions import DomainError
from core.roles import Role
from products.models import Product
from reviews import selectors, services
from reviews.models import (
    IntegritySignal,
    MerchantRatingFigure,
    MerchantRatingStanding,
    ProductRatingFigure,
    ProductReview,
    Purchase,
    ServiceRating,
)
from reviews.services.moderation import MODERATORS

# A request body stays under DATA_UPLOAD_MAX_MEMORY_SIZE (12 MB): about 250 bytes a line.
API_MAX_BATCH = 20_000


class IsStorefront(permissions.BasePermission):
    """The storefront's service account: token-authenticated, may import purchases."""

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.has_perm("reviews.import_purchases")


class NewestFirst(CursorPagination):
    ordering = ("-id",)
    page_size = 50


# --- purchases -------------------------------------------------------------------------
class PurchaseSerializer(serializers.ModelSerializer):
    lot = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True, help_text="Lot number."
    )

    class Meta:
        model = Purchase
        fields = [
            "id",
            "order_number",
            "line",
            "consumer",
            "product",
            "merchant",
            "lot",
            "quantity",
            "paid_at",
            "delivered_at",
            "imported_at",
            "updated_at",
        ]


class PurchaseRowSerializer(serializers.Serializer):
    """One row of an import batch (checked by the import service, all rows at once)."""

    order_number = serializers.CharField(max_length=64)
    line = serializers.IntegerField(min_value=1)
    consumer = serializers.CharField(max_length=200, help_text="Email or phone number.")
    product = serializers.IntegerField(help_text="Product id.")
    merchant = serializers.IntegerField(help_text="Merchant id (the product's seller).")
    quantity = serializers.IntegerField(min_value=1)
    paid_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(required=False, allow_null=True)
    lot = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Optional lot number (the supplier's or merchant's); it names one product "
        "within the merchant: a number used for another product is refused.",
    )


class ImportRequestSerializer(serializers.Serializer):
    purchases = PurchaseRowSerializer(many=True)


class ReviewLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order_number = serializers.CharField()
    line = serializers.IntegerField()
    review_url = serializers.URLField()


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    links = ReviewLinkSerializer(many=True, help_text="Review links of the new lines only.")


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Index of the row in the batch, from 0.")
    order_number = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ImportRejectedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    rows = RowErrorSerializer(many=True)


class PurchaseFilter(django_filters.FilterSet):
    paid_after = django_filters.IsoDateTimeFilter(field_name="paid_at", lookup_expr="gte")
    paid_before = django_filters.IsoDateTimeFilter(field_name="paid_at", lookup_expr="lt")
    delivered = django_filters.BooleanFilter(
        field_name="delivered_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Purchase
        fields = ["order_number", "merchant", "product", "consumer"]


class PurchaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PurchaseSerializer
    queryset = Purchase.objects.none()
    filterset_class = PurchaseFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.purchases_visible_to(self.request.user)

    @extend_schema(
        request=ImportRequestSerializer,
        responses={200: ImportResultSerializer, 400: ImportRejectedSerializer},
        description=(
            "Upsert a batch of up to 20,000 order lines (idempotent by order number and "
            "line). All or nothing: if any row is bad, nothing is stored and every bad row "
            "is reported."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        authentication_classes=[TokenAuthentication],
        permission_classes=[IsStorefront],
    )
    def import_batch(self, request):
        try:
            data = request.data
        except RequestDataTooBig as exc:
            raise DomainError(
                _("The request is too large: send at most %(n)d purchases per request.")
                % {"n": API_MAX_BATCH},
                code="request_too_large",
            ) from exc
        rows = data.get("purchases") if isinstance(data, dict) else None
        if isinstance(rows, list) and len(rows) > API_MAX_BATCH:
            raise DomainError(
                _("Send at most %(n)d purchases per request.") % {"n": API_MAX_BATCH},
                code="batch_too_large",
            )
        try:
            result = services.import_purchases(rows=rows, by=request.user)
        except services.ImportRejected as exc:
            return Response(
                {"detail": exc.messages[0], "rows": exc.rows}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(ImportResultSerializer(result).data)

    @extend_schema(request=None, responses=ReviewLinkSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="review-link",
        authentication_classes=[TokenAuthentication],
        permission_classes=[IsStorefront],
    )
    def review_link(self, request, pk=None):
        """A new review link for this line; the previous one stops working."""
        purchase = self.get_object()
        url = services.issue_review_link(purchase=purchase)
        return Response(
            {
                "id": purchase.pk,
                "order_number": purchase.order_number,
                "line": purchase.line,
                "review_url": url,
            }
        )


# --- reviews ---------------------------------------------------------------------------
class ReviewSerializer(serializers.ModelSerializer):
    photos = serializers.SerializerMethodField()

    class Meta:
        model = ProductReview
        fields = [
            "id",
            "product",
            "merchant",
            "purchase",
            "reviewer",
            "verified",
            "stars",
            "text",
            "photos",
            "channel",
            "created_at",
            "folded",
            "fold_reason",
            "folded_at",
            "reply",
            "replied_at",
        ]
        read_only_fields = fields

    def get_photos(self, review) -> list[str]:
        return [f"/files/{photo.pk}/" for photo in review.photos.all()]


class ReviewCreateSerializer(serializers.Serializer):
    """Either an order line (verified) or a product and reviewer (unverified)."""

    order_number = serializers.CharField(max_length=64, required=False)
    line = serializers.IntegerField(min_value=1, required=False)
    product = serializers.IntegerField(required=False)
    reviewer = serializers.CharField(max_length=200, required=False)
    stars = serializers.IntegerField()
    text = serializers.CharField(required=False, allow_blank=True, default="")


class TextSerializer(serializers.Serializer):
    text = serializers.CharField()


class ModerationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


def _purchase_from(data) -> Purchase | None:
    if "order_number" not in data and "line" not in data:
        return None
    if "order_number" not in data or "line" not in data:
        raise DomainError(_("Give both the order number and the line."), code="order_line")
    return get_object_or_404(Purchase, order_number=data["order_number"], line=data["line"])


class ReviewFilter(django_filters.FilterSet):
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    stars_min = django_filters.NumberFilter(field_name="stars", lookup_expr="gte")
    stars_max = django_filters.NumberFilter(field_name="stars", lookup_expr="lte")

    class Meta:
        model = ProductReview
        fields = ["product", "merchant", "verified", "folded", "stars", "channel"]


class ReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Reviews: written by the storefront for its consumers, replied to by the merchant,
    folded by staff. There is no update or delete."""

    serializer_class = ReviewSerializer
    queryset = ProductReview.objects.none()
    filterset_class = ReviewFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.reviews_visible_to(self.request.user)

    def get_permissions(self):
        if self.action == "create":
            return [IsStorefront()]
        if self.action in ("fold", "unfold"):
            return [role_permission(*MODERATORS)()]
        return super().get_permissions()

    @extend_schema(request=ReviewCreateSerializer, responses={201: ReviewSerializer})
    def create(self, request, *args, **kwargs):
        incoming = ReviewCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        purchase = _purchase_from(data)
        product = None
        if purchase is None and "product" in data:
            product = get_object_or_404(Product, pk=data["product"])
        review = services.write_review(
            purchase=purchase,
            product=product,
            reviewer=data.get("reviewer", ""),
            stars=data["stars"],
            text=data["text"],
            channel=ProductReview.Channel.API,
            by=request.user,
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TextSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        incoming = TextSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        review = services.reply_to_review(
            review=self.get_object(), by=request.user, text=incoming.validated_data["text"]
        )
        return Response(ReviewSerializer(review).data)

    def _moderate(self, request, service):
        incoming = ModerationReasonSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        review = service(
            review=self.get_object(), by=request.user, reason=incoming.validated_data["reason"]
        )
        return Response(ReviewSerializer(review).data)

    @extend_schema(request=ModerationReasonSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def fold(self, request, pk=None):
        return self._moderate(request, services.fold_review)

    @extend_schema(request=ModerationReasonSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def unfold(self, request, pk=None):
        return self._moderate(request, services.unfold_review)


# --- service ratings -------------------------------------------------------------------
class ServiceRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceRating
        fields = [
            "id",
            "purchase",
            "merchant",
            "reviewer",
            "description_accuracy",
            "service_attitude",
            "logistics",
            "channel",
            "created_at",
        ]
        read_only_fields = fields


class ServiceRatingCreateSerializer(serializers.Serializer):
    order_number = serializers.CharField(max_length=64)
    line = serializers.IntegerField(min_value=1)
    description_accuracy = serializers.IntegerField()
    service_attitude = serializers.IntegerField()
    logistics = serializers.IntegerField()


class ServiceRatingFilter(django_filters.FilterSet):
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ServiceRating
        fields = ["merchant", "description_accuracy", "service_attitude", "logistics"]


class ServiceRatingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ServiceRatingSerializer
    queryset = ServiceRating.objects.none()
    filterset_class = ServiceRatingFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.ratings_visible_to(self.request.user)

    def get_permissions(self):
        if self.action == "create":
            return [IsStorefront()]
        return super().get_permissions()

    @extend_schema(request=ServiceRatingCreateSerializer, responses={201: ServiceRatingSerializer})
    def create(self, request, *args, **kwargs):
        incoming = ServiceRatingCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        purchase = get_object_or_404(
            Purchase, order_number=data.pop("order_number"), line=data.pop("line")
        )
        rating = services.rate_service(
            purchase=purchase, channel=ProductReview.Channel.API, by=request.user, **data
        )
        return Response(ServiceRatingSerializer(rating).data, status=status.HTTP_201_CREATED)


# --- rolling figures -------------------------------------------------------------------
class MerchantFigureSerializer(serializers.ModelSerializer):
    class Meta:
        model = MerchantRatingFigure
        fields = [
            "id",
            "merchant",
            "as_of",
            "window_days",
            "rating_count",
            "description_accuracy",
            "service_attitude",
            "logistics",
            "overall",
            "computed_at",
        ]


class ProductFigureSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductRatingFigure
        fields = [
            "id",
            "product",
            "merchant",
            "as_of",
            "window_days",
            "review_count",
            "stars",
            "computed_at",
        ]


class FigureFilter(django_filters.FilterSet):
    as_of_from = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_to = django_filters.DateFilter(field_name="as_of", lookup_expr="lte")


class MerchantFigureFilter(FigureFilter):
    class Meta:
        model = MerchantRatingFigure
        fields = ["merchant", "as_of"]


class ProductFigureFilter(FigureFilter):
    class Meta:
        model = ProductRatingFigure
        fields = ["product", "merchant", "as_of"]


class MerchantFigureViewSet(viewsets.ReadOnlyModelViewSet):
    """Rolling 90-day service ratings per merchant and day."""

    serializer_class = MerchantFigureSerializer
    queryset = MerchantRatingFigure.objects.none()
    filterset_class = MerchantFigureFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.merchant_figures_visible_to(self.request.user)


class ProductFigureViewSet(viewsets.ReadOnlyModelViewSet):
    """Rolling 90-day review figures per product and day."""

    serializer_class = ProductFigureSerializer
    queryset = ProductRatingFigure.objects.none()
    filterset_class = ProductFigureFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.product_figures_visible_to(self.request.user)


# --- rating standings -----------------------------------------------------------------
class StandingSerializer(serializers.ModelSerializer):
    class Meta:
        model = MerchantRatingStanding
        fields = [
            "merchant",
            "state",
            "previous_state",
            "figure",
            "changed_at",
            "review_due_at",
            "review_alerted_at",
        ]


class StandingFilter(django_filters.FilterSet):
    review_alerted = django_filters.BooleanFilter(
        field_name="review_alerted_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = MerchantRatingStanding
        fields = ["merchant", "state"]


class ByMerchant(CursorPagination):
    ordering = ("-merchant_id",)
    page_size = 50


class RatingStandingViewSet(viewsets.ReadOnlyModelViewSet):
    """Where each merchant stands against the rating thresholds. A rating restriction due
    for review (`review_alerted=true`) is kept for another period or lifted by Merchant
    Management, with a reason."""

    serializer_class = StandingSerializer
    queryset = MerchantRatingStanding.objects.all()
    filterset_class = StandingFilter
    pagination_class = ByMerchant
    permission_classes = [role_permission(Role.MERCHANT_MANAGEMENT, Role.QUALITY_MANAGER)]

    def _review(self, request, service):
        incoming = ModerationReasonSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        standing = service(
            standing=self.get_object(), by=request.user, reason=incoming.validated_data["reason"]
        )
        return Response(StandingSerializer(standing).data)

    @extend_schema(request=ModerationReasonSerializer, responses=StandingSerializer)
    @action(detail=True, methods=["post"])
    def keep(self, request, pk=None):
        return self._review(request, services.keep_rating_restriction)

    @extend_schema(request=ModerationReasonSerializer, responses=StandingSerializer)
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        return self._review(request, services.lift_rating_restriction)


# --- integrity signals -----------------------------------------------------------------
class SignalSerializer(serializers.ModelSerializer):
    class Meta:
        model = IntegritySignal
        fields = [
            "id",
            "kind",
            "review",
            "evidence",
            "status",
            "created_at",
            "decided_at",
            "decision_note",
        ]


class SignalViewSet(viewsets.ReadOnlyModelViewSet):
    """Integrity signals for moderators; fold the review or dismiss the signal."""

    serializer_class = SignalSerializer
    queryset = IntegritySignal.objects.select_related("review").all()
    filterset_fields = ["kind", "status", "review"]
    pagination_class = NewestFirst
    permission_classes = [role_permission(*MODERATORS)]

    @extend_schema(
        request=inline_serializer("SignalDismissal", {"note": serializers.CharField()}),
        responses=SignalSerializer,
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        signal = services.dismiss_signal(
            signal=self.get_object(), by=request.user, note=str(request.data.get("note", ""))
        )
        return Response(SignalSerializer(signal).data)


def register(router):
    router.register("purchases", PurchaseViewSet, basename="purchase")
    router.register("reviews", ReviewViewSet, basename="review")
    router.register("service-ratings", ServiceRatingViewSet, basename="service-rating")
    router.register(
        "rating-figures/merchants", MerchantFigureViewSet, basename="merchant-rating-figure"
    )
    router.register(
        "rating-figures/products", ProductFigureViewSet, basename="product-rating-figure"
    )
    router.register("review-signals", SignalViewSet, basename="review-signal")
    router.register("rating-standings", RatingStandingViewSet, basename="rating-standing")

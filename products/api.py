"""/api/v1/: categories, standards and versions, products, claim flags, the claim check."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from core.models import Category
from merchants.reason_texts import categories_named
from merchants.selectors import merchant_of
from products import selectors, services
from products.models import (
    ClaimFlag,
    Product,
    QualityStandard,
    Requirement,
    ScanRun,
    StandardVersion,
)


# --- categories --------------------------------------------------------------------------
class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "parent",
            "excluded_from_no_reason_return",
            "active",
        ]


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CategorySerializer
    queryset = Category.objects.order_by("code")
    filterset_fields = {
        "parent": ["exact", "isnull"],
        "active": ["exact"],
        "excluded_from_no_reason_return": ["exact"],
        "code": ["exact"],
    }


# --- standards ---------------------------------------------------------------------------
class RequirementSerializer(serializers.ModelSerializer):
    label = serializers.CharField(
        read_only=True, help_text="The description in the language of the request."
    )

    class Meta:
        model = Requirement
        fields = [
            "code",
            "label",
            "description",
            "description_en",
            "kind",
            "unit",
            "min_value",
            "max_value",
            "test_method",
            "severity",
            "position",
        ]


class StandardVersionSerializer(serializers.ModelSerializer):
    requirements = RequirementSerializer(many=True, read_only=True)
    category = serializers.IntegerField(source="standard.category_id", read_only=True)

    class Meta:
        model = StandardVersion
        fields = [
            "id",
            "standard",
            "category",
            "number",
            "status",
            "effective_from",
            "published_at",
            "note",
            "requirements",
        ]


class QualityStandardSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityStandard
        fields = ["id", "code", "name_zh", "name_en", "category"]


class QualityStandardViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = QualityStandardSerializer
    queryset = QualityStandard.objects.order_by("code")
    filterset_fields = ["category"]


class StandardVersionFilter(filters.FilterSet):
    category = filters.NumberFilter(field_name="standard__category")

    class Meta:
        model = StandardVersion
        fields = ["standard", "status", "category"]


class StandardVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Published versions (staff also see drafts), each with its requirements."""

    serializer_class = StandardVersionSerializer
    queryset = StandardVersion.objects.none()
    filterset_class = StandardVersionFilter

    def get_queryset(self):
        return (
            selectors.versions_visible_to(self.request.user)
            .prefetch_related("requirements")
            .order_by("standard", "-number")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("category", int, required=True),
            OpenApiParameter("at", str, description="ISO date-time; now by default"),
        ],
        responses=StandardVersionSerializer,
    )
    @action(detail=False, url_path="in-force")
    def in_force(self, request):
        """The version in force for a category at a moment (its own or its parent's)."""
        try:
            category = Category.objects.get(pk=int(request.query_params.get("category", "")))
        except (ValueError, Category.DoesNotExist) as exc:
            raise NotFound(_("No such category.")) from exc
        at = request.query_params.get("at")
        moment = timezone.now()
        if at:
            from django.utils.dateparse import parse_datetime

            moment = parse_datetime(at)
            if moment is None:
                raise serializers.ValidationError({"at": _("Not a date and time.")})
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        version = services.standard_version_for(category, moment)
        if version is None:
            raise NotFound(_("No published standard applies to this category at that time."))
        return Response(StandardVersionSerializer(version).data)


# --- products ----------------------------------------------------------------------------
class ProductListSerializer(serializers.ListSerializer):
    """A page of listings: the categories their status reasons name are read once."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        with categories_named((p.status_reason_code, p.status_reason_params) for p in rows):
            return super().to_representation(rows)


class ProductSerializer(serializers.ModelSerializer):
    open_flags = serializers.SerializerMethodField()
    images = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    status_reason_text = serializers.CharField(
        read_only=True,
        help_text="Why the listing has its status, in the reader's language "
        "(Accept-Language): rendered from status_reason_code and status_reason_params when "
        "the system wrote it, else staff's reason as typed.",
    )

    class Meta:
        model = Product
        list_serializer_class = ProductListSerializer
        fields = [
            "id",
            "merchant",
            "category",
            "sku",
            "title",
            "description",
            "price",
            "images",
            "status",
            "status_cause",
            "status_reason",
            "status_reason_code",
            "status_reason_params",
            "status_reason_text",
            "status_evidence",
            "status_changed_at",
            "open_flags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "merchant",
            "status",
            "status_cause",
            "status_reason",
            "status_reason_code",
            "status_reason_params",
            "status_evidence",
            "status_changed_at",
        ]

    def get_open_flags(self, product) -> int:
        annotated = getattr(product, "open_flags", None)
        if annotated is not None:
            return annotated
        return product.claim_flags.filter(status=ClaimFlag.Status.OPEN).count()


class ProductWriteSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    sku = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    price = serializers.DecimalField(max_digits=12, decimal_places=2)


class ListingDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField()
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class ProductFilter(filters.FilterSet):
    flagged = filters.BooleanFilter(method="filter_flagged")

    class Meta:
        model = Product
        fields = ["status", "category", "merchant", "status_cause", "sku"]

    def filter_flagged(self, queryset, name, value):
        open_flag = ClaimFlag.objects.filter(status=ClaimFlag.Status.OPEN)
        ids = open_flag.values("product_id")
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class IsMerchantForWrites(permissions.BasePermission):
    """Merchants create and edit their own products; staff read and moderate."""

    def has_permission(self, request, view):
        if view.action in ("create", "update", "partial_update"):
            return merchant_of(request.user) is not None
        if view.action in ("restrict", "delist", "relist"):
            return selectors.is_claim_reviewer(request.user)
        return True


class ProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProductSerializer
    queryset = Product.objects.none()
    permission_classes = [permissions.IsAuthenticated, IsMerchantForWrites]
    filterset_class = ProductFilter
    ordering_fields = ["created_at", "updated_at", "price"]

    def get_queryset(self):
        # The images of a page of listings in one query, not one per row.
        return (
            selectors.with_open_flag_count(selectors.products_visible_to(self.request.user))
            .prefetch_related("images")
            .order_by("-created_at", "-id")
        )

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ProductWriteSerializer
        if self.action in ("restrict", "delist", "relist"):
            return ListingDecisionSerializer
        return ProductSerializer

    def _read(self, product, code=status.HTTP_200_OK):
        product = self.get_queryset().get(pk=product.pk)
        return Response(ProductSerializer(product).data, status=code)

    @extend_schema(request=ProductWriteSerializer, responses={201: ProductSerializer})
    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.create_product(
            merchant=merchant_of(request.user), by=request.user, **data.validated_data
        )
        return self._read(product, status.HTTP_201_CREATED)

    @extend_schema(request=ProductWriteSerializer, responses=ProductSerializer)
    def update(self, request, *args, **kwargs):
        product = self.get_object()
        data = self.get_serializer(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        services.update_product(product=product, by=request.user, **data.validated_data)
        return self._read(product)

    @extend_schema(request=ListingDecisionSerializer, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def restrict(self, request, pk=None):
        return self._status(services.restrict_listing, request)

    @extend_schema(request=ListingDecisionSerializer, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def delist(self, request, pk=None):
        return self._status(services.delist_listing, request)

    @extend_schema(request=ListingDecisionSerializer, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def relist(self, request, pk=None):
        return self._status(services.relist, request, with_evidence=False)

    def _status(self, service, request, with_evidence=True):
        product = self.get_object()
        data = ListingDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extra = {"evidence": data.validated_data["evidence"]} if with_evidence else {}
        service(product=product, by=request.user, reason=data.validated_data["reason"], **extra)
        return self._read(product)


# --- claim flags and the check -----------------------------------------------------------
class ClaimFlagSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimFlag
        fields = [
            "id",
            "product",
            "field",
            "term_text",
            "category",
            "start",
            "end",
            "matched",
            "excerpt",
            "exemption_hint",
            "exemption_detail",
            "status",
            "decided_by",
            "decided_at",
            "reason",
            "created_at",
        ]


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ClaimFlagViewSet(viewsets.ReadOnlyModelViewSet):
    """Scan results: merchants see their products' flags, staff all and decide them."""

    serializer_class = ClaimFlagSerializer
    queryset = ClaimFlag.objects.none()
    filterset_fields = ["product", "status", "category", "exemption_hint", "field"]

    def get_queryset(self):
        return selectors.flags_visible_to(self.request.user).order_by("-created_at", "id")

    def _decide(self, request, service):
        if not selectors.is_claim_reviewer(request.user):
            raise PermissionDenied
        flag = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service(flag_ids=[flag.pk], by=request.user, reason=data.validated_data["reason"])
        flag.refresh_from_db()
        return Response(ClaimFlagSerializer(flag).data)

    @extend_schema(request=DecisionSerializer, responses=ClaimFlagSerializer)
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        return self._decide(request, services.clear_flags)

    @extend_schema(request=DecisionSerializer, responses=ClaimFlagSerializer)
    @action(detail=True, methods=["post"], url_path="restrict-listing")
    def restrict_listing(self, request, pk=None):
        return self._decide(request, services.restrict_for_claims)


class ClaimCheckRequestSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=20000, default=""
    )


class ClaimHitSerializer(serializers.Serializer):
    field = serializers.CharField()
    term = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    matched = serializers.CharField()
    excerpt = serializers.CharField()
    explanation = serializers.CharField()
    exemption = serializers.CharField()
    exemption_note = serializers.CharField()


class ClaimCheckResponseSerializer(serializers.Serializer):
    hits = ClaimHitSerializer(many=True)


class ClaimScanViewSet(viewsets.GenericViewSet):
    """What the scanner would flag in a title and description; stores nothing."""

    serializer_class = ClaimCheckRequestSerializer

    @extend_schema(request=ClaimCheckRequestSerializer, responses=ClaimCheckResponseSerializer)
    def create(self, request):
        data = ClaimCheckRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = services.check_text(**data.validated_data)
        return Response({"hits": [f.as_dict() for f in feedback]})


class ScanRunSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    reason_text = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            "Why the rescan was asked for, in the request's language: the sentence of its "
            "reason code (reason_code and reason_params)."
        ),
    )

    class Meta:
        model = ScanRun
        fields = [
            "id",
            "status",
            "reason",
            "reason_code",
            "reason_params",
            "reason_text",
            "total",
            "processed",
            "percent",
            "flags_seen",
            "flags_new",
            "flags_closed",
            "created_at",
            "started_at",
            "finished_at",
        ]


class ScanRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Bulk rescans and their progress (staff)."""

    serializer_class = ScanRunSerializer
    queryset = ScanRun.objects.order_by("-created_at")
    filterset_fields = ["status"]

    def get_queryset(self):
        if not selectors.is_claim_reviewer(self.request.user):
            return ScanRun.objects.none()
        return super().get_queryset()


def register(router):
    from products import supply_api

    supply_api.register(router)
    router.register("categories", CategoryViewSet, basename="category")
    router.register("standards", QualityStandardViewSet, basename="standard")
    router.register("standard-versions", StandardVersionViewSet, basename="standard-version")
    router.register("products", ProductViewSet, basename="product")
    router.register("claim-flags", ClaimFlagViewSet, basename="claim-flag")
    router.register("claims/scan", ClaimScanViewSet, basename="claim-scan")
    router.register("claim-scan-runs", ScanRunViewSet, basename="claim-scan-run")

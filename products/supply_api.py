"""/api/v1/ for suppliers of self-operated goods (Quality Management) and lots (staff
readers; merchants their own, and may register a lot of their own product)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.roles import Role, has_role
from merchants.selectors import merchant_of
from products import services
from products.models import Lot, Product, Supplier

SUPPLY_READERS = (Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER, Role.DATA_ANALYSIS)


class SupplierSerializer(serializers.ModelSerializer):
    # Blank until the first decision: declared so the schema's enum admits "".
    reason_code = serializers.ChoiceField(
        choices=Supplier.Reason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Supplier
        fields = [
            "id",
            "name",
            "licence_number",
            "licence_valid_until",
            "certificates",
            "factory_audit_date",
            "factory_audit_passed",
            "status",
            "reason_code",
            "reverify_by",
            "created_at",
        ]
        read_only_fields = ["status", "reason_code", "reverify_by", "created_at"]


class SupplierDecisionSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(
        choices=Supplier.Reason.choices, required=False, allow_blank=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SupplyReader(permissions.BasePermission):
    def has_permission(self, request, view):
        if not has_role(request.user, *SUPPLY_READERS):
            return False
        return request.method in permissions.SAFE_METHODS or has_role(
            request.user, Role.QUALITY_MANAGEMENT
        )


class SupplierViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Suppliers: screening data, approval state with reason code, re-verification date."""

    serializer_class = SupplierSerializer
    permission_classes = [SupplyReader]
    queryset = Supplier.objects.order_by("name")
    filterset_fields = {"status": ["exact"]}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _decide(self, request, fn, extra):
        data = SupplierDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        supplier = fn(supplier=self.get_object(), by=request.user, **extra(data.validated_data))
        return Response(SupplierSerializer(supplier).data)

    @extend_schema(request=SupplierDecisionSerializer, responses=SupplierSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve or re-verify (the screening must be complete)."""
        return self._decide(
            request, services.approve_supplier, extra=lambda d: {"note": d.get("reason", "")}
        )

    @extend_schema(request=SupplierDecisionSerializer, responses=SupplierSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(
            request,
            services.reject_supplier,
            extra=lambda d: {
                "reason_code": d.get("reason_code", ""),
                "reason": d.get("reason", ""),
            },
        )

    @extend_schema(request=SupplierDecisionSerializer, responses=SupplierSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._decide(
            request,
            services.suspend_supplier,
            extra=lambda d: {
                "reason_code": d.get("reason_code", ""),
                "reason": d.get("reason", ""),
            },
        )


class LotSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True, default=None)

    class Meta:
        model = Lot
        fields = [
            "id",
            "number",
            "code",
            "product",
            "merchant",
            "supplier",
            "supplier_name",
            "production_date",
            "quantity",
            "created_at",
        ]
        read_only_fields = ["code", "merchant", "created_at"]
        extra_kwargs = {"product": {"queryset": Product.objects.all()}}


class LotUser(permissions.BasePermission):
    def has_permission(self, request, view):
        if merchant_of(request.user) is not None:
            return True
        if not has_role(request.user, *SUPPLY_READERS):
            return False
        return request.method in permissions.SAFE_METHODS or has_role(
            request.user, Role.QUALITY_MANAGEMENT
        )


class LotViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Lots: a lot number names one product within its merchant (reuse for another product
    is refused with a 400)."""

    serializer_class = LotSerializer
    permission_classes = [LotUser]
    queryset = Lot.objects.none()
    filterset_fields = {"product": ["exact"], "number": ["exact"]}

    def get_queryset(self):
        lots = Lot.objects.select_related("supplier").order_by("-created_at", "-id")
        merchant = merchant_of(self.request.user)
        if merchant is not None:
            return lots.filter(merchant=merchant)
        return lots

    def create(self, request, *args, **kwargs):
        data = LotSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = data.validated_data["product"]
        merchant = merchant_of(request.user)
        if merchant is not None and product.merchant_id != merchant.pk:
            raise NotFound
        lot = services.register_lot(
            product=product,
            number=data.validated_data["number"],
            production_date=data.validated_data.get("production_date"),
            quantity=data.validated_data.get("quantity"),
            supplier=data.validated_data.get("supplier"),
            by=request.user,
        )
        return Response(LotSerializer(lot).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("suppliers", SupplierViewSet, basename="supplier")
    router.register("lots", LotViewSet, basename="lot")

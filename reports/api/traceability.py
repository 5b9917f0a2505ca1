"""Reports API: traceability of a lot and of a product, the same data as the staff page."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from core.api import role_permission
from products.models import Lot, Product
from reports.services import traceability
from reports.views.traceability import TRACE_READERS


class TraceSupplierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    reverify_by = serializers.DateField(allow_null=True)


class TraceInspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lot = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    rejected_for = serializers.CharField(allow_blank=True)
    labs = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


class TraceListingChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    to = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(allow_blank=True)
        return fields


class TraceComplaintsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_type = serializers.DictField(child=serializers.IntegerField())


class TraceLotRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    production_date = serializers.DateField(allow_null=True)
    quantity = serializers.IntegerField(allow_null=True)
    supplier = serializers.CharField(allow_null=True)
    purchases = serializers.IntegerField()


class TraceSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=["lot", "product"])
    lot = serializers.DictField(required=False, help_text="The lot (lot traces only).")
    lots = TraceLotRowSerializer(many=True, required=False, help_text="Product traces only.")
    product = serializers.DictField()
    merchant = serializers.DictField()
    supplier = TraceSupplierSerializer(allow_null=True)
    listing = serializers.DictField(child=serializers.CharField(allow_blank=True))
    inspections = TraceInspectionSerializer(many=True)
    listing_changes = TraceListingChangeSerializer(many=True)
    purchases = serializers.DictField(child=serializers.IntegerField())
    complaints = TraceComplaintsSerializer()
    sections = serializers.ListField(child=serializers.DictField())


class TraceLotViewSet(viewsets.GenericViewSet):
    """Supplier → lot → inspections and verdicts → listing changes → purchases count →
    complaints (→ incidents and notices) of one lot."""

    permission_classes = [role_permission(*TRACE_READERS)]
    queryset = Lot.objects.none()
    lookup_value_regex = r"\d+"
    serializer_class = TraceSerializer

    @extend_schema(responses=TraceSerializer)
    def retrieve(self, request, pk=None):
        lot = get_object_or_404(
            Lot.objects.select_related("product__merchant", "product__supplier", "supplier"),
            pk=pk,
        )
        return Response(TraceSerializer(traceability.trace_lot(lot)).data)


class TraceProductViewSet(viewsets.GenericViewSet):
    """The same chain for a product, over all its lots."""

    permission_classes = [role_permission(*TRACE_READERS)]
    queryset = Product.objects.none()
    lookup_value_regex = r"\d+"
    serializer_class = TraceSerializer

    @extend_schema(responses=TraceSerializer)
    def retrieve(self, request, pk=None):
        product = get_object_or_404(Product.objects.select_related("merchant", "supplier"), pk=pk)
        return Response(TraceSerializer(traceability.trace_product(product)).data)


def register(router) -> None:
    router.register("trace/lots", TraceLotViewSet, basename="trace-lot")
    router.register("trace/products", TraceProductViewSet, basename="trace-product")

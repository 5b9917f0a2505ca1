"""/api/v1/: inspection plans, inspections with their results (bulk) and verdicts,
objections and switching states. Merchants read their own (through the selectors) and
object; Quality Management plans, records and decides."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.models import Category
from inspections import selectors, services
from inspections.models import (
    DefectClass,
    Inspection,
    InspectionPlan,
    Objection,
    SampleResult,
    SwitchingRecord,
)
from merchants.models import Merchant
from merchants.selectors import merchant_of
from products.models import Product


class InspectorWrites(permissions.BasePermission):
    """Reads for anyone the selectors let see rows; writes for Quality Management."""

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return selectors.is_inspector(request.user) and merchant_of(request.user) is None


# --- plans ---------------------------------------------------------------------------------
class InspectionPlanSerializer(serializers.ModelSerializer):
    reason_text = serializers.CharField(
        read_only=True,
        help_text=_(
            "Why the plan was made, in the request's language: what a person wrote, or the "
            "sentence of the system's reason code (reason_code and reason_params)."
        ),
    )

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "kind",
            "merchant",
            "category",
            "product",
            "period",
            "due_by",
            "tightened",
            "status",
            "reason",
            "reason_code",
            "reason_params",
            "reason_text",
            "source",
            "retest_of",
            "created_at",
        ]
        read_only_fields = fields


class PlanCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[c for c in InspectionPlan.Kind.choices if c[0] != InspectionPlan.Kind.RETEST]
    )
    merchant = serializers.PrimaryKeyRelatedField(queryset=Merchant.objects.all())
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True
    )
    due_by = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PlanCancelSerializer(serializers.Serializer):
    reason = serializers.CharField()


class InspectionPlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Staff see every plan; a merchant only the re-tests of their products."""

    serializer_class = InspectionPlanSerializer
    queryset = InspectionPlan.objects.none()
    permission_classes = [InspectorWrites]
    filterset_fields = ["kind", "status", "merchant", "product", "due_by"]

    def get_queryset(self):
        return selectors.plans_visible_to(self.request.user).order_by("due_by", "id")

    @extend_schema(request=PlanCreateSerializer, responses={201: InspectionPlanSerializer})
    def create(self, request, *args, **kwargs):
        data = PlanCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.create_plan(by=request.user, **data.validated_data)
        return Response(InspectionPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlanCancelSerializer, responses=InspectionPlanSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = PlanCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.cancel_plan(
            plan=self.get_object(), by=request.user, reason=data.validated_data["reason"]
        )
        return Response(InspectionPlanSerializer(plan).data)


# --- inspections, results, verdicts -------------------------------------------------------
class SamplingPlanSerializer(serializers.Serializer):
    aql = serializers.CharField()
    code_letter = serializers.CharField()
    initial_code_letter = serializers.CharField()
    sample_size = serializers.IntegerField()
    table_sample_size = serializers.IntegerField()
    accept = serializers.IntegerField()
    reject = serializers.IntegerField()
    full_inspection = serializers.BooleanField()
    severity = serializers.CharField()
    level = serializers.CharField(allow_null=True)


class ClassVerdictSerializer(serializers.Serializer):
    nonconforming = serializers.IntegerField()
    sample_size = serializers.IntegerField()
    accept = serializers.IntegerField()
    reject = serializers.IntegerField()
    accepted = serializers.BooleanField()


class InspectionSerializer(serializers.ModelSerializer):
    sampling_plans = serializers.DictField(child=SamplingPlanSerializer())
    verdict_detail = serializers.DictField(child=ClassVerdictSerializer())
    attachments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    # Blank until a verdict rejects the lot: declared so the schema allows "" (a read-only
    # model field loses allow_blank).
    decided_by_class = serializers.ChoiceField(
        choices=DefectClass.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Inspection
        fields = [
            "id",
            "plan",
            "product",
            "merchant",
            "category",
            "lot_size",
            "batch",
            "standard_version",
            "severity",
            "level",
            "sampling_policy",
            "sampling_plans",
            "sample_size",
            "inspector",
            "lab",
            "attachments",
            "status",
            "verdict_detail",
            "decided_by_class",
            "decided_by",
            "decided_at",
            "overturned_by",
            "created_at",
        ]
        read_only_fields = fields


class InspectionCreateSerializer(serializers.Serializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=InspectionPlan.objects.all())
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    lot_size = serializers.IntegerField()
    batch = serializers.CharField(max_length=100)
    lab = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = SampleResult
        fields = ["sample_number", "requirement", "passed", "value", "unit", "recorded_at"]


class ResultInputSerializer(serializers.Serializer):
    sample_number = serializers.IntegerField()
    requirement = serializers.IntegerField()
    passed = serializers.BooleanField(required=False, allow_null=True)
    value = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True)


class ResultsInputSerializer(serializers.Serializer):
    results = ResultInputSerializer(many=True, max_length=50_000)


class ResultsOutputSerializer(serializers.Serializer):
    stored = serializers.IntegerField()
    recorded = serializers.IntegerField()
    expected = serializers.IntegerField()
    status = serializers.CharField()


class InspectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InspectionSerializer
    queryset = Inspection.objects.none()
    permission_classes = [InspectorWrites]
    filterset_fields = ["status", "merchant", "product", "plan", "severity"]

    def get_queryset(self):
        return (
            selectors.inspections_visible_to(self.request.user)
            .prefetch_related("attachments")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=InspectionCreateSerializer, responses={201: InspectionSerializer})
    def create(self, request, *args, **kwargs):
        data = InspectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = services.start_inspection(
            inspector=request.user, by=request.user, **data.validated_data
        )
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=ResultSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=ResultsInputSerializer, responses=ResultsOutputSerializer
    )
    @action(detail=True, methods=["get", "post"])
    def results(self, request, pk=None):
        """GET: the results. POST: store results in bulk; one bad row stores nothing."""
        inspection = self.get_object()
        if request.method == "GET":
            rows = inspection.results.order_by("sample_number", "requirement_id")
            return Response(ResultSerializer(rows, many=True).data)
        data = ResultsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = [
            {key: value for key, value in row.items() if value is not None}
            for row in data.validated_data["results"]
        ]
        stored = services.record_results(inspection=inspection, results=rows, by=request.user)
        inspection.refresh_from_db()
        return Response(
            {
                "stored": stored,
                "recorded": inspection.results.count(),
                "expected": services.expected_cells(inspection),
                "status": inspection.status,
            }
        )

    @extend_schema(request=None, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def verdict(self, request, pk=None):
        """Give the verdict from the Ac/Re numbers of the recorded results."""
        inspection = services.decide_verdict(inspection=self.get_object(), by=request.user)
        return Response(InspectionSerializer(self.get_queryset().get(pk=inspection.pk)).data)


# --- objections ------------------------------------------------------------------------------
class ObjectionSerializer(serializers.ModelSerializer):
    decision_note = serializers.CharField(
        source="decision_text",
        read_only=True,
        help_text=_(
            "How the re-test decided the objection, in the reader's language "
            "(Accept-Language); empty until it is decided."
        ),
    )

    class Meta:
        model = Objection
        fields = [
            "id",
            "inspection",
            "merchant",
            "reason",
            "status",
            "retest_plan",
            "submitted_at",
            "decided_at",
            "decision_note",
            "decision_code",
            "decision_params",
        ]
        read_only_fields = fields


class ObjectionCreateSerializer(serializers.Serializer):
    inspection = serializers.IntegerField()
    reason = serializers.CharField(max_length=5000)


class ObjectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """A merchant objects to a rejected lot within the window and gets a re-test."""

    serializer_class = ObjectionSerializer
    queryset = Objection.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["status", "merchant", "inspection"]

    def get_queryset(self):
        return selectors.objections_visible_to(self.request.user).order_by("-submitted_at")

    @extend_schema(request=ObjectionCreateSerializer, responses={201: ObjectionSerializer})
    def create(self, request, *args, **kwargs):
        if merchant_of(request.user) is None:
            raise PermissionDenied
        data = ObjectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = get_object_or_404(
            selectors.inspections_visible_to(request.user), pk=data.validated_data["inspection"]
        )
        objection = services.submit_objection(
            inspection=inspection, reason=data.validated_data["reason"], by=request.user
        )
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


# --- switching states ------------------------------------------------------------------------
class SwitchingRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = SwitchingRecord
        fields = [
            "id",
            "merchant",
            "category",
            "severity",
            "lots",
            "switching_score",
            "consecutive_accepted",
            "rejected_on_tightened",
            "history",
            "updated_at",
        ]
        read_only_fields = fields


class SwitchingRecordViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SwitchingRecordSerializer
    queryset = SwitchingRecord.objects.none()
    filterset_fields = ["merchant", "category", "severity"]

    def get_queryset(self):
        return selectors.switching_visible_to(self.request.user).order_by("merchant", "category")


def register(router):
    from inspections import lab_api

    lab_api.register(router)
    router.register("inspection-plans", InspectionPlanViewSet, basename="inspection-plan")
    router.register("inspections", InspectionViewSet, basename="inspection")
    router.register("inspection-objections", ObjectionViewSet, basename="inspection-objection")
    router.register("inspection-switching", SwitchingRecordViewSet, basename="inspection-switching")

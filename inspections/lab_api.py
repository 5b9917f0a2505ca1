"""/api/v1/ for labs: Quality Management reads the labs; a lab user reads the samples of
their own lab, records custody steps, submits results (JSON rows, all or nothing) and the
signed report (a PDF). Errors of result rows come back with their row and column."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import role_permission
from core.roles import ExternalRole, Role
from inspections import labs, selectors
from inspections.models import CustodyEvent, CustodyKind, Lab, Sample


class LabSerializer(serializers.ModelSerializer):
    accreditation_problem = serializers.SerializerMethodField()
    status_reason_text = serializers.CharField(
        read_only=True,
        help_text=_(
            "Why the lab is suspended, in the request's language: what a person wrote, or the "
            "sentence of the system's reason code (status_reason_code and "
            "status_reason_params)."
        ),
    )

    class Meta:
        model = Lab
        fields = [
            "id",
            "name",
            "cnas_number",
            "cma_number",
            "scope_methods",
            "scope_categories",
            "valid_from",
            "valid_until",
            "status",
            "status_reason",
            "status_reason_code",
            "status_reason_params",
            "status_reason_text",
            "accreditation_problem",
        ]
        read_only_fields = fields

    def get_accreditation_problem(self, obj) -> str | None:
        return labs.accreditation_problem(obj)


class LabViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Testing labs with their accreditation (Quality Management and quality managers)."""

    serializer_class = LabSerializer
    permission_classes = [role_permission(Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER)]
    queryset = Lab.objects.prefetch_related("scope_categories").order_by("name")


class CustodyEventSerializer(serializers.ModelSerializer):
    by = serializers.StringRelatedField()
    note = serializers.CharField(
        source="note_text",
        read_only=True,
        help_text=_(
            "What the step says, in the reader's language (Accept-Language): the seal of a "
            "sealed sample, else the note as written."
        ),
    )

    class Meta:
        model = CustodyEvent
        fields = ["kind", "at", "by", "note"]


class SampleSerializer(serializers.ModelSerializer):
    lab = serializers.CharField(source="lab.name", read_only=True)
    product = serializers.CharField(source="inspection.product.title", read_only=True)
    custody = CustodyEventSerializer(many=True, read_only=True)
    # Blank until receipt: declared so the schema's enum admits "".
    condition = serializers.ChoiceField(
        choices=Sample._meta.get_field("condition").choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Sample
        fields = [
            "code",
            "inspection",
            "lab",
            "product",
            "status",
            "seal_number",
            "condition",
            "refusal_reason",
            "report_sha256",
            "results_submitted_at",
            "custody",
            "created_at",
        ]
        read_only_fields = fields


class CustodyStepSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CustodyKind.choices)
    condition = serializers.ChoiceField(
        choices=Sample.Condition.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SampleReportSerializer(serializers.Serializer):
    report = serializers.FileField(help_text=_("The signed test report, a PDF."))


class LabReader(permissions.BasePermission):
    def has_permission(self, request, view):
        return labs.lab_of(request.user) is not None or selectors.is_staff_reader(request.user)


class SampleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Samples: a lab user sees only their lab's; staff readers all."""

    serializer_class = SampleSerializer
    permission_classes = [LabReader]
    queryset = Sample.objects.none()
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z-]+"  # sample codes (labs.new_sample_code); a schema pattern
    filterset_fields = {"status": ["exact"]}

    def get_queryset(self):
        return (
            selectors.samples_visible_to(self.request.user)
            .prefetch_related("custody__by")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=CustodyStepSerializer, responses=SampleSerializer)
    @action(detail=True, methods=["post"])
    def custody(self, request, code=None):
        """Record a custody step (the lab: received with its condition, refused with a
        reason, tested, retained, disposed)."""
        sample = self.get_object()
        data = CustodyStepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        labs.record_custody(sample=sample, by=request.user, **data.validated_data)
        return Response(SampleSerializer(self.get_queryset().get(pk=sample.pk)).data)

    @extend_schema(
        request={"multipart/form-data": SampleReportSerializer}, responses=SampleSerializer
    )
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser])
    def report(self, request, code=None):
        """Upload the signed test report (PDF; its SHA-256 is stored)."""
        sample = self.get_object()
        data = SampleReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        labs.submit_report(sample=sample, file=data.validated_data["report"], by=request.user)
        return Response(SampleSerializer(self.get_queryset().get(pk=sample.pk)).data)


class LabResultRowSerializer(serializers.Serializer):
    sample_code = serializers.CharField()
    sample = serializers.IntegerField(help_text=_("Item number within the sample, from 1."))
    test_item = serializers.CharField(help_text=_("The requirement's code."))
    result = serializers.CharField(required=False, allow_blank=True, help_text=_("pass or fail"))
    value = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True)


class LabResultsRequestSerializer(serializers.Serializer):
    results = LabResultRowSerializer(many=True)


class LabResultsResponseSerializer(serializers.Serializer):
    stored = serializers.IntegerField()
    inspections = serializers.IntegerField()


class LabResultErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Position of the row in `results`, from 1."))
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class LabResultsRejectedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = LabResultErrorSerializer(many=True)


class LabResultsViewSet(viewsets.ViewSet):
    """Results of the caller's lab's samples, all or nothing."""

    permission_classes = [role_permission(ExternalRole.LAB)]

    @extend_schema(
        request=LabResultsRequestSerializer,
        responses={
            201: LabResultsResponseSerializer,
            400: OpenApiResponse(LabResultsRejectedSerializer),
        },
    )
    def create(self, request):
        lab = labs.lab_of(request.user)
        if lab is None:
            return Response({"detail": "not a lab user"}, status=status.HTTP_403_FORBIDDEN)
        rows = request.data.get("results") if isinstance(request.data, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            data = LabResultsRequestSerializer(data=request.data)
            data.is_valid(raise_exception=True)
        try:
            outcome = labs.submit_results(lab=lab, rows=rows, by=request.user)
        except labs.LabResultsRejected as exc:
            return Response(
                {"detail": exc.messages[0], "errors": exc.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(outcome, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("labs", LabViewSet, basename="lab")
    router.register("lab-samples", SampleViewSet, basename="lab-sample")
    router.register("lab-results", LabResultsViewSet, basename="lab-results")

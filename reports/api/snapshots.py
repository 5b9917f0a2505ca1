"""Reports API: quarterly snapshots (generate for Quality Managers and Data Analysis) and
the reports built on them (publish for Quality Managers; CSV/PDF downloads)."""

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import role_permission
from core.roles import Role
from reports.models.snapshots import QuarterlyReport, Snapshot
from reports.services import render as rendering
from reports.services import snapshots as services

ReportReaders = role_permission(Role.QUALITY_MANAGER, Role.DATA_ANALYSIS)


class SnapshotSerializer(serializers.ModelSerializer):
    report = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "year",
            "quarter",
            "trigger",
            "state",
            "progress",
            "step",
            "error",
            "as_of",
            "checksum",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "report",
        ]
        read_only_fields = fields


class SnapshotDetailSerializer(SnapshotSerializer):
    figures = serializers.JSONField(read_only=True)

    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "figures"]
        read_only_fields = fields


class SnapshotRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2999)
    quarter = serializers.IntegerField(min_value=1, max_value=4)


class ReportDownloadsSerializer(serializers.Serializer):
    csv_zh_hans = serializers.URLField()
    csv_en = serializers.URLField()
    pdf_zh_hans = serializers.URLField()
    pdf_en = serializers.URLField()


class QuarterlyReportSerializer(serializers.ModelSerializer):
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = QuarterlyReport
        fields = [
            "id",
            "year",
            "quarter",
            "status",
            "snapshot",
            "published_at",
            "published_by",
            "created_at",
            "downloads",
        ]
        read_only_fields = fields

    @extend_schema_field(ReportDownloadsSerializer)
    def get_downloads(self, report) -> dict:
        request = self.context.get("request")
        links = {}
        for file_format in rendering.FORMATS:
            for language in rendering.LANGUAGES:
                url = (
                    reverse("quarterly-report-download", args=[report.pk])
                    + f"?file_format={file_format}&language={language}"
                )
                name = f"{file_format}_{language.replace('-', '_')}"
                links[name] = request.build_absolute_uri(url) if request else url
        return links


class ReportPublishSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SnapshotViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Snapshots with their state and progress; the detail carries the frozen figures.
    POST requests a new snapshot of a quarter (computed in the background: poll `progress`)."""

    queryset = Snapshot.objects.none()
    permission_classes = [ReportReaders]
    filterset_fields = ["year", "quarter", "state", "trigger"]

    def get_queryset(self):
        queryset = Snapshot.objects.select_related("report").order_by("-year", "-quarter", "-id")
        if self.action == "list":
            queryset = queryset.defer("figures")
        return queryset

    def get_serializer_class(self):
        return SnapshotDetailSerializer if self.action == "retrieve" else SnapshotSerializer

    @extend_schema(request=SnapshotRequestSerializer, responses={202: SnapshotSerializer})
    def create(self, request, *args, **kwargs):
        data = SnapshotRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        snapshot = services.request_snapshot(by=request.user, **data.validated_data)
        snapshot.refresh_from_db()
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_202_ACCEPTED)


class QuarterlyReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Quarterly reports (draft, published, superseded) with their download links."""

    serializer_class = QuarterlyReportSerializer
    queryset = QuarterlyReport.objects.none()
    permission_classes = [ReportReaders]
    filterset_fields = ["year", "quarter", "status"]

    def get_queryset(self):
        return QuarterlyReport.objects.order_by("-year", "-quarter", "-id")

    @extend_schema(request=ReportPublishSerializer, responses=QuarterlyReportSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        data = ReportPublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.publish_report(
            report=self.get_object(), by=request.user, reason=data.validated_data["reason"]
        )
        return Response(self.get_serializer(report).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("file_format", str, enum=list(rendering.FORMATS), required=True),
            OpenApiParameter("language", str, enum=list(rendering.LANGUAGES), required=True),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The report as CSV (UTF-8 with BOM) or PDF, in Chinese or English, rendered from
        its frozen snapshot (the same bytes every time), merchant scorecards included."""
        file_format = request.query_params.get("file_format", "")
        language = request.query_params.get("language", "")
        if file_format not in rendering.FORMATS or language not in rendering.LANGUAGES:
            raise serializers.ValidationError(
                {"file_format": rendering.FORMATS, "language": rendering.LANGUAGES}
            )
        report = self.get_object()
        data, name, content_type = services.download(
            snapshot=report.snapshot,
            file_format=file_format,
            language=language,
            audience=rendering.STAFF,
        )
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


def register(router) -> None:
    router.register("quarterly-snapshots", SnapshotViewSet, basename="quarterly-snapshot")
    router.register("quarterly-reports", QuarterlyReportViewSet, basename="quarterly-report")

"""/api/v1/quality-notices/: published quality notices, readable by anyone (no consumer data
in them); staff of the incident roles also read drafts and withdrawn notices. Staff draft a
notice (POST with the incident), Quality Managers approve and withdraw it: the same services
as the staff pages (complaints.services.quality_notices)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from complaints import selectors
from complaints.models import QualityIncident, QualityNotice
from complaints.services import quality_notices


class QualityNoticeSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.reference", read_only=True)
    product = serializers.IntegerField(source="incident.product_id", read_only=True)
    product_title = serializers.CharField(source="incident.product.title", read_only=True)
    merchant_name = serializers.CharField(source="incident.merchant.legal_name", read_only=True)
    kind = serializers.CharField(source="incident.kind", read_only=True)
    kind_label = serializers.CharField(source="incident.get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = QualityNotice
        fields = [
            "id",
            "incident",
            "product",
            "product_title",
            "merchant_name",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "title",
            "body",
            "title_zh_hans",
            "title_en",
            "body_zh_hans",
            "body_en",
            "published_at",
        ]
        read_only_fields = fields


class QualityNoticeDraftSerializer(serializers.Serializer):
    incident = serializers.PrimaryKeyRelatedField(queryset=QualityIncident.objects.all())
    title_zh_hans = serializers.CharField(required=False, max_length=200)
    title_en = serializers.CharField(required=False, max_length=200)
    body_zh_hans = serializers.CharField(required=False)
    body_en = serializers.CharField(required=False)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class NoticePermission(permissions.BasePermission):
    """Anyone reads; Quality Management drafts; Quality Managers approve and withdraw."""

    def has_permission(self, request, view):
        if view.action in ("list", "retrieve"):
            return True
        if view.action == "create":
            return quality_notices.may_draft(request.user)
        if view.action in ("approve", "withdraw"):
            return quality_notices.may_approve(request.user)
        return selectors.may_view_incident_notices(request.user)


class QualityNoticeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = QualityNoticeSerializer
    lookup_value_regex = "[0-9]+"  # a non-number is a 404, not a 500
    permission_classes = [NoticePermission]

    def get_queryset(self):
        notices = QualityNotice.objects.select_related(
            "incident__product", "incident__merchant"
        ).order_by("-published_at", "-id")
        if selectors.may_view_incident_notices(self.request.user):
            return notices
        return notices.filter(status=QualityNotice.Status.PUBLISHED)

    @extend_schema(request=QualityNoticeDraftSerializer, responses=QualityNoticeSerializer)
    def create(self, request):
        """Draft the incident's notice (texts pre-filled from the incident when not given),
        or edit its draft."""
        data = QualityNoticeDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        incident = fields.pop("incident")
        notice = quality_notices.draft_notice(incident=incident, by=request.user, **fields)
        return Response(QualityNoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=QualityNoticeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        notice = get_object_or_404(self.get_queryset(), pk=pk)
        notice = quality_notices.approve_and_publish(notice=notice, by=request.user)
        return Response(QualityNoticeSerializer(notice).data)

    @extend_schema(request=WithdrawSerializer, responses=QualityNoticeSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        notice = get_object_or_404(self.get_queryset(), pk=pk)
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = quality_notices.withdraw(
            notice=notice, by=request.user, reason=data.validated_data["reason"]
        )
        return Response(QualityNoticeSerializer(notice).data)


def register(router):
    router.register("quality-notices", QualityNoticeViewSet, basename="quality-notice")

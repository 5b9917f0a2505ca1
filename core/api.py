"""API pieces shared by every app: error handling, role permissions, the alerts endpoint."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core import alerts
from core.exceptions import NotAllowed
from core.models import Alert
from core.roles import has_role


def exception_handler(exc, context):
    """Domain errors raised by services become 400s (403 for NotAllowed) with their text."""
    if isinstance(exc, NotAllowed):
        return Response({"detail": exc.messages[0]}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "forbidden"}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


def role_permission(*roles):
    """A DRF permission class that lets in staff of any of these roles."""

    class HasRole(permissions.BasePermission):
        def has_permission(self, request, view):
            return has_role(request.user, *roles)

    HasRole.__name__ = "HasRole_" + "_".join(roles)
    return HasRole


class AlertListSerializer(serializers.ListSerializer):
    """A page of alerts: what their reasons name is read once (`alerts.alerts_read`)."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        with alerts.alerts_read(rows):
            return super().to_representation(rows)


class AlertSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True)

    class Meta:
        model = Alert
        list_serializer_class = AlertListSerializer
        fields = ["id", "kind", "text", "payload", "url", "created_at", "read_at"]


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's inbox: alerts to them or to one of their groups."""

    serializer_class = AlertSerializer
    queryset = Alert.objects.none()  # for the schema; requests use get_queryset
    filterset_fields = {"kind": ["exact"], "read_at": ["isnull"]}

    def get_queryset(self):
        return alerts.inbox_for(self.request.user)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        alert = self.get_object()
        alerts.mark_read(user=request.user, alert_ids=[alert.pk])
        alert.refresh_from_db()
        return Response(AlertSerializer(alert).data)


def register(router):
    router.register("alerts", AlertViewSet, basename="alert")

"""/api/v1/remedies/ and /api/v1/recoveries/ (domain §13).

- remedies: staff who read remedies (Consumer Service, Quality Management, Quality
  Managers) see all; a merchant user sees its own merchant's only (another's is a 404).
  Staff holding `complaints.add_remedy` grant (POST) and record done / failed / platform
  pays first; the merchant records done (with proof) the remedies it pays.
- recoveries: staff read them; Quality Managers (`complaints.change_recovery`) settle them.

Every write calls complaints.services.remedies; a final state is a 409.
"""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from complaints import selectors
from complaints.api import ConflictOnInvalidTransition
from complaints.models import Case, QualityIncident, Recovery, Remedy
from complaints.services import remedies as services

# --- serializers ------------------------------------------------------------------------------


class RemedySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    payer_label = serializers.CharField(source="get_payer_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    case_reference = serializers.CharField(source="case.reference", default=None, read_only=True)
    incident_reference = serializers.CharField(
        source="incident.reference", default=None, read_only=True
    )
    recovery_status = serializers.SerializerMethodField()

    class Meta:
        model = Remedy
        fields = [
            "id",
            "case",
            "case_reference",
            "incident",
            "incident_reference",
            "purchase",
            "merchant",
            "kind",
            "kind_label",
            "amount",
            "currency",
            "order_amount",
            "above_order_reason",
            "payer",
            "payer_label",
            "due_at",
            "status",
            "status_label",
            "note",
            "proof_reference",
            "proof",
            "failure_reason",
            "platform_paid_first",
            "platform_reason",
            "overdue_at",
            "granted_at",
            "done_at",
            "failed_at",
            "recovery_status",
        ]
        read_only_fields = fields

    def get_recovery_status(self, remedy) -> str | None:
        recovery = getattr(remedy, "recovery", None)
        return recovery.status if recovery is not None else None


class RemedyGrantSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.all(), required=False)
    incident = serializers.PrimaryKeyRelatedField(
        queryset=QualityIncident.objects.all(), required=False
    )
    purchase = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=Remedy.Kind.choices)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    currency = serializers.CharField(max_length=3, default="CNY")
    payer = serializers.ChoiceField(choices=Remedy.Payer.choices)
    platform_reason = serializers.ChoiceField(
        choices=Remedy.PlatformReason.choices, required=False, allow_blank=True, default=""
    )
    due_at = serializers.DateTimeField()
    above_order_reason = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RemedyDoneSerializer(serializers.Serializer):
    proof_reference = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    proof_file = serializers.FileField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class RecoverySerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)

    class Meta:
        model = Recovery
        fields = [
            "id",
            "remedy",
            "merchant",
            "amount",
            "currency",
            "reason",
            "reason_label",
            "status",
            "status_label",
            "opened_at",
            "settled_at",
            "settlement_reference",
            "note",
        ]
        read_only_fields = fields


class SettleSerializer(serializers.Serializer):
    reference = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    write_off = serializers.BooleanField(default=False)


# --- filters, pages, permissions --------------------------------------------------------------


class RemedyFilter(django_filters.FilterSet):
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lte")
    due_after = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")

    class Meta:
        model = Remedy
        fields = ["kind", "payer", "status", "case", "incident", "merchant", "platform_paid_first"]


class RecoveryFilter(django_filters.FilterSet):
    class Meta:
        model = Recovery
        fields = ["status", "reason", "merchant"]


class NewestFirst(CursorPagination):
    ordering = ("-id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ReadsRemedies(permissions.BasePermission):
    def has_permission(self, request, view):
        return selectors.may_view_remedies(request.user) or selectors.is_portal_merchant(
            request.user
        )


class ManagesRemedies(permissions.BasePermission):
    def has_permission(self, request, view):
        return selectors.may_manage_remedies(request.user)


class ReadsRemediesStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return selectors.may_view_remedies(request.user)


class SettlesRecoveries(permissions.BasePermission):
    def has_permission(self, request, view):
        return selectors.may_view_remedies(request.user) and request.user.has_perm(
            "complaints.change_recovery"
        )


def _body(serializer_class, request):
    data = serializer_class(data=request.data, context={"request": request})
    data.is_valid(raise_exception=True)
    return data.validated_data


# --- viewsets ---------------------------------------------------------------------------------


class RemedyViewSet(
    ConflictOnInvalidTransition,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Remedies granted on cases and quality incidents."""

    serializer_class = RemedySerializer
    filterset_class = RemedyFilter
    pagination_class = NewestFirst
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    queryset = Remedy.objects.none()

    def get_queryset(self):
        return selectors.remedies_visible_to(self.request.user).select_related("recovery")

    def get_permissions(self):
        if self.action in ("list", "retrieve", "done"):
            return [ReadsRemedies()]
        return [ManagesRemedies()]

    def _read(self, remedy, code=status.HTTP_200_OK):
        remedy = self.get_queryset().get(pk=remedy.pk)
        return Response(RemedySerializer(remedy, context=self.get_serializer_context()).data, code)

    def create(self, request, *args, **kwargs):
        """Grant a remedy on a case or an incident."""
        from reviews.models import Purchase

        data = _body(RemedyGrantSerializer, request)
        purchase_id = data.pop("purchase", None)
        purchase = get_object_or_404(Purchase, pk=purchase_id) if purchase_id else None
        remedy = services.grant_remedy(by=request.user, purchase=purchase, **data)
        return self._read(remedy, status.HTTP_201_CREATED)

    def get_serializer_class(self):
        return {
            "create": RemedyGrantSerializer,
            "done": RemedyDoneSerializer,
            "failed": ReasonSerializer,
        }.get(self.action, RemedySerializer)

    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """Record the remedy as done, with a proof reference or a proof file (multipart)."""
        remedy = self.get_object()
        if not selectors.may_record_remedy_done(request.user, remedy):
            raise PermissionDenied
        data = _body(RemedyDoneSerializer, request)
        remedy = services.mark_done(remedy=remedy, by=request.user, **data)
        return self._read(remedy)

    @action(detail=True, methods=["post"])
    def failed(self, request, pk=None):
        data = _body(ReasonSerializer, request)
        remedy = services.mark_failed(remedy=self.get_object(), by=request.user, **data)
        return self._read(remedy)

    @action(detail=True, methods=["post"], url_path="platform-pays-first")
    def platform_pays_first(self, request, pk=None):
        """The platform takes over a merchant-paid remedy; a recovery opens."""
        remedy = services.platform_pays_first(remedy=self.get_object(), by=request.user)
        return self._read(remedy)


class RecoveryViewSet(
    ConflictOnInvalidTransition,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """What the platform claims back from merchants after paying first."""

    serializer_class = RecoverySerializer
    filterset_class = RecoveryFilter
    pagination_class = NewestFirst
    queryset = Recovery.objects.none()

    def get_queryset(self):
        if not selectors.may_view_remedies(self.request.user):
            return Recovery.objects.none()
        return Recovery.objects.all()

    def get_permissions(self):
        if self.action == "settle":
            return [SettlesRecoveries()]
        return [ReadsRemediesStaff()]

    def get_serializer_class(self):
        return SettleSerializer if self.action == "settle" else RecoverySerializer

    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        """The merchant paid back (reference), or the claim is written off (note)."""
        data = _body(SettleSerializer, request)
        recovery = services.settle_recovery(recovery=self.get_object(), by=request.user, **data)
        return Response(RecoverySerializer(recovery).data)


def register(router):
    router.register("remedies", RemedyViewSet, basename="remedy")
    router.register("recoveries", RecoveryViewSet, basename="recovery")

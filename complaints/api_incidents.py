"""/api/v1/ for quality incidents.

- `incidents/`: staff who read incidents (Quality Management, Consumer Service, Quality
  Managers, Data Analysis) list and read them; opening one by hand and the steps (contain,
  lift, confirm, dismiss) call complaints.services.incidents, which checks the permission
  of each step (403 otherwise) and the incident's state (409 when it has moved on).
- `merchant-incidents/`: a merchant user's own incidents, read-only.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from complaints import incident_selectors
from complaints.models import Case, QualityIncident
from complaints.services import incidents as services
from products.models import Product


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=QualityIncident.Status.choices)
    kind = django_filters.MultipleChoiceFilter(choices=QualityIncident.Kind.choices)
    source = django_filters.MultipleChoiceFilter(choices=QualityIncident.Source.choices)
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = QualityIncident
        fields = ["status", "kind", "source", "merchant", "product"]


class IncidentPagination(CursorPagination):
    ordering = ("-opened_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class IncidentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    cases = serializers.SlugRelatedField(slug_field="reference", many=True, read_only=True)
    summary_text = serializers.CharField(
        read_only=True,
        help_text=_(
            "What is reported, in the request's language (the system's sentence with the "
            "words of the complaint or report in it)."
        ),
    )

    class Meta:
        model = QualityIncident
        fields = [
            "id",
            "reference",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "source",
            "source_label",
            "merchant",
            "product",
            "lot",
            "inspection",
            "cases",
            "summary",
            "summary_code",
            "summary_params",
            "summary_text",
            "findings",
            "contained_at",
            "containment_reason",
            "listing_status_before",
            "resolved_at",
            "resolution_reason",
            "opened_at",
        ]
        read_only_fields = fields


class MerchantIncidentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = QualityIncident
        fields = [
            "id",
            "reference",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "product",
            "contained_at",
            "containment_reason",
            "findings",
            "resolved_at",
            "opened_at",
        ]
        read_only_fields = fields


class IncidentOpenSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QualityIncident.Kind.choices)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    summary = serializers.CharField(max_length=10_000)
    case = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.all(), required=False, allow_null=True
    )


class IncidentReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5_000)


class IncidentConfirmSerializer(serializers.Serializer):
    findings = serializers.CharField(max_length=10_000)
    delist = serializers.BooleanField(default=True)
    schedule_inspection = serializers.BooleanField(default=True)


class ReadsIncidents(permissions.BasePermission):
    def has_permission(self, request, view):
        return services.may_view(request.user)


class IsMerchantUser(permissions.BasePermission):
    def has_permission(self, request, view):
        from merchants.selectors import merchant_of

        return merchant_of(request.user) is not None


def _may(allowed: bool) -> None:
    """The step's permission before its body: a reader who may not act gets a 403, not the
    body's validation errors. The service checks again."""
    if not allowed:
        from django.utils.translation import gettext as _

        from core.exceptions import NotAllowed

        raise NotAllowed(_("You may not do this to a quality incident."))


def _body(serializer_class, request):
    data = serializer_class(data=request.data, context={"request": request})
    data.is_valid(raise_exception=True)
    return data.validated_data


_STEP = {
    200: IncidentSerializer,
    400: None,
    403: None,
    409: {"description": "The incident's state does not allow this step."},
}


class IncidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Quality incidents (domain §13); the steps record a decision each."""

    serializer_class = IncidentSerializer
    queryset = QualityIncident.objects.none()
    permission_classes = [ReadsIncidents]
    filterset_class = IncidentFilter
    pagination_class = IncidentPagination

    def get_queryset(self):
        return QualityIncident.objects.prefetch_related("cases").order_by("-opened_at", "-id")

    def handle_exception(self, exc):
        from core.exceptions import InvalidTransition

        if isinstance(exc, InvalidTransition):  # the incident has moved on
            return Response(
                {"detail": exc.messages[0], "code": "invalid_transition"},
                status=status.HTTP_409_CONFLICT,
            )
        return super().handle_exception(exc)

    def _read(self, incident, code=status.HTTP_200_OK):
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(IncidentSerializer(incident).data, status=code)

    @extend_schema(request=IncidentOpenSerializer, responses={201: IncidentSerializer})
    def create(self, request, *args, **kwargs):
        """Open an incident by hand (or join the open one for the product and kind)."""
        _may(services.may_open(request.user))
        body = _body(IncidentOpenSerializer, request)
        incident = services.open_incident(
            kind=body["kind"],
            product=body["product"],
            source=QualityIncident.Source.STAFF,
            summary=body["summary"],
            case=body.get("case"),
            by=request.user,
        )
        return self._read(incident, status.HTTP_201_CREATED)

    def _step(self, request, *, may, serializer_class, run):
        """One step of the incident: permission first (403 before the body's errors), the
        body, the service (which checks again), the incident as it now is."""
        _may(may(request.user))
        body = _body(serializer_class, request)
        return self._read(run(incident=self.get_object(), by=request.user, **body))

    @extend_schema(request=IncidentReasonSerializer, responses=_STEP)
    @action(detail=True, methods=["post"])
    def contain(self, request, pk=None):
        """Suspend the listing while the incident is investigated."""
        return self._step(
            request,
            may=services.may_contain,
            serializer_class=IncidentReasonSerializer,
            run=services.contain,
        )

    @extend_schema(request=IncidentReasonSerializer, responses=_STEP)
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        """Lift the containment: the listing gets its earlier status back."""
        return self._step(
            request,
            may=services.may_contain,
            serializer_class=IncidentReasonSerializer,
            run=services.lift_containment,
        )

    @extend_schema(request=IncidentConfirmSerializer, responses=_STEP)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirmed: the kind's rule, delisting, a risk-triggered inspection."""
        return self._step(
            request,
            may=services.may_decide,
            serializer_class=IncidentConfirmSerializer,
            run=services.confirm,
        )

    @extend_schema(request=IncidentReasonSerializer, responses=_STEP)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Not confirmed; a suspended listing gets its status back."""
        return self._step(
            request,
            may=services.may_decide,
            serializer_class=IncidentReasonSerializer,
            run=services.dismiss,
        )


class MerchantIncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A merchant user's own incidents, read-only."""

    serializer_class = MerchantIncidentSerializer
    queryset = QualityIncident.objects.none()
    permission_classes = [IsMerchantUser]
    filterset_class = IncidentFilter
    pagination_class = IncidentPagination

    def get_queryset(self):
        return incident_selectors.incidents_for_merchant_user(self.request.user).order_by(
            "-opened_at", "-id"
        )


def register(router):
    router.register("incidents", IncidentViewSet, basename="incident")
    router.register("merchant-incidents", MerchantIncidentViewSet, basename="merchant-incident")

"""Standing API: the points ledger, sanctions and appeals (with their transitions).

Merchant users see their own merchant only (merchants.selectors); standing staff
see every merchant; writes go through merchants.services.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api import role_permission
from core.exceptions import DomainError, NotAllowed
from core.models import Category
from core.roles import Role
from merchants import services
from merchants.models import Appeal, Merchant, Sanction, ViolationEntry
from merchants.selectors import (
    appeals_visible_to,
    entries_visible_to,
    sanctions_visible_to,
)


class NewestFirst(CursorPagination):
    ordering = ("-id",)
    page_size = 50


def _evidence(obj) -> dict | None:
    if not obj.evidence_type_id:
        return None
    return {
        "type": f"{obj.evidence_type.app_label}.{obj.evidence_type.model}",
        "id": obj.evidence_id,
        "label": obj.evidence_label,
        "url": obj.evidence_url,
    }


class EvidenceSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="app_label.model")
    id = serializers.CharField()
    label = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)


class EntrySerializer(serializers.ModelSerializer):
    rule_version = serializers.IntegerField(source="rule.version", read_only=True)
    rule_title = serializers.CharField(source="rule.title", read_only=True)
    evidence = serializers.SerializerMethodField()
    evidence_file = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    note_text = serializers.CharField(
        read_only=True,
        help_text="The note in the reader's language (Accept-Language): rendered from "
        "note_code and note_params when the system wrote it, else staff's note as typed.",
    )
    withdrawal_reason = serializers.CharField(
        source="withdrawal_text",
        read_only=True,
        help_text="Why the entry was withdrawn, in the reader's language (Accept-Language): "
        "rendered from withdrawal_code and withdrawal_params when the system withdrew it (a "
        "re-test, an upheld appeal), else staff's reason as typed; empty while it counts.",
    )
    merchant_status = serializers.CharField(source="merchant.status", read_only=True)
    merchant_status_display = serializers.CharField(
        source="merchant.get_status_display", read_only=True
    )

    class Meta:
        model = ViolationEntry
        fields = [
            "id",
            "merchant",
            "rule_code",
            "rule_version",
            "rule_title",
            "points",
            "occurred_at",
            "recorded_at",
            "expires_at",
            "status",
            "note",
            "note_code",
            "note_params",
            "note_text",
            "evidence",
            "evidence_file",
            "merchant_status",
            "merchant_status_display",
            "withdrawn_at",
            "withdrawal_reason",
            "withdrawal_code",
            "withdrawal_params",
            "appeal_until",
        ]

    @extend_schema(responses=EvidenceSerializer)
    def get_evidence(self, obj) -> dict | None:
        return _evidence(obj)


class SanctionSerializer(serializers.ModelSerializer):
    # The rule is optional on a sanction (nullable foreign key): the schema says so.
    rule_code = serializers.CharField(
        source="rule.code", read_only=True, default=None, allow_null=True
    )
    rule_version = serializers.IntegerField(
        source="rule.version", read_only=True, default=None, allow_null=True
    )
    entries = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    evidence = serializers.SerializerMethodField()
    why = serializers.CharField(
        read_only=True, help_text="The reason in the reader's language (Accept-Language)."
    )
    end_text = serializers.CharField(
        read_only=True, help_text="Why it ended, in the reader's language (Accept-Language)."
    )
    merchant_status = serializers.CharField(source="merchant.status", read_only=True)
    merchant_status_display = serializers.CharField(
        source="merchant.get_status_display", read_only=True
    )

    class Meta:
        model = Sanction
        fields = [
            "id",
            "merchant",
            "kind",
            "origin",
            "status",
            "step_points",
            "points_at_imposition",
            "entries",
            "rule_code",
            "rule_version",
            "evidence",
            "category",
            "product",
            "merchant_status",
            "merchant_status_display",
            "reason",
            "reason_code",
            "reason_params",
            "why",
            "starts_at",
            "ends_at",
            "appeal_until",
            "ended_at",
            "end_reason",
            "end_reason_code",
            "end_reason_params",
            "end_text",
            "replaces",
        ]

    @extend_schema(responses=EvidenceSerializer)
    def get_evidence(self, obj) -> dict | None:
        return _evidence(obj)


class ImposeSanctionSerializer(serializers.Serializer):
    merchant = serializers.PrimaryKeyRelatedField(queryset=Merchant.objects.all())
    kind = serializers.ChoiceField(choices=Sanction.Kind.choices)
    rule_code = serializers.SlugField()
    evidence_type = serializers.CharField(help_text="app_label.model of the evidence object")
    evidence_id = serializers.CharField()
    reason = serializers.CharField()
    days = serializers.IntegerField(required=False, allow_null=True)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    # The products app sits above this one: its model is looked up, never imported.
    product = serializers.PrimaryKeyRelatedField(
        queryset=apps.get_model("products", "Product").objects.all(),
        required=False,
        allow_null=True,
        help_text="The product a product delisting takes off sale",
    )

    def validate(self, attrs):
        attrs["evidence"] = evidence_object(attrs.pop("evidence_type"), attrs.pop("evidence_id"))
        return attrs


class RecordViolationSerializer(serializers.Serializer):
    """A violation staff record by hand: a rule of the catalogue and the evidence, a linked
    object (evidence_type + evidence_id), an uploaded file, or both."""

    merchant = serializers.PrimaryKeyRelatedField(queryset=Merchant.objects.all())
    rule_code = serializers.SlugField()
    note = serializers.CharField(max_length=5000)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    evidence_type = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="app_label.model of a linked object: "
        + ", ".join(services.standing.EVIDENCE_MODELS),
    )
    evidence_id = serializers.CharField(required=False, allow_blank=True)
    evidence_file = serializers.FileField(required=False, allow_null=True)

    def validate(self, attrs):
        type_label, object_id = attrs.pop("evidence_type", ""), attrs.pop("evidence_id", "")
        attrs["evidence"] = None
        if type_label or object_id:
            attrs["evidence"] = services.find_evidence(type_label, object_id)
        return attrs


def evidence_object(type_label: str, object_id: str) -> Model:
    """The evidence named as "app_label.model" and a primary key."""
    app_label, _dot, model = (type_label or "").partition(".")
    try:
        content_type = ContentType.objects.get_by_natural_key(app_label, model.lower())
        return content_type.get_object_for_this_type(pk=object_id)
    except (ObjectDoesNotExist, DjangoValidationError, ValueError, TypeError) as exc:
        raise serializers.ValidationError({"evidence_id": _("No such evidence object.")}) from exc


class SanctionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AppealSerializer(serializers.ModelSerializer):
    files = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "merchant",
            "entry",
            "sanction",
            "status",
            "statement",
            "files",
            "submitted_at",
            "decision_due_at",
            "reviewer",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = [f for f in fields if f not in ("entry", "sanction", "statement")]


class NewAppealSerializer(serializers.Serializer):
    entry = serializers.IntegerField(required=False, allow_null=True)
    sanction = serializers.IntegerField(required=False, allow_null=True)
    statement = serializers.CharField()
    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)


class DecideSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    reason = serializers.CharField()


class EntryViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The points ledger: what each point is for, its rule version, evidence and expiry.
    Merchant Management and Quality Management record violations by hand (POST)."""

    serializer_class = EntrySerializer
    queryset = ViolationEntry.objects.none()
    pagination_class = NewestFirst
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = {"merchant": ["exact"], "status": ["exact"], "rule_code": ["exact"]}
    ordering_fields = ["id"]

    def get_queryset(self):
        return entries_visible_to(self.request.user).prefetch_related("evidence")

    def get_permissions(self):
        if self.action == "create":
            return [role_permission(*services.standing.RECORDERS)()]
        return super().get_permissions()

    @extend_schema(
        request=RecordViolationSerializer,
        responses={201: EntrySerializer, 409: OpenApiTypes.OBJECT},
    )
    def create(self, request, *args, **kwargs):
        form = RecordViolationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            entry = services.record_violation_by_hand(by=request.user, **form.validated_data)
        except DomainError as error:
            if getattr(error, "code", None) == "already_recorded":
                return Response(
                    {"detail": error.messages[0], "code": "already_recorded"}, status=409
                )
            raise
        return Response(EntrySerializer(entry).data, status=201)


class SanctionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Sanctions. Merchant Management staff impose (with a rule and evidence) and revoke."""

    serializer_class = SanctionSerializer
    queryset = Sanction.objects.none()
    filterset_fields = {"merchant": ["exact"], "status": ["exact"], "kind": ["exact"]}
    ordering_fields = ["id", "starts_at"]

    def get_queryset(self):
        return sanctions_visible_to(self.request.user).prefetch_related("entries", "evidence")

    def get_permissions(self):
        if self.action in ("create", "revoke"):
            return [role_permission(Role.MERCHANT_MANAGEMENT)()]
        return super().get_permissions()

    @extend_schema(request=ImposeSanctionSerializer, responses={201: SanctionSerializer})
    def create(self, request, *args, **kwargs):
        form = ImposeSanctionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        sanction = services.impose_sanction(by=request.user, **form.validated_data)
        return Response(SanctionSerializer(sanction).data, status=201)

    @extend_schema(request=SanctionReasonSerializer, responses=SanctionSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        form = SanctionReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        sanction = services.revoke_sanction(
            sanction=self.get_object(), by=request.user, reason=form.validated_data["reason"]
        )
        return Response(SanctionSerializer(sanction).data)


class AppealViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Appeals: merchants submit; Merchant Management staff review and decide."""

    serializer_class = AppealSerializer
    queryset = Appeal.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = {"merchant": ["exact"], "status": ["exact"]}
    ordering_fields = ["id", "decision_due_at"]

    def get_queryset(self):
        return appeals_visible_to(self.request.user).prefetch_related("files")

    def get_permissions(self):
        if self.action in ("review", "decide"):
            return [role_permission(Role.MERCHANT_MANAGEMENT)()]
        return super().get_permissions()

    @extend_schema(request=NewAppealSerializer, responses={201: AppealSerializer})
    def create(self, request, *args, **kwargs):
        form = NewAppealSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if bool(data.get("entry")) == bool(data.get("sanction")):
            raise DomainError(_("Appeal either one ledger entry or one sanction."))
        user = request.user
        entry = sanction = None
        if data.get("entry"):
            entry = entries_visible_to(user).filter(pk=data["entry"]).first()
            if entry is None:
                raise NotAllowed(_("No such ledger entry of yours."))
        else:
            sanction = sanctions_visible_to(user).filter(pk=data["sanction"]).first()
            if sanction is None:
                raise NotAllowed(_("No such sanction of yours."))
        appeal = services.submit_appeal(
            by=user,
            statement=data["statement"],
            entry=entry,
            sanction=sanction,
            files=data.get("files", []),
        )
        return Response(AppealSerializer(appeal).data, status=201)

    @extend_schema(request=None, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        appeal = services.start_appeal_review(appeal=self.get_object(), by=request.user)
        return Response(AppealSerializer(appeal).data)

    @extend_schema(request=DecideSerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        form = DecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        appeal = services.decide_appeal(
            appeal=self.get_object(), by=request.user, **form.validated_data
        )
        return Response(AppealSerializer(appeal).data)


def register(router):
    router.register("standing/entries", EntryViewSet, basename="violation-entry")
    router.register("standing/sanctions", SanctionViewSet, basename="sanction")
    router.register("standing/appeals", AppealViewSet, basename="appeal")

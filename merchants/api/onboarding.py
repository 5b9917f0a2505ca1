"""Merchants, applications (with transition endpoints), documents and requirements.

Merchant users see and act on their own merchant only. Any department reads merchants;
applications and documents are read by Merchant Management and quality managers, and
Merchant Management acts (the services check who may do what)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.models import Category
from core.roles import Role
from merchants import services
from merchants.models import Application, Document, DocumentType, Merchant
from merchants.selectors import merchant_of, scoped

# Onboarding files (applications, documents) are Merchant Management's; quality managers read.
ONBOARDING_READERS = (Role.MERCHANT_MANAGEMENT, Role.QUALITY_MANAGER)


# --- serializers ----------------------------------------------------------------------------
class MerchantSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Merchant
        fields = [
            "id",
            "legal_name",
            "credit_code",
            "contact_name",
            "contact_email",
            "contact_phone",
            "status",
            "status_display",
            "categories",
            "went_live_at",
            "probation_ends_at",
            "created_at",
        ]
        read_only_fields = fields


class SignUpSerializer(serializers.Serializer):
    legal_name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=18)
    contact_name = serializers.CharField(max_length=100)
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField(max_length=30, required=False, default="")
    categories = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Category.objects.filter(active=True)
    )


class ApplicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Application
        fields = ["id", "merchant", "status", "submitted_at", "decided_at", "created_at"]
        read_only_fields = fields


class TransitionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    # Blank unless the document was rejected: declared so the schema allows "" (a read-only
    # model field loses allow_blank).
    reason_code = serializers.ChoiceField(
        choices=Document.Reason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "merchant",
            "document_type",
            "category",
            "number",
            "issuer",
            "issued_on",
            "expires_on",
            "status",
            "reason_code",
            "review_note",
            "reviewed_at",
            "verified_at",
            "download_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("core:download", args=[obj.file_id])


class DocumentUploadSerializer(serializers.Serializer):
    document_type = serializers.ChoiceField(choices=DocumentType.choices)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True, default=None
    )
    number = serializers.CharField(max_length=100)
    issuer = serializers.CharField(max_length=200)
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    file = serializers.FileField()


class DocumentReviewSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=[Document.Status.ACCEPTED.value, Document.Status.REJECTED.value]
    )
    reason_code = serializers.ChoiceField(
        choices=Document.Reason.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RequirementItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    state = serializers.CharField()
    deadline = serializers.CharField(allow_null=True)
    document_type = serializers.CharField()
    category_id = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()
    missing = serializers.BooleanField()


class RequirementsSerializer(serializers.Serializer):
    currently_due = RequirementItemSerializer(many=True)
    past_due = RequirementItemSerializer(many=True)
    eventually_due = RequirementItemSerializer(many=True)
    pending_verification = RequirementItemSerializer(many=True)


def _requirements_data(merchant) -> dict:
    data = services.requirements_for(merchant).as_dict()
    for items in data.values():
        for item in items:
            deadline = item["deadline"]
            item["deadline"] = deadline.isoformat() if deadline is not None else None
    return data


# --- viewsets -------------------------------------------------------------------------------
class MerchantViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Merchants. A merchant user sees only their own; POST registers a new merchant with the
    caller as owner."""

    serializer_class = MerchantSerializer
    queryset = Merchant.objects.prefetch_related("categories").order_by("pk")
    filterset_fields = {"status": ["exact"], "categories": ["exact"]}
    ordering_fields = ["legal_name", "created_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request.user, merchant_field="pk")

    @extend_schema(request=SignUpSerializer, responses={201: MerchantSerializer})
    def create(self, request, *args, **kwargs):
        data = SignUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        merchant = services.register_merchant(user=request.user, **data.validated_data)
        return Response(MerchantSerializer(merchant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=RequirementsSerializer)
    @action(detail=True, methods=["get"])
    def requirements(self, request, pk=None):
        """What is past due, due now, awaiting review and due later, with deadlines."""
        return Response(_requirements_data(self.get_object()))


def _scoped_merchant(view):
    merchant = merchant_of(view.request.user)
    if merchant is None:
        raise PermissionDenied(_("Only a merchant user can do this."))
    return merchant


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Onboarding applications and their workflow transitions."""

    serializer_class = ApplicationSerializer
    queryset = Application.objects.select_related("merchant").order_by("pk")
    filterset_fields = {"status": ["exact", "in"], "merchant": ["exact"]}
    ordering_fields = ["submitted_at", "created_at"]

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request.user, staff_roles=ONBOARDING_READERS)

    def _respond(self, application):
        application.refresh_from_db()
        return Response(ApplicationSerializer(application).data)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = self.get_object()
        services.submit_application(application=application, actor=request.user)
        return self._respond(application)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, pk=None):
        application = self.get_object()
        services.start_review(application=application, actor=request.user)
        return self._respond(application)

    def _with_reason(self, request, service):
        application = self.get_object()
        data = TransitionReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service(application=application, actor=request.user, reason=data.validated_data["reason"])
        return self._respond(application)

    @extend_schema(request=TransitionReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        return self._with_reason(request, services.request_changes)

    @extend_schema(request=TransitionReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._with_reason(request, services.approve_application)

    @extend_schema(request=TransitionReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._with_reason(request, services.reject_application)


class DocumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Qualification documents. POST (multipart) uploads one for the caller's merchant."""

    serializer_class = DocumentSerializer
    queryset = Document.objects.select_related("merchant", "category").order_by("pk")
    filterset_fields = {
        "status": ["exact"],
        "document_type": ["exact"],
        "category": ["exact"],
        "merchant": ["exact"],
        "expires_on": ["lte", "gte"],
    }
    ordering_fields = ["expires_on", "created_at"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request.user, staff_roles=ONBOARDING_READERS)

    @extend_schema(request=DocumentUploadSerializer, responses={201: DocumentSerializer})
    def create(self, request, *args, **kwargs):
        merchant = _scoped_merchant(self)
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.upload_document(
            merchant=merchant, actor=request.user, **data.validated_data
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DocumentReviewSerializer, responses=DocumentSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        document = self.get_object()
        data = DocumentReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.review_document(
            document=document, actor=request.user, **data.validated_data
        )
        return Response(DocumentSerializer(document).data)


def register(router):
    # Sub-resources first, so "applications" is never taken for a merchant id.
    router.register("merchants/applications", ApplicationViewSet, basename="merchant-application")
    router.register("merchants/documents", DocumentViewSet, basename="merchant-document")
    router.register("merchants", MerchantViewSet, basename="merchant")

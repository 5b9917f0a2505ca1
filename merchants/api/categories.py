"""Category requests: a live merchant asks for one more category with its test report
(multipart POST); Merchant Management files one for a merchant the same way (naming the
merchant) and approves or rejects. The services check who may do what."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.models import Category
from merchants import services
from merchants.api.onboarding import ONBOARDING_READERS, TransitionReasonSerializer
from merchants.models import CategoryRequest, Document, Merchant
from merchants.selectors import merchant_of, scoped


class CategoryRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = CategoryRequest
        fields = [
            "id",
            "merchant",
            "category",
            "test_report",
            "status",
            "reason",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class CategoryRequestCreateSerializer(serializers.Serializer):
    """The report is either `test_report` (an existing document's id) or the upload fields;
    the service says clearly which is missing or wrong."""

    merchant = serializers.PrimaryKeyRelatedField(
        queryset=Merchant.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Merchant Management only: the merchant the request is for."),
    )
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    test_report = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(), required=False, allow_null=True, default=None
    )
    number = serializers.CharField(max_length=100, required=False, default="")
    issuer = serializers.CharField(max_length=200, required=False, default="")
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    file = serializers.FileField(required=False, allow_null=True, default=None)


class CategoryRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Category requests. Merchant users see and file their own merchant's."""

    serializer_class = CategoryRequestSerializer
    queryset = CategoryRequest.objects.select_related("merchant", "category").order_by("pk")
    filterset_fields = {"status": ["exact"], "merchant": ["exact"], "category": ["exact"]}
    ordering_fields = ["created_at", "decided_at"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request.user, staff_roles=ONBOARDING_READERS)

    @extend_schema(
        request=CategoryRequestCreateSerializer, responses={201: CategoryRequestSerializer}
    )
    def create(self, request, *args, **kwargs):
        if merchant_of(request.user) is None and not services.is_merchant_staff(request.user):
            raise PermissionDenied(_("Only a merchant user or Merchant Management can do this."))
        data = CategoryRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        merchant = merchant_of(request.user) or fields.pop("merchant")
        fields.pop("merchant", None)
        if merchant is None:
            raise ValidationError({"merchant": [_("Name the merchant the request is for.")]})
        created = services.request_category(merchant=merchant, actor=request.user, **fields)
        return Response(CategoryRequestSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionReasonSerializer, responses=CategoryRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, services.approve_category_request)

    @extend_schema(request=TransitionReasonSerializer, responses=CategoryRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, services.reject_category_request)

    def _decide(self, request, service):
        category_request = self.get_object()
        data = TransitionReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = service(
            category_request=category_request,
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(CategoryRequestSerializer(decided).data)


def register(router):
    router.register(
        "merchants/category-requests", CategoryRequestViewSet, basename="merchant-category-request"
    )

"""/api/v1/ for complaints and false-advertising reports, their messages and SLA policies.

Who reaches what:
- `cases/`, `ad-reports/`: staff of the roles that read cases (Consumer Service works
  them; Quality Managers and Data Analysis read). Filing (POST) is for an account holding
  `complaints.add_case` that is not a merchant user: Consumer Service recording a call or an
  email, or the storefront's service account (a group with that one permission) filing for
  a consumer. The answer to filing carries the consumer's tracking token, once.
- `merchant-cases/`: a merchant user's own cases (no consumer contact details); they read the
  conversation and answer. Another merchant's case is a 404.
- `sla-policies/`: staff read every version; Quality Managers publish the next one.

Every step calls complaints.services; a step the case's state does not allow is a 409.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from complaints import services, sla_state
from complaints.filters import CaseFilter, SLAPolicyFilter
from complaints.models import OPEN, Case, CaseKind, SLAPolicy, next_deadline
from complaints.selectors import CASE_READERS, cases_visible_to, messages_visible_to
from complaints.serializers import (
    AdReportCreateSerializer,
    AdReportDecisionSerializer,
    CaseAnswerSerializer,
    CaseAssignSerializer,
    CaseCloseSerializer,
    CaseDecisionSerializer,
    CaseFiledSerializer,
    CaseMessageCreateSerializer,
    CaseMessageSerializer,
    CaseQuestionSerializer,
    CaseRatedSerializer,
    CaseRatingSerializer,
    CaseReasonSerializer,
    CaseResolveSerializer,
    CaseSerializer,
    ComplaintCreateSerializer,
    MerchantCaseSerializer,
    SLAPolicyPublishSerializer,
    SLAPolicySerializer,
)
from core.api import role_permission
from core.audit import decisions_for
from core.roles import Role, has_role
from merchants.selectors import merchant_of

READERS = CASE_READERS
WORKERS = (Role.CONSUMER_SERVICE,)
PUBLISHERS = (Role.QUALITY_MANAGER,)


# --- scoping ----------------------------------------------------------------------------


def with_sla(queryset):
    """Annotate what lists sort and filter by: the nearest running deadline and the SLA
    state, computed in the same statement (complaints.sla_state holds the rules)."""
    now = timezone.now()
    return queryset.alias(**sla_state.state_aliases(now)).annotate(
        next_deadline=next_deadline(), sla_state=sla_state.case_state_expression(now)
    )


# --- permissions ------------------------------------------------------------------------


class ReadsCases(permissions.BasePermission):
    def has_permission(self, request, view):
        return has_role(request.user, *READERS) and merchant_of(request.user) is None


class FilesCases(permissions.BasePermission):
    """Consumer Service, or the storefront's service account: holds complaints.add_case and
    speaks for consumers, so never a merchant user."""

    def has_permission(self, request, view):
        user = request.user
        return (
            user.is_authenticated
            and user.has_perm("complaints.add_case")
            and merchant_of(user) is None
        )


class IsMerchantUser(permissions.BasePermission):
    def has_permission(self, request, view):
        return merchant_of(request.user) is not None


# --- pagination -------------------------------------------------------------------------


class CaseCursorPagination(CursorPagination):
    """Keyset pages: stable while cases are filed, no COUNT(*). The client may order by
    `next_deadline` (open cases only) or `created_at`; `id` breaks ties."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request, queryset, view):
        first = super().get_ordering(request, queryset, view)[0]
        return (first, "-id" if first.startswith("-") else "id")


# --- errors -----------------------------------------------------------------------------


class ConflictOnInvalidTransition:
    """A step the case's current state does not allow (core.exceptions.InvalidTransition,
    or the engine's `invalid_transition` refusals) is a 409 Conflict: the request was fine,
    the case has moved on. Other domain errors stay 400 and NotAllowed 403 (core.api)."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError) and getattr(exc, "code", None) == (
            "invalid_transition"
        ):
            return Response(
                {"detail": exc.messages[0], "code": "invalid_transition"},
                status=status.HTTP_409_CONFLICT,
            )
        return super().handle_exception(exc)


def _body(serializer_class, request, **context):
    data = serializer_class(data=request.data, context={"request": request, **context})
    data.is_valid(raise_exception=True)
    return data.validated_data


_CONFLICT = {409: {"description": "The case's state does not allow this step."}}


# --- cases (staff) ----------------------------------------------------------------------


class _CaseViewSetBase(
    ConflictOnInvalidTransition,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Case.objects.none()
    filterset_class = CaseFilter
    pagination_class = CaseCursorPagination
    ordering_fields = ["created_at", "next_deadline"]
    kinds = CaseKind.values

    def get_queryset(self):
        cases = cases_visible_to(self.request.user).filter(kind__in=self.kinds)
        cases = with_sla(cases.select_related("merchant", "policy"))
        if self.action == "list" and "next_deadline" in self.request.query_params.get(
            "ordering", ""
        ):
            # Decided cases have no running deadline; the index holds open cases only.
            cases = cases.filter(status__in=OPEN)
        return cases

    def _read(self, case, code=status.HTTP_200_OK):
        case = self.get_queryset().get(pk=case.pk)
        return Response(self.get_serializer(case).data, status=code)

    def _messages(self, request, case):
        if request.method == "GET":
            rows = messages_visible_to(request.user, case)
            return Response(CaseMessageSerializer(rows, many=True).data)
        return self._post_message(request, case)


DEADLINE_ORDERING = OpenApiParameter(
    "ordering",
    str,
    enum=["-created_at", "created_at", "next_deadline", "-next_deadline"],
    description="next_deadline lists open cases only, nearest deadline first; "
    "the default is -created_at (newest first).",
)


class _StaffCaseViewSet(mixins.CreateModelMixin, _CaseViewSetBase):
    serializer_class = CaseSerializer
    create_kind = CaseKind.COMPLAINT
    create_serializer = ComplaintCreateSerializer

    def get_permissions(self):
        if self.action in ("create", "rate"):
            return [FilesCases()]
        if self.request.method == "GET" and self.action in (
            "list",
            "retrieve",
            "messages",
            "history",
        ):
            return [ReadsCases()]
        return [role_permission(*WORKERS)()]

    @extend_schema(parameters=[DEADLINE_ORDERING])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        staff = has_role(request.user, *WORKERS)
        fields = _body(self.create_serializer, request, staff=staff)
        if not staff:
            fields["channel"] = Case.Channel.API
        case = services.file_case(  # the one intake: it also sends the consumer their link
            kind=self.create_kind,
            by=request.user,
            auto_assign="least_load" if services.has_agents() else None,
            **fields,
        )
        token = case.tracking_token
        # Re-read with the list's annotations; the storefront cannot list cases.
        case = with_sla(Case.objects.select_related("merchant", "policy")).get(pk=case.pk)
        case.tracking_token = token
        return Response(CaseFiledSerializer(case).data, status=status.HTTP_201_CREATED)

    # -- handling ---------------------------------------------------------------------

    @extend_schema(request=CaseAssignSerializer, responses={200: CaseSerializer, **_CONFLICT})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Assign a new case, or reassign an open one, to an agent or by strategy."""
        body = _body(CaseAssignSerializer, request)
        case = services.assign(
            case=self.get_object(),
            to=body.get("assignee"),
            strategy=body["strategy"],
            by=request.user,
        )
        return self._read(case)

    @extend_schema(
        request=CaseMessageCreateSerializer, responses={201: CaseMessageSerializer, **_CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        """A message to the consumer (or an internal note); the first one the consumer can
        read stops the response clock."""
        return self._post_message(request, self.get_object())

    @extend_schema(methods=["GET"], request=None, responses=CaseMessageSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=CaseMessageCreateSerializer,
        responses={201: CaseMessageSerializer, **_CONFLICT},
    )
    @action(detail=True, methods=["get", "post"])
    def messages(self, request, pk=None):
        """GET: the whole conversation. POST: the same as respond."""
        return self._messages(request, self.get_object())

    def _post_message(self, request, case):
        body = _body(CaseMessageCreateSerializer, request)
        message = services.respond(case=case, by=request.user, **body)
        return Response(CaseMessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CaseDecisionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Every step of the case: who, when, from which state to which, and why."""
        steps = decisions_for(self.get_object()).order_by("created_at", "id")
        return Response(CaseDecisionSerializer(steps, many=True).data)

    @extend_schema(request=CaseQuestionSerializer, responses={200: CaseSerializer, **_CONFLICT})
    @action(detail=True, methods=["post"], url_path="ask-consumer")
    def ask_consumer(self, request, pk=None):
        """Ask the consumer; the SLA clocks pause until they reply."""
        body = _body(CaseQuestionSerializer, request)
        pause = services.ask_consumer(case=self.get_object(), by=request.user, **body)
        return self._read(pause.case)

    @extend_schema(request=CaseQuestionSerializer, responses={200: CaseSerializer, **_CONFLICT})
    @action(detail=True, methods=["post"], url_path="ask-merchant")
    def ask_merchant(self, request, pk=None):
        """Ask the merchant; their answer clock starts."""
        body = _body(CaseQuestionSerializer, request)
        return self._read(services.ask_merchant(case=self.get_object(), by=request.user, **body))

    @extend_schema(request=CaseResolveSerializer, responses={200: CaseSerializer, **_CONFLICT})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Decide the case; a rejection needs its reason. The consumer is told."""
        body = _body(CaseResolveSerializer, request)
        return self._read(services.resolve(case=self.get_object(), by=request.user, **body))

    @extend_schema(request=CaseCloseSerializer, responses={200: CaseSerializer, **_CONFLICT})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        body = _body(CaseCloseSerializer, request)
        return self._read(services.close(case=self.get_object(), by=request.user, **body))

    @extend_schema(request=CaseReasonSerializer, responses={200: CaseSerializer, **_CONFLICT})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Within 7 days of the resolution, with a fresh resolution clock."""
        body = _body(CaseReasonSerializer, request)
        return self._read(services.reopen(case=self.get_object(), by=request.user, **body))

    @extend_schema(request=CaseReasonSerializer, responses={200: CaseSerializer, **_CONFLICT})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """To the supervisor queue, one priority step up."""
        body = _body(CaseReasonSerializer, request)
        return self._read(services.escalate(case=self.get_object(), by=request.user, **body))


class CaseViewSet(_StaffCaseViewSet):
    """Complaints and reports for staff; filing a complaint; relaying a rating."""

    @extend_schema(request=ComplaintCreateSerializer, responses={201: CaseFiledSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(
        request=CaseRatingSerializer,
        responses={200: CaseRatedSerializer, 404: None, **_CONFLICT},
    )
    @action(detail=False, methods=["post"])
    def rate(self, request):
        """The consumer's rating of the handling, relayed with their tracking token (the
        proof it is theirs), once the case is resolved."""
        body = _body(CaseRatingSerializer, request)
        case = services.case_for_token(body["tracking_token"])
        if case is None:
            raise NotFound(_("No case has this tracking token."))
        case = services.rate(case=case, rating=body["rating"], comment=body.get("comment", ""))
        return Response(CaseRatedSerializer(case).data)


class AdReportViewSet(_StaffCaseViewSet):
    """False-advertising reports (cases of kind ad_report): the same handling steps, filed
    against a product's claim; verification ends in substantiate or unsubstantiate."""

    kinds = [CaseKind.AD_REPORT]
    create_kind = CaseKind.AD_REPORT
    create_serializer = AdReportCreateSerializer

    @extend_schema(request=AdReportCreateSerializer, responses={201: CaseFiledSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: CaseSerializer, **_CONFLICT})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """The calling agent takes the report to verify it (assigns it to themselves)."""
        return self._read(services.assign(case=self.get_object(), to=request.user, by=request.user))

    @extend_schema(request=AdReportDecisionSerializer, responses={200: CaseSerializer, **_CONFLICT})
    @action(detail=True, methods=["post"])
    def substantiate(self, request, pk=None):
        """The claim is false: the listing is restricted until corrected, the merchant gets
        the rule's violation points and a risk inspection is scheduled (the engine's)."""
        return self._decide(request, Case.Outcome.SUBSTANTIATED)

    @extend_schema(request=AdReportDecisionSerializer, responses={200: CaseSerializer, **_CONFLICT})
    @action(detail=True, methods=["post"])
    def unsubstantiate(self, request, pk=None):
        """The claim holds: the report is closed with its reason; the reporter is told."""
        return self._decide(request, Case.Outcome.REJECTED)

    def _decide(self, request, outcome):
        body = _body(AdReportDecisionSerializer, request)
        case = services.resolve(case=self.get_object(), by=request.user, outcome=outcome, **body)
        return self._read(case)


# --- cases (merchant users) -------------------------------------------------------------


class MerchantCaseViewSet(_CaseViewSetBase):
    """A merchant user's own cases and reports; they answer what Consumer Service asks."""

    serializer_class = MerchantCaseSerializer
    permission_classes = [IsMerchantUser]

    @extend_schema(parameters=[DEADLINE_ORDERING])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(methods=["GET"], request=None, responses=CaseMessageSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=CaseAnswerSerializer,
        responses={201: CaseMessageSerializer, **_CONFLICT},
    )
    @action(detail=True, methods=["get", "post"])
    def messages(self, request, pk=None):
        """GET: the conversation the merchant may read. POST: the same as answer."""
        return self._messages(request, self.get_object())

    @extend_schema(
        request=CaseAnswerSerializer, responses={201: CaseMessageSerializer, **_CONFLICT}
    )
    @action(detail=True, methods=["post"], url_path="merchant-answer")
    def merchant_answer(self, request, pk=None):
        """Answer Consumer Service's question; stops the merchant answer clock."""
        return self._post_message(request, self.get_object())

    def _post_message(self, request, case):
        body = _body(CaseAnswerSerializer, request)
        message = services.merchant_answer(case=case, by=request.user, **body)
        return Response(CaseMessageSerializer(message).data, status=status.HTTP_201_CREATED)


# --- SLA policies -----------------------------------------------------------------------


class SLAPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Every version of the SLA targets; publishing adds the next version (Quality
    Managers). Versions are never edited: cases keep the one they started with."""

    serializer_class = SLAPolicySerializer
    queryset = SLAPolicy.objects.none()
    filterset_class = SLAPolicyFilter
    ordering_fields = ["effective_from", "version", "created_at"]

    def get_permissions(self):
        if self.action == "create":
            return [role_permission(*PUBLISHERS)()]
        return [ReadsCases()]

    def get_queryset(self):
        return SLAPolicy.objects.annotate(
            in_use=Exists(Case.objects.filter(policy=OuterRef("pk")))
        ).order_by("kind", "-priority", "-version")

    @extend_schema(request=SLAPolicyPublishSerializer, responses={201: SLAPolicySerializer})
    def create(self, request, *args, **kwargs):
        body = _body(SLAPolicyPublishSerializer, request)
        policy = services.publish_policy(by=request.user, **body)
        policy = get_object_or_404(self.get_queryset(), pk=policy.pk)
        return Response(SLAPolicySerializer(policy).data, status=status.HTTP_201_CREATED)


def register(router):
    router.register("cases", CaseViewSet, basename="case")
    router.register("ad-reports", AdReportViewSet, basename="ad-report")
    router.register("merchant-cases", MerchantCaseViewSet, basename="merchant-case")
    router.register("sla-policies", SLAPolicyViewSet, basename="sla-policy")
    from complaints import api_incidents

    api_incidents.register(router)
    from complaints import api_remedies

    api_remedies.register(router)
    from complaints import api_notices

    api_notices.register(router)

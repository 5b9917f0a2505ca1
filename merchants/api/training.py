"""Training API: programmes (staff), assignments (scoped to who may see them) with the
modules-done, quiz start and quiz answer actions, and sessions with registration."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import role_permission
from core.roles import Role
from merchants.models import (
    QuizAttempt,
    TrainingAssignment,
    TrainingModule,
    TrainingProgramme,
    TrainingSession,
)
from merchants.services import training


class TrainingModuleSerializer(serializers.ModelSerializer):
    materials = serializers.SerializerMethodField()

    class Meta:
        model = TrainingModule
        fields = ["id", "order", "title", "body", "materials"]

    def get_materials(self, module) -> list[dict]:
        return [
            {
                "title": m.title,
                "url": m.url,
                "text": m.text,
                "file": f"/files/{m.file_id}/" if m.file_id else "",
            }
            for m in module.materials.all()
        ]


class TrainingProgrammeSerializer(serializers.ModelSerializer):
    categories = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    modules = TrainingModuleSerializer(many=True, read_only=True)
    display_title = serializers.CharField(read_only=True)
    display_summary = serializers.CharField(read_only=True)

    class Meta:
        model = TrainingProgramme
        fields = [
            "id",
            "code",
            "version",
            "title",
            "title_en",
            "summary",
            "summary_en",
            "display_title",
            "display_summary",
            "audience",
            "categories",
            "risk_tier",
            "department",
            "recurrence_months",
            "window_days",
            "pass_mark",
            "max_attempts",
            "restricts_sales",
            "status",
            "published_at",
            "cycle",
            "modules",
        ]


class TrainingAssignmentSerializer(serializers.ModelSerializer):
    programme_title = serializers.CharField(source="programme.display_title", read_only=True)
    programme_version = serializers.IntegerField(source="programme.version", read_only=True)

    class Meta:
        model = TrainingAssignment
        fields = [
            "id",
            "programme",
            "programme_title",
            "programme_version",
            "cycle",
            "merchant",
            "user",
            "reason",
            "status",
            "assigned_at",
            "due_at",
            "reminded_days",
            "overdue_at",
            "restricted_at",
            "lifted_at",
            "modules_done_at",
            "completed_at",
            "certificate_number",
        ]


class QuizStartSerializer(serializers.Serializer):
    token = serializers.CharField()
    started_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    questions = serializers.ListField(child=serializers.DictField())


class QuizAnswerSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="as returned by start-quiz")
    answers = serializers.DictField(
        child=serializers.IntegerField(min_value=1),
        help_text="{question id: chosen line number from 1}",
    )


class QuizAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuizAttempt
        fields = ["id", "number", "score", "passed", "submitted_at"]


class TrainingSessionSerializer(serializers.ModelSerializer):
    seats_left = serializers.SerializerMethodField()

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "title",
            "kind",
            "starts_at",
            "ends_at",
            "location",
            "speaker",
            "description",
            "capacity",
            "seats_left",
            "programme",
            "for_staff",
            "is_onboarding",
        ]

    def get_seats_left(self, session) -> int | None:
        return training.seats_left(session)


class TrainingProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    """Programme versions with their modules (staff)."""

    serializer_class = TrainingProgrammeSerializer
    queryset = TrainingProgramme.objects.prefetch_related("categories", "modules__materials__file")
    filterset_fields = {"status": ["exact"], "audience": ["exact"], "code": ["exact"]}
    permission_classes = [
        role_permission(
            Role.MERCHANT_MANAGEMENT,
            Role.QUALITY_MANAGER,
            Role.QUALITY_MANAGEMENT,
            Role.DATA_ANALYSIS,
            Role.CONSUMER_SERVICE,
        )
    ]


class TrainingAssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Training assignments: a merchant's own, a staff member's own, or all (supervisors)."""

    serializer_class = TrainingAssignmentSerializer
    queryset = TrainingAssignment.objects.none()
    permission_classes = [IsAuthenticated]
    filterset_fields = {"status": ["exact"], "programme": ["exact"], "merchant": ["exact"]}
    ordering_fields = ["id", "due_at"]

    def get_queryset(self):
        return training.assignments_visible_to(self.request.user).order_by("due_at", "id")

    @extend_schema(request=None, responses=TrainingAssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="finish-modules")
    def finish_modules(self, request, pk=None):
        assignment = training.finish_modules(self.get_object(), actor=request.user)
        assignment.refresh_from_db()
        return Response(TrainingAssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses=QuizStartSerializer)
    @action(detail=True, methods=["post"], url_path="start-quiz")
    def start_quiz(self, request, pk=None):
        assignment = self.get_object()
        window = training.start_quiz(assignment, actor=request.user)
        questions = [
            {"id": q.pk, "text": q.text, "choices": q.choice_list()}
            for q in assignment.programme.questions.all()
        ]
        return Response(QuizStartSerializer({**window, "questions": questions}).data)

    @extend_schema(request=QuizAnswerSerializer, responses=QuizAttemptSerializer)
    @action(detail=True, methods=["post"])
    def quiz(self, request, pk=None):
        form = QuizAnswerSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        attempt = training.submit_quiz(
            self.get_object(),
            answers={str(k): v for k, v in form.validated_data["answers"].items()},
            actor=request.user,
            token=form.validated_data["token"],
        )
        return Response(QuizAttemptSerializer(attempt).data)


class TrainingSessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Training sessions; merchants (or staff, for staff sessions) register."""

    serializer_class = TrainingSessionSerializer
    queryset = TrainingSession.objects.none()
    permission_classes = [IsAuthenticated]
    filterset_fields = {"kind": ["exact"], "programme": ["exact"]}

    def get_queryset(self):
        return training.sessions_visible_to(self.request.user).order_by("-starts_at")

    @extend_schema(request=None, responses={201: TrainingSessionSerializer})
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        session = self.get_object()
        training.register_for_session(session=session, actor=request.user)
        return Response(TrainingSessionSerializer(session).data, status=201)


def register(router):
    router.register("training/programmes", TrainingProgrammeViewSet, basename="training-programme")
    router.register(
        "training/assignments", TrainingAssignmentViewSet, basename="training-assignment"
    )
    router.register("training/sessions", TrainingSessionViewSet, basename="training-session")

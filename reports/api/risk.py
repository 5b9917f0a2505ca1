"""Reports API: risk scores with their factor contributions (list with tier and category
filters, detail per merchant, the merchant's history of scores) and probation evaluations.
Staff of the departments that act on risk only; merchant users get 403."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from core.api import role_permission
from core.models import Category
from core.roles import Role
from merchants.models import Merchant
from reports.models import ProbationEvaluation, RiskScore, RiskScoreHistory, RiskTier
from reports.services.risk import RISK_READERS, score_history


class RiskFactorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="The figure (null: too few data).")
    severity = serializers.FloatField(help_text="The figure against its ceiling, 0 to 1.")
    weight = serializers.FloatField()
    points = serializers.FloatField(help_text="severity x weight; the points add up to the score.")
    inputs = serializers.DictField(child=serializers.FloatField())


class RiskScoreSerializer(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant.legal_name", read_only=True)
    factors = serializers.SerializerMethodField()
    policy_version = serializers.IntegerField(source="policy_version.version", read_only=True)
    # Blank on a merchant's first score: declared so the schema allows "".
    previous_tier = serializers.ChoiceField(
        choices=RiskTier.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = RiskScore
        fields = [
            "merchant",
            "merchant_name",
            "score",
            "tier",
            "previous_tier",
            "tier_changed_at",
            "factors",
            "policy_version",
            "computed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RiskFactorSerializer(many=True))
    def get_factors(self, obj):
        return _factors(obj)


def _factors(obj) -> list:
    return RiskFactorSerializer(
        [{**factor, "label": str(factor["label"])} for factor in obj.contributions()],
        many=True,
    ).data


class RiskScoreHistorySerializer(serializers.ModelSerializer):
    """One past score: a row is added when a merchant's score or tier changes."""

    tier_label = serializers.CharField(source="get_tier_display", read_only=True)
    policy_version = serializers.IntegerField(source="policy_version.version", read_only=True)
    previous_score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text="The score before this one (null: the merchant's first).",
    )
    previous_tier = serializers.ChoiceField(
        choices=RiskTier.choices, allow_null=True, read_only=True
    )
    change = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text="score - previous_score (null: the merchant's first).",
    )
    factors = serializers.SerializerMethodField()

    class Meta:
        model = RiskScoreHistory
        fields = [
            "id",
            "merchant",
            "score",
            "tier",
            "tier_label",
            "previous_score",
            "previous_tier",
            "change",
            "factors",
            "policy_version",
            "computed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RiskFactorSerializer(many=True))
    def get_factors(self, obj):
        return _factors(obj)


class RiskScoreFilter(django_filters.FilterSet):
    tier = django_filters.ChoiceFilter(choices=RiskTier.choices)
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), field_name="merchant__categories"
    )
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = RiskScore
        fields = ["tier", "category", "min_score"]


class RiskScoreViewSet(viewsets.ReadOnlyModelViewSet):
    """Merchant risk scores, highest first; the id is the merchant's."""

    # The id is a merchant's: anything else is a 404 from the router, never a 500.
    lookup_value_regex = r"[0-9]+"

    serializer_class = RiskScoreSerializer
    permission_classes = [role_permission(*RISK_READERS)]
    filterset_class = RiskScoreFilter
    ordering_fields = ["score", "computed_at"]
    queryset = RiskScore.objects.select_related("merchant", "policy_version").order_by(
        "-score", "merchant_id"
    )

    @extend_schema(
        summary="The merchant's history of scores",
        description="Past scores of the merchant (the id is the merchant's), newest first; "
        "a row is added when the score or the tier changes. Also for a merchant no longer "
        "scored (not live).",
        responses=RiskScoreHistorySerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="history",
        serializer_class=RiskScoreHistorySerializer,
        filter_backends=[],
    )
    def history(self, request, pk=None):
        merchant = get_object_or_404(Merchant, pk=pk)
        page = self.paginate_queryset(score_history(merchant.pk))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ProbationEvaluationSerializer(serializers.ModelSerializer):
    policy_version = serializers.IntegerField(source="policy_version.version", read_only=True)
    reason_text = serializers.CharField(
        read_only=True,
        help_text=_(
            "The reason in the request's language: the automatic review's sentence, "
            "or what staff wrote."
        ),
    )

    class Meta:
        model = ProbationEvaluation
        fields = [
            "id",
            "probation",
            "merchant",
            "mode",
            "recommended",
            "outcome",
            "figures",
            "reasons",
            "reason",
            "reason_code",
            "reason_params",
            "reason_text",
            "policy_version",
            "decided_by",
            "period_end",
            "created_at",
        ]
        read_only_fields = fields


class ProbationEvaluationViewSet(viewsets.ReadOnlyModelViewSet):
    """End-of-probation reviews: automatic ones and staff overrides, with the figures used."""

    serializer_class = ProbationEvaluationSerializer
    permission_classes = [
        role_permission(Role.MERCHANT_MANAGEMENT, Role.DATA_ANALYSIS, Role.QUALITY_MANAGER)
    ]
    filterset_fields = ["merchant", "probation", "mode", "outcome"]
    queryset = ProbationEvaluation.objects.select_related("policy_version").order_by(
        "-created_at", "-id"
    )


def register(router) -> None:
    router.register("risk-scores", RiskScoreViewSet, basename="risk-score")
    router.register(
        "probation-evaluations", ProbationEvaluationViewSet, basename="probation-evaluation"
    )

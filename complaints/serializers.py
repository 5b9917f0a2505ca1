"""Serializers of the complaints API: what each audience reads, and the request bodies of
filing a case and of each step. Steps are validated here for shape only; every rule is the
engine's (complaints.services)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complaints.models import (
    BusinessCalendar,
    CalendarKind,
    Case,
    CaseKind,
    CaseMessage,
    Priority,
    SLAPolicy,
)
from core.decision_labels import reason_label
from core.models import Decision
from merchants.models import Merchant
from products.models import Product

SLA_STATES = [
    ("breached", _("Breached")),
    ("at_risk", _("At risk")),
    ("on_time", _("On time")),
    ("paused", _("Paused")),
    ("stopped", _("Stopped")),
]

ASSIGN_STRATEGIES = [
    ("least_load", _("Least load: fewest open cases")),
    ("round_robin", _("Round robin: longest since the last assignment")),
]

# --- reading cases ----------------------------------------------------------------------

_MERCHANT_FIELDS = [
    "id",
    "reference",
    "kind",
    "channel",
    "status",
    "merchant",
    "merchant_name",
    "product",
    "order_number",
    "delivered_at",
    "complaint_type",
    "desired_remedy",
    "advertised_claim",
    "claim_seen_at",
    "description",
    "consumer_name",
    "outcome",
    "outcome_reason",
    "response_due_at",
    "resolution_due_at",
    "merchant_asked_at",
    "merchant_answer_due_at",
    "merchant_answered_at",
    "next_deadline",
    "sla_state",
    "paused_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "created_at",
]

_STAFF_FIELDS = [
    *_MERCHANT_FIELDS,
    "priority",
    "escalated",
    "escalated_at",
    "consumer_email",
    "consumer_phone",
    "assignee",
    "assigned_at",
    "policy",
    "policy_version",
    "response_at_risk_at",
    "resolution_at_risk_at",
    "merchant_answer_at_risk_at",
    "paused_seconds",
    "satisfaction",
    "satisfaction_comment",
    "created_by",
]


class _CaseReadSerializer(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant.legal_name", read_only=True)
    # Blank until the case is decided: declared so the schema allows "" (a read-only model
    # field loses allow_blank).
    outcome = serializers.ChoiceField(
        choices=Case.Outcome.choices, allow_blank=True, read_only=True
    )
    next_deadline = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=_("The nearest deadline still running; empty once the case is decided."),
    )
    sla_state = serializers.ChoiceField(
        choices=SLA_STATES,
        read_only=True,
        help_text=_(
            "The worst state of the case's clocks (complaints.sla_state): breached: a target "
            "was missed; at_risk: a running target is past its at-risk point; paused: waiting "
            "for the consumer, judged at the pause; on_time: running, neither; stopped: every "
            "target met or the case decided."
        ),
    )

    class Meta:
        model = Case
        fields: list[str] = []
        read_only_fields = fields


class MerchantCaseSerializer(_CaseReadSerializer):
    """A case as the merchant it is about sees it: no consumer contact details, no internal
    handling (assignee, escalation, policy)."""

    class Meta(_CaseReadSerializer.Meta):
        fields = _MERCHANT_FIELDS
        read_only_fields = fields


class CaseSerializer(_CaseReadSerializer):
    """A case as Consumer Service and the other staff roles see it."""

    policy_version = serializers.IntegerField(source="policy.version", read_only=True)

    class Meta(_CaseReadSerializer.Meta):
        fields = _STAFF_FIELDS
        read_only_fields = fields


class CaseFiledSerializer(CaseSerializer):
    """The answer to filing a case: the only time the tracking token is ever shown."""

    tracking_token = serializers.CharField(
        read_only=True,
        help_text=_(
            "Give this to the consumer: it opens their case page. It is shown only now; "
            "only its hash is stored."
        ),
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "tracking_token"]
        read_only_fields = fields


# --- filing -----------------------------------------------------------------------------

STAFF_ONLY_INTAKE = ("channel", "priority", "received_at")


class _CaseIntakeSerializer(serializers.Serializer):
    """Common fields of a new case. Consumer Service staff recording a phone call or an
    email also give the channel, the priority and when the consumer reached us; a storefront
    client files for the consumer through the API channel at normal priority."""

    consumer_name = serializers.CharField(max_length=100)
    consumer_email = serializers.EmailField(required=False, allow_blank=True, default="")
    consumer_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    description = serializers.CharField(max_length=10_000)
    channel = serializers.ChoiceField(
        choices=Case.Channel.choices,
        required=False,
        help_text=_("Staff only; a storefront client always files through the API channel."),
    )
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, help_text=_("Staff only.")
    )
    received_at = serializers.DateTimeField(
        required=False,
        help_text=_("Staff only: when the consumer called or wrote; the SLA clocks start then."),
    )

    def validate(self, attrs):
        if not self.context.get("staff"):
            given = [name for name in STAFF_ONLY_INTAKE if name in attrs]
            if given:
                raise serializers.ValidationError(
                    {name: _("Only Consumer Service staff set this.") for name in given}
                )
        return attrs


class ComplaintCreateSerializer(_CaseIntakeSerializer):
    merchant = serializers.PrimaryKeyRelatedField(queryset=Merchant.objects.all())
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True
    )
    order_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    delivered_at = serializers.DateTimeField(required=False, allow_null=True)
    complaint_type = serializers.ChoiceField(choices=Case.ComplaintType.choices)
    desired_remedy = serializers.ChoiceField(
        choices=Case.Remedy.choices, required=False, allow_blank=True
    )


class AdReportCreateSerializer(_CaseIntakeSerializer):
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.select_related("merchant"),
        help_text=_("The product whose listing makes the claim; its merchant is reported."),
    )
    advertised_claim = serializers.CharField(max_length=5_000)
    claim_seen_at = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text=_("Where the claim was seen.")
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs["merchant"] = attrs["product"].merchant
        return attrs


# --- steps ------------------------------------------------------------------------------


class CaseAssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("A Consumer Service agent; leave out to let the strategy pick one."),
    )
    strategy = serializers.ChoiceField(
        choices=ASSIGN_STRATEGIES,
        default="least_load",
    )


class CaseQuestionSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=10_000)


class CaseReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5_000)


class CaseCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5_000, required=False, allow_blank=True, default="")


class CaseResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Case.Outcome.choices)
    reason = serializers.CharField(
        max_length=5_000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required for a rejection."),
    )
    message = serializers.CharField(
        max_length=10_000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Told to the consumer with the decision."),
    )


class AdReportDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=5_000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required when the report is not substantiated."),
    )
    message = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")


class CaseRatingSerializer(serializers.Serializer):
    tracking_token = serializers.CharField(
        max_length=100, help_text=_("The consumer's tracking token: proof the rating is theirs.")
    )
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=5_000, required=False, allow_blank=True)


class CaseRatedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["reference", "status", "satisfaction", "satisfaction_comment"]
        read_only_fields = fields


# --- messages ---------------------------------------------------------------------------


class CaseMessageSerializer(serializers.ModelSerializer):
    attachments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CaseMessage
        fields = [
            "id",
            "case",
            "author_kind",
            "author",
            "text",
            "internal",
            "attachments",
            "created_at",
        ]
        read_only_fields = fields


class CaseMessageCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)
    internal = serializers.BooleanField(
        default=False,
        help_text=_("Staff only: a note the consumer does not see (nor does the merchant)."),
    )


class CaseAnswerSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)


class CaseDecisionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(read_only=True, help_text=_("The person, or the system step."))
    reason = serializers.SerializerMethodField(
        help_text=_(
            "Why, in the request's language: what a person wrote, or the sentence of the "
            "system's reason code (data.reason_code and data.reason_params)."
        )
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "action",
            "from_state",
            "to_state",
            "actor",
            "by",
            "reason",
            "data",
            "created_at",
        ]
        read_only_fields = fields

    def get_reason(self, decision) -> str:
        return reason_label(decision)


# --- SLA policies -----------------------------------------------------------------------


class SLAPolicySerializer(serializers.ModelSerializer):
    in_use = serializers.BooleanField(
        read_only=True, help_text=_("Cases have pinned this version; it can no longer change.")
    )

    class Meta:
        model = SLAPolicy
        fields = [
            "id",
            "kind",
            "priority",
            "version",
            "first_response_hours",
            "resolution_hours",
            "merchant_answer_hours",
            "at_risk_percent",
            "calendar_kind",
            "business_calendar",
            "effective_from",
            "note",
            "created_by",
            "created_at",
            "in_use",
        ]
        read_only_fields = fields


class SLAPolicyPublishSerializer(serializers.Serializer):
    """The next version of the targets for one case kind and priority; cases already
    filed keep the version they pinned."""

    kind = serializers.ChoiceField(choices=CaseKind.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    first_response_hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=Decimal("0.01"), default=24
    )
    resolution_hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=Decimal("0.01"), default=72
    )
    merchant_answer_hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=Decimal("0.01"), default=24
    )
    at_risk_percent = serializers.IntegerField(min_value=1, max_value=100, default=75)
    calendar_kind = serializers.ChoiceField(
        choices=CalendarKind.choices, default=CalendarKind.CALENDAR_HOURS
    )
    business_calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.all(), required=False, allow_null=True
    )
    effective_from = serializers.DateTimeField(
        required=False, help_text=_("Now when left out; a version can also be scheduled.")
    )
    note = serializers.CharField(max_length=5_000, help_text=_("Why the targets change."))

"""Reports models: risk.

`RiskScore` is one row per live merchant, rewritten in place by the daily set-based
recompute; `factors` keeps each factor's figure, severity, weight and contribution, so the
score explains itself. `RiskScoreHistory` keeps, per merchant, each score the recompute wrote
whose score or tier differed from the one before (the newest row is the current score).
`ProbationEvaluation` is the evidence of an end-of-probation review,
automatic or a staff override."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The order factors are shown in; the keys of RiskScore.factors.
FACTORS = (
    "complaint_rate",
    "sla_breach_rate",
    "rating",
    "ad_reports",
    "inspection_rejections",
    "documents",
)
FACTOR_LABELS = {
    "complaint_rate": _("Complaints per 1,000 orders"),
    "sla_breach_rate": _("Merchant-answer SLA breach rate"),
    "rating": _("Rolling service rating"),
    "ad_reports": _("Substantiated false-advertising reports"),
    "inspection_rejections": _("Rejected inspection lots"),
    "documents": _("Documents past due or expiring"),
}

#: The inputs a factor was computed from, as a reader sees them.
INPUT_LABELS = {
    "complaints": pgettext_lazy("risk input", "complaints"),
    "orders": pgettext_lazy("risk input", "orders"),
    "min_orders": pgettext_lazy("risk input", "orders counted at least"),
    "asked": pgettext_lazy("risk input", "answers asked"),
    "breached": pgettext_lazy("risk input", "answers late"),
    "ratings": pgettext_lazy("risk input", "ratings"),
    "substantiated": pgettext_lazy("risk input", "substantiated reports"),
    "rejected": pgettext_lazy("risk input", "lots rejected"),
    "decided": pgettext_lazy("risk input", "lots decided"),
    "past_due": pgettext_lazy("risk input", "documents past due"),
    "expiring": pgettext_lazy("risk input", "documents expiring"),
}


def contributions(factors: dict | None) -> list[dict]:
    """Stored factor contributions in display order, with their labels."""
    factors = factors or {}  # an unsaved score (the admin's blank inline) has none
    return [
        {
            "code": code,
            "label": FACTOR_LABELS[code],
            **factors[code],
            "input_rows": [
                (INPUT_LABELS.get(name, name.replace("_", " ")), value)
                for name, value in (factors[code].get("inputs") or {}).items()
            ],
        }
        for code in FACTORS
        if code in factors
    ]


class RiskTier(models.TextChoices):
    LOW = "low", pgettext_lazy("risk tier", "Low")
    MEDIUM = "medium", pgettext_lazy("risk tier", "Medium")
    HIGH = "high", pgettext_lazy("risk tier", "High")


def score_in_range(name: str) -> models.CheckConstraint:
    """A score is 0-100 (each table keeps its constraint's own name)."""
    return models.CheckConstraint(
        condition=models.Q(score__gte=0) & models.Q(score__lte=100), name=name
    )


class ScoreFields(models.Model):
    """What a score is, current or past: the score, its tier, the policy it was computed
    under, when, and each factor's contribution (so it explains itself)."""

    score = models.DecimalField(_("risk score"), max_digits=5, decimal_places=2)
    tier = models.CharField(_("risk tier"), max_length=10, choices=RiskTier.choices)
    policy_version = models.ForeignKey(
        "core.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("policy used"),
    )
    computed_at = models.DateTimeField(_("computed"))
    # {factor: {"value", "severity", "weight", "points", "inputs": {...}}}
    factors = models.JSONField(_("factor contributions"))

    class Meta:
        abstract = True

    def contributions(self) -> list[dict]:
        """The factors in display order, with their labels."""
        return contributions(self.factors)


class RiskScore(ScoreFields):
    merchant = models.OneToOneField(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="risk_score",
        verbose_name=_("merchant"),
    )
    previous_tier = models.CharField(
        _("previous tier"), max_length=10, choices=RiskTier.choices, blank=True, default=""
    )
    tier_changed_at = models.DateTimeField(_("tier changed"))

    class Meta:
        verbose_name = _("risk score")
        verbose_name_plural = _("risk scores")
        ordering = ["-score", "merchant_id"]
        indexes = [
            # The staff list and the dashboards' top-risk panel read by score, within a tier.
            models.Index(fields=["-score"], name="risk_by_score"),
            models.Index(fields=["tier", "-score"], name="risk_by_tier_score"),
        ]
        constraints = [score_in_range("risk_score_range")]

    def __str__(self):
        return f"{self.merchant_id}: {self.score} ({self.tier})"


class RiskScoreHistory(ScoreFields):
    """One past score of a merchant, appended by the recompute (set-based, in its
    transaction) when the score or the tier changed since the merchant's previous one."""

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="risk_history",
        verbose_name=_("merchant"),
    )

    class Meta:
        verbose_name = _("past risk score")
        verbose_name_plural = _("history of risk scores")
        ordering = ["-computed_at", "-id"]
        indexes = [
            # The risk page and the API read one merchant's newest first.
            models.Index(fields=["merchant", "-computed_at"], name="risk_history_by_merchant"),
        ]
        constraints = [score_in_range("risk_history_score_range")]

    def __str__(self):
        return f"{self.merchant_id}: {self.score} ({self.tier}) at {self.computed_at:%Y-%m-%d}"

    @property
    def previous_tier_label(self) -> str:
        """The label of the tier before this score (annotated by the history selector)."""
        previous = getattr(self, "previous_tier", None)
        return RiskTier(previous).label if previous in RiskTier.values else ""


class ProbationEvaluation(models.Model):
    """One end-of-probation review: the figures read, the outcome they give under the
    policy, and what was decided (the same, or a staff override with its reason)."""

    class Mode(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic review")
        OVERRIDE = "override", _("Staff override")

    class Outcome(models.TextChoices):
        PASS = "pass", _("Pass")
        EXTEND = "extend", _("Extend")
        TERMINATE = "terminate", _("Terminate")

    probation = models.ForeignKey(
        "merchants.Probation",
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name=_("probation"),
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="probation_evaluations",
        verbose_name=_("merchant"),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    recommended = models.CharField(
        _("outcome under the policy"), max_length=10, choices=Outcome.choices
    )
    outcome = models.CharField(_("outcome decided"), max_length=10, choices=Outcome.choices)
    figures = models.JSONField(_("figures used"))
    reasons = models.JSONField(_("why"), default=list)
    # What staff wrote for an override; the automatic review stores a code and its reason
    # codes instead (reports.reason_texts), shown in the reader's language by `reason_text`.
    reason = models.TextField(_("reason"), blank=True)
    reason_code = models.CharField(
        _("reason code"), max_length=40, blank=True, default="", db_default=""
    )
    reason_params = models.JSONField(
        _("reason parameters"), blank=True, default=dict, db_default={}
    )
    policy_version = models.ForeignKey(
        "core.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("policy used"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    # The probation's end date it reviewed: one automatic review per end date (an extension
    # moves the end and gives the next review its own row).
    period_end = models.DateTimeField(_("probation end reviewed"))
    created_at = models.DateTimeField(_("evaluated"), auto_now_add=True)

    class Meta:
        verbose_name = _("probation evaluation")
        verbose_name_plural = _("probation evaluations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["probation", "period_end"],
                condition=models.Q(mode="automatic"),
                name="probation_review_once_per_end",
            )
        ]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="evaluation_by_merchant")]

    def __str__(self):
        return f"{self.probation_id}: {self.get_outcome_display()} ({self.get_mode_display()})"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language: the automatic review's sentence from its
        code, else what staff wrote."""
        from core.decision_labels import reason_text

        return (reason_text(self.reason_code, self.reason_params) if self.reason_code else "") or (
            self.reason
        )

"""Governance settings of the reports app (versioned in core.policies; staff publish new
versions in the admin). Other report capabilities append their policies below."""

from django.utils.translation import gettext_lazy as _

from core import policies
from core.exceptions import DomainError
from core.policies import Policy

# --- risk score -------------------------------------------------------------------------------
RISK_SCORE = "reports.risk_score"
RISK_SPIKES = "reports.risk_spikes"
PROBATION_REVIEW = "reports.probation_review"

# Each factor is a severity between 0 and 1 (the figure divided by its ceiling, capped);
# its contribution is severity x weight, and the score is the sum of the contributions, so
# weights that add up to 100 give a score from 0 to 100.
RISK_WEIGHTS = (
    "weight_complaint_rate",
    "weight_sla_breach_rate",
    "weight_rating",
    "weight_ad_reports",
    "weight_inspection_rejections",
    "weight_documents",
)


class RiskScorePolicy(Policy):
    """Also checks that the weights make a 0-100 score and the tiers and ratings are ordered,
    so a published version always yields a score its factors explain."""

    def validate(self, value: dict) -> dict:
        merged = super().validate(value)
        if abs(sum(float(merged[name]) for name in RISK_WEIGHTS) - 100) > 0.001:
            raise DomainError(_("The factor weights must add up to 100."))
        if any(round(float(merged[name]), 2) != float(merged[name]) for name in RISK_WEIGHTS):
            raise DomainError(_("Weights have at most two decimals."))
        if not float(merged["medium_from"]) <= float(merged["high_from"]) <= 100:
            raise DomainError(_("The medium tier must start at or below the high tier (<= 100)."))
        if float(merged["rating_good"]) <= float(merged["rating_bad"]):
            raise DomainError(_("The good rating must be above the bad rating."))
        return merged


policies.REGISTRY[RISK_SCORE] = RiskScorePolicy(
    RISK_SCORE,
    _("Merchant risk score (factor weights, ceilings, tiers)"),
    {
        "window_days": 90,
        "weight_complaint_rate": 30.0,
        "weight_sla_breach_rate": 15.0,
        "weight_rating": 20.0,
        "weight_ad_reports": 10.0,
        "weight_inspection_rejections": 15.0,
        "weight_documents": 10.0,
        # Complaints per 1,000 orders at which the factor is at its maximum; the order count
        # is at least min_orders, so a handful of complaints on a tiny shop does not max out.
        "complaint_rate_ceiling": 50.0,
        "min_orders": 100,
        # Share of merchant-answer deadlines breached at which the factor is at its maximum.
        "sla_breach_rate_ceiling": 0.5,
        # Rolling 90-day service rating: no risk at or above rating_good, full at rating_bad;
        # only figures over at least rating_min_count ratings count.
        "rating_good": 4.5,
        "rating_bad": 3.0,
        "rating_min_count": 20,
        "ad_reports_ceiling": 3,
        "inspection_window_days": 365,
        "inspection_rejections_ceiling": 2,
        # Documents: each past-due requirement counts 1, each accepted document expiring
        # within document_expiring_days counts 0.5; the factor is full at documents_ceiling.
        "document_expiring_days": 30,
        "documents_ceiling": 2.0,
        "medium_from": 30.0,
        "high_from": 60.0,
        # What the tiers do in the inspections planner: weight in the monthly random sample,
        # and whether high-risk merchants get a spot check every month instead of a quarter.
        "random_weight_low": 1.0,
        "random_weight_medium": 2.0,
        "random_weight_high": 5.0,
        "high_tier_monthly_checks": True,
    },
)

policies.register(
    RISK_SPIKES,
    label=_("Complaint spikes (this week against the 8-week baseline)"),
    defaults={
        "baseline_weeks": 8,
        "factor": 3.0,
        "merchant_min_complaints": 5,
        "category_min_complaints": 10,
        "schedule_inspection": True,
    },
)

policies.register(
    PROBATION_REVIEW,
    label=_("Automatic end-of-probation review"),
    defaults={
        # Pass: no serious violation, at least min_passed_inspections, complaints and
        # merchant-answer breaches within the pass thresholds.
        "min_passed_inspections": 1,
        "max_complaint_rate": 20.0,
        "min_orders": 100,
        "max_sla_breach_rate": 0.1,
        # Terminate: a serious violation, figures beyond the terminate thresholds, or still
        # not passing after max_extensions extensions. Anything else extends.
        "serious_severities": ["severe", "critical"],
        "terminate_complaint_rate": 50.0,
        "terminate_sla_breach_rate": 0.3,
        "max_extensions": 1,
    },
)

"""Governance settings of the merchants app (staff publish new versions in the admin)."""

from django.utils.translation import gettext_lazy as _

from core import policies
from core.policies import Policy
from merchants.points import DEFAULT_LADDER, parse_ladder

ONBOARDING = "merchants.onboarding"

policies.register(
    ONBOARDING,
    label=_("Merchant onboarding"),
    defaults={
        "probation_days": 90,
        "first_spot_check_days": 30,
        "probation_extension_days": 30,
        "reminder_days": [30, 7, 1],
        "licence_reverify_months": 6,
        "agreement_grace_days": 30,
        "due_soon_days": 30,
    },
)

POINTS = "merchants.violation_points"
LADDER = "merchants.sanction_ladder"
APPEALS = "merchants.appeals"


class LadderPolicy(Policy):
    """Also checks the steps themselves, so a bad ladder never gets published."""

    def validate(self, value: dict) -> dict:
        merged = super().validate(value)
        parse_ladder(merged["steps"])
        return merged


policies.register(POINTS, label=_("Violation points"), defaults={"expire_after_days": 365})
policies.REGISTRY[LADDER] = LadderPolicy(
    LADDER, _("Sanction ladder"), {"steps": [dict(step) for step in DEFAULT_LADDER]}
)
policies.register(
    APPEALS,
    label=_("Appeals"),
    defaults={"appeal_within_days": 15, "decide_within_days": 7},
)

TRAINING = "merchants.training"

policies.register(
    TRAINING,
    label=_("Training"),
    defaults={
        # Reminders this many days before an assignment is due.
        "reminder_days": [14, 3, 1],
        # Days after the due date before sales are restricted (the overdue alert comes first).
        "restrict_after_days": 7,
        # Minutes a merchant has to answer a quiz once an attempt is started.
        "quiz_minutes": 60,
    },
)

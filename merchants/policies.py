"""Governance settings of the merchants app (versioned in core.policies)."""

from django.utils.translation import gettext_lazy as _

from core import policies
from core.policies import Policy
from merchants.points import DEFAULT_LADDER, parse_ladder

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

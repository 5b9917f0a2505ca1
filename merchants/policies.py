"""Governance settings of the merchants app (staff publish new versions in the admin)."""

from django.utils.translation import gettext_lazy as _

from core import policies

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

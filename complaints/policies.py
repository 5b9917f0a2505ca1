"""Complaints settings versioned in core.policies (staff add versions in the admin)."""

from django.utils.translation import gettext_lazy as _

from complaints.remedies import DEFAULT_WINDOWS
from core import policies

REMEDY_WINDOWS = "complaints.remedy_windows"

policies.register(
    REMEDY_WINDOWS,
    label=_("Remedy windows from delivery (days)"),
    defaults=dict(DEFAULT_WINDOWS),
)

BUYER_NOTICES = "complaints.buyer_notices"

policies.register(
    BUYER_NOTICES,
    label=_("Buyer notices of quality incidents"),
    # Purchases paid within this many days before the notice are told.
    defaults={"look_back_days": 180},
)

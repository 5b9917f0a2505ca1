"""Inspection policies (versioned; staff add versions in the admin)."""

from django.utils.translation import gettext_lazy as _

from core import policies

SAMPLING = "inspections.sampling"
OBJECTIONS = "inspections.objections"
PLANNING = "inspections.planning"

policies.register(
    SAMPLING,
    label=_("Inspection sampling (AQL per class of nonconformity, inspection level)"),
    defaults={"aql_critical": "0", "aql_major": "2.5", "aql_minor": "4.0", "level": "II"},
)
policies.register(
    OBJECTIONS,
    label=_("Inspection objections (window, re-test deadline)"),
    defaults={"objection_days": 15, "retest_due_days": 7},
)
policies.register(
    PLANNING,
    label=_("Inspection planning (probation, risk triggers, random share)"),
    defaults={"probation_due_days": 30, "risk_due_days": 7, "random_share_percent": 5.0},
)

"""The reasons inspections writes on decisions by itself (switching rules, re-tests, lab
accreditation sweep), kept as a code plus parameters (`core.decision_labels.reason_data`)
and rendered in the reader's language by `core.decision_labels.reason_label` (registered in
inspections.apps). Reasons a person types stay as typed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.decision_labels import sentences
from inspections import switching

# The words of the switching rules (ISO 2859-1 9.3), by the rule codes of inspections.switching.
SWITCH_REASONS = {
    switching.TWO_REJECTED_IN_FIVE: _("2 of 5 or fewer consecutive lots rejected"),
    switching.FIVE_CONSECUTIVE_ACCEPTED: _("5 consecutive lots accepted on tightened inspection"),
    switching.SWITCHING_SCORE_REACHED: _("Switching score reached 30"),
    switching.LOT_NOT_ACCEPTED_ON_REDUCED: _("A lot rejected on reduced inspection"),
    switching.PRODUCTION_IRREGULAR: _("Production irregular"),
    switching.NORMAL_INSPECTION_WARRANTED: _("Normal inspection warranted"),
    switching.FIVE_REJECTED_ON_TIGHTENED: _(
        "5 lots rejected on tightened inspection: acceptance stopped"
    ),
    switching.CORRECTIVE_ACTION_ACCEPTED: _("Corrective action accepted"),
}

# A severity switch: params {"rule": a switching rule code}.
SWITCH_RULE = "switch_rule"
# A re-test accepted the lot, overturning the verdict: params {"id": the re-test's id}.
RETEST_ACCEPTED = "retest_accepted"
# The re-test plan an objection asks for: params {"id": the objected inspection's id}.
RETEST_REQUESTED = "retest_requested"
# How a re-test decided the objection that asked for it: params {"id": the re-test's id}.
OBJECTION_UPHELD = "objection_upheld"
OBJECTION_DISMISSED = "objection_dismissed"
# The nightly sweep suspended a lab whose accreditation ran out: no params.
ACCREDITATION_EXPIRED = "accreditation_expired"

# Plans the planner writes (InspectionPlan.reason_code): params {"period": "2026Q4" or "2026-11"}.
PLAN_QUARTERLY = "plan_quarterly"
PLAN_PROBATION = "plan_probation"
PLAN_RANDOM = "plan_random"
PLAN_MONTHLY = "plan_monthly"
# A risk-triggered plan after a complaint spike (the reports app's weekly risk run):
# params {"week": "2026-W48", "count": this week's complaints, "avg": the weekly baseline}.
COMPLAINT_SPIKE = "complaint_spike"
# Staff's actions in the admin, which give no words of their own: no params.
CANCELLED_BY_STAFF = "cancelled_by_staff"
SUSPENDED_IN_ADMIN = "suspended_in_admin"
ACCEPTED_IN_ADMIN = "accepted_in_admin"

TEXTS = {
    SWITCH_RULE: "%(rule)s",
    PLAN_QUARTERLY: _("Quarterly spot check %(period)s"),
    PLAN_PROBATION: _("First spot check of the probation period (tightened)"),
    PLAN_RANDOM: _("Random spot check %(period)s"),
    PLAN_MONTHLY: _("Monthly spot check %(period)s (high risk)"),
    COMPLAINT_SPIKE: _("Complaint spike in %(week)s: %(count)s this week, weekly average %(avg)s"),
    CANCELLED_BY_STAFF: _("Cancelled by staff"),
    SUSPENDED_IN_ADMIN: _("Suspended in the admin"),
    ACCEPTED_IN_ADMIN: _("Accepted in the admin"),
    RETEST_ACCEPTED: _("Re-test #%(id)d accepted the lot."),
    RETEST_REQUESTED: _("Re-test asked for in the objection to inspection #%(id)d."),
    ACCREDITATION_EXPIRED: _("Accreditation expired"),
    OBJECTION_UPHELD: _("Re-test #%(id)d accepted the lot; the verdict is overturned."),
    OBJECTION_DISMISSED: _("Re-test #%(id)d rejected the lot too; the verdict stands."),
}


def _rule(params: dict) -> dict:
    code = params.get("rule", "")
    return {"rule": str(SWITCH_REASONS.get(code, code))}


def _id(params: dict) -> dict:
    try:
        return {"id": int(params.get("id") or 0)}
    except (TypeError, ValueError):
        return {"id": 0}


render = sentences(
    TEXTS,
    {
        SWITCH_RULE: _rule,
        RETEST_ACCEPTED: _id,
        RETEST_REQUESTED: _id,
        OBJECTION_UPHELD: _id,
        OBJECTION_DISMISSED: _id,
    },
)


def text(code: str, params: dict | None, fallback: str = "") -> str:
    """A stored reason as a reader sees it: its code's sentence, else the stored text."""
    return (render(code, params) if code else "") or fallback

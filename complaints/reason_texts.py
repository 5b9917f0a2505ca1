"""The reasons the complaints sweeps and services write on decisions, kept as a code plus
parameters (`core.decision_labels.reason_data`) and rendered in the reader's language by
`core.decision_labels.reason_label` (registered in complaints.apps). Reasons a person types
stay as typed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.decision_labels import sentences

# An SLA clock crossed its due instant (complaints.sweep): params {"target": Target code}.
DEADLINE_BREACHED = "deadline_breached"
# The platform pays first / a recovery is opened: params {"reason": Remedy.PlatformReason}.
PLATFORM_PAYS = "platform_pays"

TEXTS = {
    DEADLINE_BREACHED: _("%(target)s deadline breached"),
    PLATFORM_PAYS: "%(reason)s",
}


def _target(params: dict) -> dict:
    from complaints.models import Target

    code = params.get("target", "")
    label = str(Target(code).label) if code in Target.values else code
    return {"target": label[:1].upper() + label[1:]}


def _platform_reason(params: dict) -> dict:
    from complaints.models import Remedy

    code = params.get("reason", "")
    reasons = Remedy.PlatformReason
    return {"reason": str(reasons(code).label) if code in reasons.values else code}


render = sentences(TEXTS, {DEADLINE_BREACHED: _target, PLATFORM_PAYS: _platform_reason})

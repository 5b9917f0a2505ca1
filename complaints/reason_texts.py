"""The reasons the complaints sweeps and services write on decisions, kept as a code plus
parameters (`core.decision_labels.reason_data`) and rendered in the reader's language by
`core.decision_labels.reason_label` (registered in complaints.apps). Reasons a person types
stay as typed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.decision_labels import reason_data, sentences

# An SLA clock crossed its due instant (complaints.sweep): params {"target": Target code}.
DEADLINE_BREACHED = "deadline_breached"
# The platform pays first / a recovery is opened: params {"reason": Remedy.PlatformReason}.
PLATFORM_PAYS = "platform_pays"
# What opened a quality incident (QualityIncident.summary_code, and the reason of its "open"
# decision). The words a person wrote (a complaint's description, a report's claim) stay in
# `QualityIncident.summary`; on the decision they are the parameter "text" / "claim".
# A complaint about the product: params {"reference": case reference, "text": its words}.
COMPLAINT_FILED = "incident_complaint_filed"
# A substantiated false-advertising report: params {"reference": ..., "claim": its words}.
REPORT_SUBSTANTIATED = "incident_report_substantiated"
# A rejected inspection lot: params {"id": inspection id, "batch": ..., "class": DefectClass}.
LOT_REJECTED = "incident_lot_rejected"

# The parameter of each summary code that holds a person's words (kept in `summary`).
SUMMARY_WORDS = {COMPLAINT_FILED: "text", REPORT_SUBSTANTIATED: "claim"}

TEXTS = {
    DEADLINE_BREACHED: _("%(target)s deadline breached"),
    PLATFORM_PAYS: "%(reason)s",
    COMPLAINT_FILED: _("Complaint %(reference)s: %(text)s"),
    REPORT_SUBSTANTIATED: _("Report %(reference)s substantiated: %(claim)s"),
    LOT_REJECTED: _("Inspection #%(id)d rejected lot %(batch)s (%(class)s nonconformities)."),
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


def _lot(params: dict) -> dict:
    """The inspection's number as a number (a backfilled one was read from text) and the
    defect class in words."""
    from inspections.models import DefectClass

    try:
        number = int(params.get("id") or 0)
    except (TypeError, ValueError):
        number = 0
    code = params.get("class", "")
    label = DefectClass(code).label if code in DefectClass.values else code
    return {"id": number, "class": str(label)}


render = sentences(
    TEXTS,
    {DEADLINE_BREACHED: _target, PLATFORM_PAYS: _platform_reason, LOT_REJECTED: _lot},
)


def _with_words(code: str, params: dict | None, words: str) -> dict:
    """The summary's parameters with the person's `words` in the one its sentence names."""
    values = dict(params or {})
    if code in SUMMARY_WORDS:
        values[SUMMARY_WORDS[code]] = words
    return values


def summary_text(code: str, params: dict | None, words: str = "") -> str:
    """What an incident says was reported, in the reader's language: the sentence of its
    code with the person's `words` (QualityIncident.summary) in it; without a code, the
    words as written (staff's own summary, or a summary stored before the codes)."""
    if not code or code not in TEXTS:
        return words
    return render(code, _with_words(code, params, words)) or words


def summary_reason(code: str, params: dict | None, words: str = "") -> dict:
    """The data of the "open" decision: the summary's code, with the person's words as a
    parameter (a decision has no other place for them)."""
    return reason_data(code, _with_words(code, params, words))

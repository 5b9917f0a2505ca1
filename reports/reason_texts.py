"""Reasons the reports app writes as a code plus parameters (decision data
`reason_code`/`reason_params`, or a model's `*_code`/`*_params` pair), rendered in the
reader's language by `core.decision_labels.reason_label` / `reason_text`."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from core.decision_labels import sentences, words

# A newer report of the same quarter was published: {"id": the newer report's id}.
REPLACED_BY_REPORT = "replaced_by_report"
# The automatic end-of-probation review decided: {"reasons": [codes of PROBATION_REASONS]}.
AUTO_PROBATION_REVIEW = "auto_probation_review"

# Why the end-of-probation review recommends what it does (reports.services.probation).
PROBATION_REASONS = {
    "serious_violation": _("A serious violation during probation"),
    "complaint_rate_terminate": _("Complaint rate above the termination threshold"),
    "sla_terminate": _("Merchant-answer breaches above the termination threshold"),
    "no_passed_inspection": _("Not enough passed inspections"),
    "complaint_rate": _("Complaint rate above the pass threshold"),
    "sla": _("Merchant-answer breaches above the pass threshold"),
    "extensions_exhausted": _("Already extended the most times allowed"),
    "all_met": _("Every pass condition met"),
}

TEXTS = {
    REPLACED_BY_REPORT: _("Replaced by report #%(id)s."),
    AUTO_PROBATION_REVIEW: _("Automatic end-of-probation review: %(why)s"),
}


def probation_reasons(codes) -> str:
    """The review's reason codes as one phrase in the reader's language."""
    separator = pgettext("list of reasons", "; ")
    return separator.join(str(PROBATION_REASONS.get(code) or words(code)) for code in codes)


def _review_words(params: dict) -> dict:
    reasons = params.get("reasons")
    return {"why": probation_reasons(reasons if isinstance(reasons, list) else [])}


render = sentences(TEXTS, {AUTO_PROBATION_REVIEW: _review_words})

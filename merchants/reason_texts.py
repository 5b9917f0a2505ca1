"""The words of the reasons the system writes on restrictions and sanctions, kept as a code
plus parameters and rendered in the reader's language when shown (issue 19, "no raw codes").

A writer stores `reason_code` and `reason_params` (JSON: numbers, dates as "YYYY-MM-DD",
codes of choices); `render(code, params)` gives the sentence in the active language. Staff
write their own reasons as text; those have no code and are shown as typed.

Higher apps (reviews, inspections) write restrictions too; their sentences live here so that
this layer can render every stored code without importing them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from core.decision_labels import version_label

# Restriction reasons written by the system.
DOCUMENT_EXPIRED = "document_expired"
REVERIFICATION_OVERDUE = "reverification_overdue"
AGREEMENT_NOT_ACCEPTED = "agreement_not_accepted"
RATING_BELOW = "rating_below"
INSPECTION_DISCONTINUED = "inspection_discontinued"
TRAINING_OVERDUE = "training_overdue"
# Sanction reasons written by the points ladder (restrictions opened by them carry them too).
LADDER_STEP = "ladder_step"
LADDER_SHORTENED = "ladder_shortened"

TEXTS = {
    DOCUMENT_EXPIRED: _("Required document expired: %(document)s (%(expires)s)"),
    REVERIFICATION_OVERDUE: _("Licence re-verification overdue: %(number)s"),
    AGREEMENT_NOT_ACCEPTED: _("Merchant agreement not accepted: %(version)s"),
    RATING_BELOW: _(
        "90-day service rating %(average)s over %(count)d ratings is below "
        "%(threshold)s (description %(accuracy)s, attitude %(attitude)s, "
        "logistics %(logistics)s)."
    ),
    INSPECTION_DISCONTINUED: _("5 lots rejected on tightened inspection: acceptance stopped"),
    TRAINING_OVERDUE: _("Training %(programme)s overdue since %(due)s"),
    LADDER_STEP: _("%(points)s points reached the %(step)s-point step of the sanction ladder."),
    LADDER_SHORTENED: _(
        "Shortened after a violation was withdrawn: %(points)s points remain for the "
        "%(step)s-point step."
    ),
}


def _document(params: dict) -> dict:
    from merchants.models import DocumentType

    code = params.get("document_type", "")
    label = DocumentType(code).label if code in DocumentType.values else code
    return {"document": " ".join(str(p) for p in (label, params.get("number", "")) if p)}


def _agreement(params: dict) -> dict:
    return {"version": version_label(params.get("version", ""))}


def _two_decimals(value) -> str:
    try:
        return f"{Decimal(str(value)):.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


def _rating(params: dict) -> dict:
    """Scores with two decimals (3.4833 → 3.48), the count as a whole number."""
    try:
        count = int(params.get("count") or 0)
    except (TypeError, ValueError):
        count = 0
    names = ("average", "threshold", "accuracy", "attitude", "logistics")
    return {"count": count, **{n: _two_decimals(params[n]) for n in names if n in params}}


# Parameters that are themselves codes or numbers needing words in the reader's language.
_WORDS = {
    DOCUMENT_EXPIRED: _document,
    AGREEMENT_NOT_ACCEPTED: _agreement,
    RATING_BELOW: _rating,
}


class _Params(dict):
    """A missing parameter renders empty rather than failing the whole page."""

    def __missing__(self, key):
        return ""


def render(code: str, params: dict | None = None) -> str:
    """The sentence of a reason code in the active language ("" for an unknown code)."""
    template = TEXTS.get(code)
    if template is None:
        return ""
    values = _Params(params or {})
    words = _WORDS.get(code)
    if words is not None:
        values.update(words(values))
    return str(template) % values


def is_known(code: str) -> bool:
    return code in TEXTS

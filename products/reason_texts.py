"""Why a bulk rescan of the claim list was asked for (`ScanRun.reason_code` and
`reason_params`), kept as a code plus parameters and rendered in the reader's language by
`ScanRun.reason_text` (issue 19); and why the daily sweep suspended a supplier, on its
decision (`SUPPLIER_SCREENING`, registered in products.apps). The reasons of listings live in
merchants.reason_texts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.decision_labels import sentences

# Staff deleted one entry of the claim list in the admin: no params.
LIST_ENTRY_DELETED = "list_entry_deleted"
# Staff deleted several entries together: no params.
LIST_ENTRIES_DELETED = "list_entries_deleted"
# Staff switched entries on or off together: params {"n": how many}.
LIST_ENTRIES_SWITCHED = "list_entries_switched"
# A term or a phrase of the list was added or changed: params {"term"} / {"phrase"}, the
# words of the list entry as they are matched.
TERM_CHANGED = "term_changed"
PHRASE_CHANGED = "phrase_changed"
# Staff asked for a rescan by hand: no params.
REQUESTED_IN_ADMIN = "rescan_requested_in_admin"
REQUESTED_FROM_QUEUE = "rescan_requested_from_queue"
# The sweep suspended a supplier: params {"reason": a code of Supplier.Reason}.
SUPPLIER_SCREENING = "supplier_screening"

TEXTS = {
    LIST_ENTRY_DELETED: _("List entry deleted"),
    LIST_ENTRIES_DELETED: _("List entries deleted"),
    LIST_ENTRIES_SWITCHED: _("%(n)d list entries switched"),
    TERM_CHANGED: _("Term “%(term)s” changed"),
    PHRASE_CHANGED: _("Phrase “%(phrase)s” changed"),
    REQUESTED_IN_ADMIN: _("Requested in the admin"),
    REQUESTED_FROM_QUEUE: _("Requested from the review queue"),
    SUPPLIER_SCREENING: "%(reason)s",
}


def _count(params: dict) -> dict:
    try:
        return {"n": int(params.get("n") or 0)}
    except (TypeError, ValueError):
        return {"n": 0}


def _screening(params: dict) -> dict:
    """The screening reason's label in the reader's language."""
    from products.models import Supplier

    code = params.get("reason", "")
    return {"reason": str(dict(Supplier.Reason.choices).get(code, code))}


render = sentences(TEXTS, {LIST_ENTRIES_SWITCHED: _count, SUPPLIER_SCREENING: _screening})


def text(code: str, params: dict | None, fallback: str = "") -> str:
    """The reason of a run in the active language, else the text stored with it (a sentence
    of before the codes)."""
    return (render(code, params) if code else "") or fallback

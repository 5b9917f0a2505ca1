"""Words for the codes of the workflow log (core.Decision) and for versions, in the reader's
language: one place for every page that shows a history.

- `action_label("resolve")` → "Resolved" / "已解决"
- `state_label(decision, "under_review")` → the label of the subject's status choice
  (any choices field of the subject's model that holds the value), or a version label
  for `v3`, or the action words; a code nobody labelled is shown as words, never as code.
- `version_label(3)` → "version 3" / "第 3 版"
- `actor_label(decision)` → the person's name, or "automatic" for the system.
- `reason_label(decision)` → the reason in the reader's language: a reason the system wrote
  as a code plus parameters (`data["reason_code"]`, `data["reason_params"]`) is rendered by
  the app that registered the code (`register_reasons`); otherwise what a person typed.
"""

from __future__ import annotations

import re
from contextlib import ExitStack, contextmanager

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import pgettext, pgettext_lazy

VERSION = re.compile(r"^v(\d+)$")

ACTIONS = {
    "activate": pgettext_lazy("decision", "Activated"),
    "agreement_accepted": pgettext_lazy("decision", "Agreement accepted"),
    "approve": pgettext_lazy("decision", "Approved"),
    "archive_partition": pgettext_lazy("decision", "Archived to a file and dropped"),
    "approve_and_publish": pgettext_lazy("decision", "Approved and published"),
    "ask_consumer": pgettext_lazy("decision", "Asked the consumer"),
    "ask_merchant": pgettext_lazy("decision", "Asked the merchant"),
    "assign": pgettext_lazy("decision", "Assigned"),
    "attendance": pgettext_lazy("decision", "Attendance recorded"),
    "closed": pgettext_lazy("decision", "Closed"),
    "complete": pgettext_lazy("decision", "Completed"),
    "computed": pgettext_lazy("decision", "Computed"),
    "confirm": pgettext_lazy("decision", "Confirmed"),
    "consumer_replied": pgettext_lazy("decision", "Consumer replied"),
    "contain": pgettext_lazy("decision", "Contained"),
    "create_version": pgettext_lazy("decision", "New version created"),
    "created": pgettext_lazy("decision", "Created"),
    "deactivate": pgettext_lazy("decision", "Deactivated"),
    "decide": pgettext_lazy("decision", "Decided"),
    "delist": pgettext_lazy("decision", "Delisted"),
    "demo": pgettext_lazy("decision", "Demo data"),
    "details_changed": pgettext_lazy("decision", "Details changed"),
    "dismiss": pgettext_lazy("decision", "Dismissed"),
    "draft": pgettext_lazy("decision", "Drafted"),
    "drafted": pgettext_lazy("decision", "Drafted"),
    "edit_draft": pgettext_lazy("decision", "Draft edited"),
    "escalate": pgettext_lazy("decision", "Escalated"),
    "extend": pgettext_lazy("decision", "Extended"),
    "first_response": pgettext_lazy("decision", "First response"),
    "fold": pgettext_lazy("decision", "Merged into another"),
    "grant": pgettext_lazy("decision", "Granted"),
    "impose": pgettext_lazy("decision", "Imposed"),
    "join": pgettext_lazy("decision", "Joined"),
    "keep": pgettext_lazy("decision", "Kept"),
    "lift": pgettext_lazy("decision", "Lifted"),
    "list": pgettext_lazy("decision", "Listed"),
    "merchant_answer": pgettext_lazy("decision", "Merchant answered"),
    "merchant_proposal": pgettext_lazy("decision", "Merchant proposed an outcome"),
    "new_version": pgettext_lazy("decision", "New version created"),
    "notify_buyers": pgettext_lazy("decision", "Buyers notified"),
    "open": pgettext_lazy("decision", "Opened"),
    "open_case": pgettext_lazy("decision", "Case opened"),
    "overturn": pgettext_lazy("decision", "Overturned"),
    "pass": pgettext_lazy("decision", "Passed"),
    "plan": pgettext_lazy("decision", "Planned"),
    "platform_pays_first": pgettext_lazy("decision", "Platform paid first"),
    "publish": pgettext_lazy("decision", "Published"),
    "published": pgettext_lazy("decision", "Published"),
    "rate": pgettext_lazy("decision", "Consumer rated the handling"),
    "reassign": pgettext_lazy("decision", "Reassigned"),
    "record": pgettext_lazy("decision", "Recorded"),
    "redraft": pgettext_lazy("decision", "Redrafted"),
    "registered": pgettext_lazy("decision", "Registered"),
    "reinstate": pgettext_lazy("decision", "Reinstated"),
    "reject": pgettext_lazy("decision", "Rejected"),
    "relist": pgettext_lazy("decision", "Relisted"),
    "relist_after_reinspection": pgettext_lazy("decision", "Relisted after reinspection"),
    "reopen": pgettext_lazy("decision", "Reopened"),
    "reply": pgettext_lazy("decision", "Replied"),
    "report": pgettext_lazy("decision", "Reported"),
    "request_changes": pgettext_lazy("decision", "Changes requested"),
    "requested": pgettext_lazy("decision", "Requested"),
    "rescreen": pgettext_lazy("decision", "Screened again"),
    "resolve": pgettext_lazy("decision", "Resolved"),
    "respond": pgettext_lazy("decision", "Responded"),
    "restrict": pgettext_lazy("decision", "Restricted"),
    "retire": pgettext_lazy("decision", "Retired"),
    "return_exclusion": pgettext_lazy("decision", "Return excluded"),
    "reverified": pgettext_lazy("decision", "Verified again"),
    "reverify": pgettext_lazy("decision", "Verified again"),
    "review": pgettext_lazy("decision", "Reviewed"),
    "review_due": pgettext_lazy("decision", "Review due"),
    "sanction_status": pgettext_lazy("decision", "Status set by a sanction"),
    "sealed": pgettext_lazy("decision", "Sealed"),
    "staff_added": pgettext_lazy("decision", "Staff member added"),
    "start": pgettext_lazy("decision", "Started"),
    "started": pgettext_lazy("decision", "Started"),
    "status": pgettext_lazy("decision", "Status changed"),
    "storefront_update": pgettext_lazy("decision", "Storefront updated"),
    "submit": pgettext_lazy("decision", "Submitted"),
    "submitted": pgettext_lazy("decision", "Submitted"),
    "suspend": pgettext_lazy("decision", "Suspended"),
    "suspended": pgettext_lazy("decision", "Suspended"),
    "switch": pgettext_lazy("decision", "Inspection severity switched"),
    "terminate": pgettext_lazy("decision", "Terminated"),
    "team_invitation_sent": pgettext_lazy("decision", "Team invitation sent"),
    "tracking_link_reissued": pgettext_lazy("decision", "Tracking link sent again"),
    "training_completed": pgettext_lazy("decision", "Training completed"),
    "unfold": pgettext_lazy("decision", "Separated again"),
    "uploaded": pgettext_lazy("decision", "Uploaded"),
    "verdict": pgettext_lazy("decision", "Verdict recorded"),
    "withdraw": pgettext_lazy("decision", "Withdrawn"),
}


def version_label(number) -> str:
    return pgettext("version", "version %(number)s") % {"number": number}


def titled_version(title, number) -> str:
    """A versioned thing as people name it: "Title (version 3)", its title and version_label."""
    return pgettext("version", "%(title)s (%(version)s)") % {
        "title": title,
        "version": version_label(number),
    }


def words(code: str) -> str:
    """A code nobody labelled, shown as words rather than as a program identifier."""
    return str(code).replace("_", " ")


def action_label(action: str, subject=None) -> str:
    """The words for a decision's action; an action named after the state it moved to (a
    state machine's default) reads as that state's label of the subject's model."""
    if not action:
        return ""
    label = ACTIONS.get(action)
    if label is None and subject is not None:
        label = choices_of(_model(subject)).get(action)
    return str(label) if label is not None else words(action)


def _model(subject):
    """The model class of a decision (object or `.values()` row with content_type ids)."""
    if isinstance(subject, dict):
        ct = subject.get("content_type_id") or subject.get("content_type")
        if ct is None and subject.get("content_type__app_label"):
            try:
                return ContentType.objects.get_by_natural_key(
                    subject["content_type__app_label"], subject["content_type__model"]
                ).model_class()
            except ContentType.DoesNotExist:
                return None
        return ContentType.objects.get_for_id(ct).model_class() if ct else None
    if hasattr(subject, "content_type_id"):
        return ContentType.objects.get_for_id(subject.content_type_id).model_class()
    if isinstance(subject, type):
        return subject
    return type(subject) if subject is not None else None


def choices_of(model) -> dict:
    """Every value of every choices field of the model, with its label."""
    labels: dict = {}
    if model is None:
        return labels
    for field in model._meta.get_fields():
        for value, label in getattr(field, "flatchoices", None) or []:
            labels.setdefault(value, label)
    return labels


def state_label(subject, value: str) -> str:
    """The words for a state `value` of the decision's (or model's) subject."""
    if not value:
        return ""
    match = VERSION.match(str(value))
    if match:
        return version_label(match.group(1))
    label = choices_of(_model(subject)).get(value)
    if label is not None:
        return str(label)
    if value in ACTIONS:
        return str(ACTIONS[value])
    return words(value)


def subject_label(subject) -> str:
    """The kind of object a decision is about, in words (its model's verbose name)."""
    model = _model(subject)
    return str(model._meta.verbose_name) if model is not None else ""


def actor_label(decision) -> str:
    actor = decision.get("actor") if isinstance(decision, dict) else decision.actor
    if actor is not None and not isinstance(actor, int):
        return actor.get_full_name() or actor.get_username()
    return pgettext("actor", "automatic")


# Apps register the sentences of the reason codes they write (merchants.reason_texts), so the
# kernel can render a history's reasons without knowing the apps: code -> render(code, params).
REASON_RENDERERS: dict = {}
# What an app reads once for a page of its reasons (merchants: the categories they name), as
# context managers taking the page's (code, params) pairs: `reasons_read` opens them all.
REASON_READERS: list = []


@contextmanager
def read_once(known_var, keys, load):
    """A page-level reader's body: within it, `known_var` (a ContextVar of a dict) holds the
    objects of `keys`, read by one `load(missing keys) -> {key: object}` for those not known
    yet (nested readers read only the new ones); a key `load` does not find holds None."""
    known = known_var.get() or {}
    missing = set(keys) - known.keys()
    found = dict(known)
    if missing:
        found.update(dict.fromkeys(missing))
        found.update(load(missing))
    token = known_var.set(found)
    try:
        yield
    finally:
        known_var.reset(token)


def register_reasons(codes, render, *, read_many=None) -> None:
    for code in codes:
        REASON_RENDERERS[code] = render
    if read_many is not None and read_many not in REASON_READERS:
        REASON_READERS.append(read_many)


@contextmanager
def reasons_read(reasons):
    """Within it, rendering these reasons ((code, params) pairs: every row of a page) reads
    nothing more: each app that registered a `read_many` reads what they name at once, so a
    page costs the same queries however many rows it has."""
    reasons = list(reasons)
    with ExitStack() as stack:
        for read_many in REASON_READERS:
            stack.enter_context(read_many(reasons))
        yield


def stored_reason(value) -> tuple[str, dict] | None:
    """The (code, params) of a reason kept as `reason_data` (a decision's data, a value of an
    alert's payload); None when it holds none."""
    if isinstance(value, dict) and value.get("reason_code"):
        params = value.get("reason_params")
        return value["reason_code"], params if isinstance(params, dict) else {}
    return None


def decisions_read(decisions):
    """`reasons_read` over the reasons of these decisions (objects or `.values()` rows)."""
    reasons = (
        stored_reason(d.get("data") if isinstance(d, dict) else getattr(d, "data", None))
        for d in decisions
    )
    return reasons_read(r for r in reasons if r is not None)


class _Params(dict):
    """A missing parameter renders empty rather than failing the whole page."""

    def __missing__(self, key):
        return ""


def sentences(texts: dict, words: dict | None = None):
    """A renderer for `register_reasons`: the code's sentence (`texts[code]`, lazy gettext)
    filled with its parameters; `words[code](params)` first turns parameters that are codes
    or numbers into words of the reader's language."""

    def render(code: str, params: dict | None = None) -> str:
        template = texts.get(code)
        if template is None:
            return ""
        values = _Params(params or {})
        convert = (words or {}).get(code)
        if convert is not None:
            values.update(convert(values))
        return str(template) % values

    return render


def reason_data(code: str, params: dict | None = None) -> dict:
    """The decision data that lets a history render a system reason in the reader's
    language (`reason_label`)."""
    return {"reason_code": code, "reason_params": params or {}} if code else {}


def reason_text(code: str, params: dict | None = None) -> str:
    render = REASON_RENDERERS.get(code)
    return render(code, params or {}) if render is not None else ""


def reason_label(decision) -> str:
    if isinstance(decision, dict):
        data, reason = decision.get("data") or {}, decision.get("reason", "")
    else:
        data, reason = getattr(decision, "data", None) or {}, getattr(decision, "reason", "")
    stored = stored_reason(data)
    if stored is not None:
        text = reason_text(*stored)
        if text:
            return text
    return reason or ""

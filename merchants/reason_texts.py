"""The words of the reasons the system writes on restrictions and sanctions, kept as a code
plus parameters and rendered in the reader's language when shown (issue 19, "no raw codes").

A writer stores `reason_code` and `reason_params` (JSON: numbers, dates as "YYYY-MM-DD",
codes of choices); `render(code, params)` gives the sentence in the active language. Staff
write their own reasons as text; those have no code and are shown as typed.

Higher apps (reviews, inspections) write restrictions too; their sentences live here so that
this layer can render every stored code without importing them.
"""

from __future__ import annotations

from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from core.decision_labels import read_once, reason_text, sentences, version_label

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
# Notes the system writes on ledger entries (ViolationEntry.note_code).
EXPIRED_DOCUMENT_SOLD = "expired_document_sold"
CASE_NOT_ANSWERED = "case_not_answered"
LOT_REJECTED = "lot_rejected"
FALSE_AD_SUBSTANTIATED = "false_ad_substantiated"
INCIDENT_CONFIRMED = "incident_confirmed"
# Why the system withdrew a ledger entry (ViolationEntry.withdrawal_code): a re-test accepted
# the lot whose rejection was the evidence ({"id": the re-test}), or an appeal was upheld
# (APPEAL_UPHELD, {"reason": the reviewer's words}).
RETEST_OVERTURNED = "retest_overturned"
# Why a sanction ended (Sanction.end_reason_code).
TIME_RAN_OUT = "time_ran_out"
SERVED_WHEN_SHORTENED = "served_when_shortened"
APPEAL_UPHELD = "appeal_upheld"
# Why a listing changed status (products.Product.status_reason_code).
DELISTED_BY_SANCTION = "delisted_by_sanction"
DELISTING_REVOKED = "delisting_revoked"
REINSPECTION_PASSED = "reinspection_passed"
RESTRICTION_LIFTED = "restriction_lifted"
LOT_REJECTED_DELISTED = "lot_rejected_delisted"
# A listing suspended or released by a step of a quality incident (containment, its lifting,
# a dismissal): params {"reference": incident reference, "reason": the staff's words}.
INCIDENT_STEP = "incident_step"

# Why a restriction was lifted (the lift decision's reason_code).
RATING_RECOVERED = "rating_recovered"
# A merchant's rating standing changed (reviews, its "verdict" decision): {average, count}.
RATING_VERDICT = "rating_verdict"
# Staff approved the application: the merchant goes live on probation. No params.
APPLICATION_APPROVED = "application_approved"
DOCUMENT_ACCEPTED = "document_accepted"
AGREEMENT_ACCEPTED = "agreement_accepted"
TRAINING_COMPLETED = "training_completed"
PROGRAMME_VERSION_CHANGED = "programme_version_changed"
# How a training assignment was completed (its "completed" step and decision).
COMPLETED_BY_MODULES = "completed_by_modules"
COMPLETED_BY_QUIZ = "completed_by_quiz"
COMPLETED_BY_SESSION = "completed_by_session"
# A quiz attempt's step note, and a training assignment asked for by a sanction.
QUIZ_SCORED = "quiz_scored"
ASSIGNED_BY_SANCTION = "assigned_by_sanction"

# Why a merchant may not sell (merchants.services.SellingRights.codes); a listing restricted
# for selling rights keeps them all under SELLING_RIGHTS_BLOCKED: {"reasons": [{code, params}]}.
MERCHANT_NOT_LIVE = "merchant_not_live"
CATEGORY_NOT_APPROVED = "category_not_approved"
NO_TEST_REPORT = "no_test_report"
RESTRICTION_IN_FORCE = "restriction_in_force"
SELLING_RIGHTS_BLOCKED = "selling_rights_blocked"

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
    EXPIRED_DOCUMENT_SOLD: _(
        "%(document)s %(number)s expired on %(expires)s; order lines paid after it: "
        "%(lines)s, the first at %(first)s."
    ),
    CASE_NOT_ANSWERED: _("The merchant did not answer case %(reference)s in time."),
    LOT_REJECTED: _("Inspection #%(id)d rejected lot %(batch)s."),
    FALSE_AD_SUBSTANTIATED: _("False advertising report %(reference)s substantiated."),
    INCIDENT_CONFIRMED: _("Quality incident %(reference)s confirmed (%(kind)s): %(findings)s"),
    RETEST_OVERTURNED: _("Re-test #%(id)d accepted the lot; the verdict is overturned."),
    TIME_RAN_OUT: _("The sanction's time ran out."),
    SERVED_WHEN_SHORTENED: _("Already served when it was shortened."),
    APPEAL_UPHELD: _("Appeal upheld: %(reason)s"),
    DELISTED_BY_SANCTION: _("Delisted by a sanction: %(reason)s"),
    DELISTING_REVOKED: _("The delisting sanction was revoked: %(reason)s"),
    REINSPECTION_PASSED: _("Re-inspection %(ref)s passed."),
    RESTRICTION_LIFTED: _("The restriction on the merchant was lifted."),
    LOT_REJECTED_DELISTED: _(
        "Inspection #%(id)d rejected lot %(batch)s (%(class)s nonconformities)."
    ),
    RATING_RECOVERED: _(
        "The 90-day service rating recovered to %(average)s over %(count)d ratings."
    ),
    RATING_VERDICT: _("90-day service rating %(average)s over %(count)d ratings."),
    APPLICATION_APPROVED: _("Application approved"),
    DOCUMENT_ACCEPTED: _("New document accepted: %(document)s"),
    AGREEMENT_ACCEPTED: _("Accepted %(agreement)s"),
    TRAINING_COMPLETED: _("Training completed"),
    PROGRAMME_VERSION_CHANGED: _("New programme version"),
    COMPLETED_BY_MODULES: _("Completed by working through the modules"),
    COMPLETED_BY_QUIZ: _("Completed by passing the quiz"),
    COMPLETED_BY_SESSION: _("Completed by attending %(session)s"),
    QUIZ_SCORED: _("Scored %(score)d%%"),
    ASSIGNED_BY_SANCTION: _("Assigned as the remedy of sanction #%(id)d"),
    MERCHANT_NOT_LIVE: _("The merchant is %(status)s."),
    CATEGORY_NOT_APPROVED: _("The merchant is not approved to sell in %(category)s."),
    NO_TEST_REPORT: _(
        "The merchant has no approved test report for %(category)s; selling in it "
        "starts when one is approved."
    ),
    # As `Restriction.__str__`: names and labels only, no words of a sentence.
    RESTRICTION_IN_FORCE: "%(merchant)s: %(kind)s (%(category)s)",
    SELLING_RIGHTS_BLOCKED: "%(reasons)s",
    INCIDENT_STEP: _("Quality incident %(reference)s: %(reason)s"),
}


def _document(params: dict) -> dict:
    from merchants.models import DocumentType

    code = params.get("document_type", "")
    label = DocumentType(code).label if code in DocumentType.values else code
    return {"document": " ".join(str(p) for p in (label, params.get("number", "")) if p)}


def _accepted_document(params: dict) -> dict:
    """The document's type in words, its category and number (as `Document.__str__`); a
    backfilled one keeps the words it was read from."""
    if "document" in params and "document_type" not in params:
        return {}
    label = _document({"document_type": params.get("document_type", "")})["document"]
    if params.get("category"):
        label = f"{label} ({params['category']})"
    return {"document": " ".join(str(p) for p in (label, params.get("number", "")) if p)}


def _agreement_name(params: dict) -> dict:
    """The agreement as its model names it ("Merchant agreement, version 3")."""
    if "agreement" in params and "version" not in params:
        return {}
    from merchants.models import AgreementVersion

    return {"agreement": str(AgreementVersion(version=params.get("version", "")))}


# The categories of the reasons being rendered, by id (None: no such category), read in one
# query by `categories_named`; names are taken in the reader's language when rendered.
_CATEGORIES: ContextVar[dict | None] = ContextVar("reason_categories", default=None)


def _category_ids(code: str, params) -> set[int]:
    """The ids of the categories a reason names, also in the reasons it holds (a blocked
    listing's reasons, the reason a delisting quotes)."""
    if not isinstance(params, dict):
        return set()
    if code in _NAMES_CATEGORY:
        category = params.get("category")
        return {category} if isinstance(category, int) else set()
    if code == SELLING_RIGHTS_BLOCKED and isinstance(params.get("reasons"), list):
        return set().union(
            *(
                _category_ids(r.get("code", ""), r.get("params"))
                for r in params["reasons"]
                if isinstance(r, dict)
            )
        )
    quoted_reason = params.get("reason")
    if code in (DELISTED_BY_SANCTION, DELISTING_REVOKED) and isinstance(quoted_reason, dict):
        return _category_ids(
            quoted_reason.get("reason_code", ""), quoted_reason.get("reason_params")
        )
    return set()


def categories_named(reasons):
    """Within it, the categories named by `reasons` ((code, params) pairs: of one rendering,
    or of every row of a page) are known from one query, so rendering them asks nothing
    more. Nested, only the ones not yet known are read."""
    from core.models import Category

    ids = set().union(*(_category_ids(code, params) for code, params in reasons))
    return read_once(_CATEGORIES, ids, lambda missing: Category.objects.in_bulk(list(missing)))


def _category_name(category_id) -> str:
    """The category's name in the active language, from the ones `categories_named` read
    (every rendering opens one: `render`)."""
    if not isinstance(category_id, int):
        return str(category_id or "")
    category = (_CATEGORIES.get() or {}).get(category_id)
    return str(category) if category is not None else ""


def _merchant_status(params: dict) -> dict:
    return {"status": _label("merchants.merchant", "status", params.get("status", ""))}


def _in_category(params: dict) -> dict:
    return {"category": _category_name(params.get("category"))}


def _restriction(params: dict) -> dict:
    return {
        "kind": _label("merchants.restriction", "kind", params.get("kind", "")),
        "category": _category_name(params.get("category")) or _("all categories"),
    }


def _blocked(params: dict) -> dict:
    reasons = params.get("reasons")
    if not isinstance(reasons, list):
        return {"reasons": str(reasons or "")}
    return {
        "reasons": " ".join(
            render(r.get("code", ""), r.get("params")) for r in reasons if isinstance(r, dict)
        )
    }


def _sold(params: dict) -> dict:
    """The document's type in words, its number apart (the sentence names both)."""
    return {
        **_document({"document_type": params.get("document_type", "")}),
        "number": params.get("number", ""),
    }


def _label(model: str, field: str, value) -> str:
    """The label of a choice of a higher app's model ("app_label.model": looked up by name,
    never imported), in the active language; the value itself when unknown."""
    from django.apps import apps

    try:
        choices = apps.get_model(model)._meta.get_field(field).flatchoices
    except LookupError:
        choices = ()
    return str(dict(choices).get(value, value))


def _training(params: dict) -> dict:
    """The programme by its id, titled in the reader's language (as `TrainingProgramme.__str__`);
    a restriction written before the id was kept keeps the title stored with it."""
    from merchants.models import TrainingProgramme

    programme_id = params.get("programme_id")
    if not isinstance(programme_id, int):
        return {}
    programme = TrainingProgramme.objects.filter(pk=programme_id).first()
    return {"programme": str(programme)} if programme is not None else {}


def _session(params: dict) -> dict:
    """The training session by its id (a backfilled id was read from text), as its title."""
    from merchants.models import TrainingSession

    try:
        session_id = int(params.get("session_id") or 0)
    except (TypeError, ValueError):
        session_id = 0
    session = TrainingSession.objects.filter(pk=session_id).first()
    return {"session": session.title if session is not None else f"#{session_id}"}


def _incident(params: dict) -> dict:
    return {"kind": _label("complaints.qualityincident", "kind", params.get("kind", ""))}


def _lot_class(params: dict) -> dict:
    return {
        **_record_id(params),
        "class": _label("inspections.inspection", "decided_by_class", params.get("class", "")),
    }


def _record_id(params: dict) -> dict:
    """The record's number (an inspection, a sanction) as a number (a backfilled one was read
    from text)."""
    try:
        return {"id": int(params.get("id") or 0)}
    except (TypeError, ValueError):
        return {"id": 0}


def _score(params: dict) -> dict:
    """The score as a whole number of percent (a backfilled one was read from "80%")."""
    try:
        return {"score": int(params.get("score") or 0)}
    except (TypeError, ValueError):
        return {"score": 0}


def _quoted(params: dict) -> dict:
    return {"reason": unquote(params)}


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
    TRAINING_OVERDUE: _training,
    COMPLETED_BY_SESSION: _session,
    QUIZ_SCORED: _score,
    ASSIGNED_BY_SANCTION: _record_id,
    RATING_BELOW: _rating,
    EXPIRED_DOCUMENT_SOLD: _sold,
    INCIDENT_CONFIRMED: _incident,
    LOT_REJECTED: _record_id,
    RETEST_OVERTURNED: _record_id,
    LOT_REJECTED_DELISTED: _lot_class,
    DELISTED_BY_SANCTION: _quoted,
    DELISTING_REVOKED: _quoted,
    RATING_RECOVERED: _rating,
    RATING_VERDICT: _rating,
    DOCUMENT_ACCEPTED: _accepted_document,
    AGREEMENT_ACCEPTED: _agreement_name,
    MERCHANT_NOT_LIVE: _merchant_status,
    CATEGORY_NOT_APPROVED: _in_category,
    NO_TEST_REPORT: _in_category,
    RESTRICTION_IN_FORCE: _restriction,
    SELLING_RIGHTS_BLOCKED: _blocked,
}


# Codes whose parameter "category" is a category id, named in the reader's language.
_NAMES_CATEGORY = {CATEGORY_NOT_APPROVED, NO_TEST_REPORT, RESTRICTION_IN_FORCE}

_own = sentences(TEXTS, _WORDS)


def _render(code: str, params: dict | None = None) -> str:
    # A record of this app may hold another app's code (a probation the reports app's
    # review terminated restricts the merchant with its reason): its app renders it.
    return _own(code, params) if code in TEXTS else reason_text(code, params)


def render(code: str, params: dict | None = None) -> str:
    """The sentence of a reason code in the active language ("" for an unknown code), by the
    one renderer of reason codes (core.decision_labels.sentences); the categories it names,
    however many, are read in one query (none within a `categories_named` of a page)."""
    with categories_named([(code, params)]):
        return _render(code, params)


def render_all(reasons) -> list[str]:
    """The sentences of (code, params) pairs, their categories read in one query."""
    reasons = list(reasons)
    with categories_named(reasons):
        return [_render(code, params) for code, params in reasons]


def text(code: str, params: dict | None, fallback: str = "") -> str:
    """What a reader sees of a stored reason: the sentence of its code in the active language,
    else the text stored with it (a person's words, or a sentence of before the codes)."""
    return (render(code, params) if code else "") or fallback


def quoted(code: str, params: dict | None, words: str = "") -> dict:
    """The parameters by which one reason quotes another (`_quoted` renders them)."""
    if code:
        return {"reason_code": code, "reason_params": params or {}}
    return {"reason": words}


def unquote(value) -> str:
    """The words of a reason kept by `quoted` (a code rendered in the active language, else
    what a person wrote); a plain string (stored before the codes) as it is."""
    if not isinstance(value, dict):
        return str(value or "")
    return text(value.get("reason_code", ""), value.get("reason_params"), value.get("reason", ""))


def is_known(code: str) -> bool:
    return code in TEXTS


def backfill_sql(table: str, column: str, patterns, *, prefix: str = "") -> str:
    """One UPDATE giving a code and parameters to the rows of `table` whose text `column`
    (with `prefix`_code and `prefix`_params beside it; `prefix` defaults to `column`) is a
    known sentence, in English or Chinese; the text is emptied, as a writer of codes leaves
    it. Other rows keep their text.

    `patterns`: (code, regular expression, names of its groups) per sentence."""
    prefix = prefix or column
    rows = ",\n".join(
        "('{}', '{}', ARRAY[{}]::text[])".format(
            code, pattern.replace("'", "''"), ", ".join(f"'{n}'" for n in names)
        )
        for code, pattern, names in patterns
    )
    return f"""
        UPDATE {table} AS t
        SET {prefix}_code = p.code,
            {prefix}_params = CASE WHEN cardinality(p.names) = 0 THEN '{{}}'::jsonb
                ELSE jsonb_object(p.names, regexp_match(t.{column}, p.pattern)) END,
            {column} = ''
        FROM (VALUES {rows}) AS p(code, pattern, names)
        WHERE t.{prefix}_code = '' AND t.{column} ~ p.pattern
    """  # noqa: S608 (constants of the migrations, no input)

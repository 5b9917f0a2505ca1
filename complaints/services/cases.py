"""The steps of an open case: conversation, pauses, the merchant's answer, the outcome,
closing, reopening, escalation and the consumer's rating."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import sla
from complaints.models import (
    OPEN,
    Case,
    CaseKind,
    CaseMessage,
    CasePause,
    CaseStatus,
    Priority,
)
from complaints.services.clocks import sync_clocks
from complaints.services.common import (
    OUTCOMES_BY_KIND,
    REOPEN_WINDOW,
    WORKFLOW,
    _locked,
    _notify_consumer,
    _post,
    _require,
    _target,
)
from core.audit import record_decision
from core.exceptions import DomainError, NotAllowed
from core.uploads import with_stored_files
from merchants.selectors import merchant_of


def _stamp_first_response(case: Case, by, now) -> list[str]:
    if case.first_responded_at is not None:
        return []
    case.first_responded_at = now
    record_decision(
        case,
        action="first_response",
        actor=by,
        data={"due": case.response_due_at.isoformat(), "late": now > case.response_due_at},
    )
    return ["first_responded_at"]


@transaction.atomic
def respond(*, case: Case, by, text: str, attachments=(), internal: bool = False) -> CaseMessage:
    """A staff message. The first one the consumer can read stops the response clock."""
    case = _locked(case)
    _require(case, CaseStatus.ASSIGNED, CaseStatus.AWAITING_MERCHANT, CaseStatus.AWAITING_CONSUMER)
    if not text.strip():
        raise DomainError(_("Write a message."))
    message = _post(
        case, CaseMessage.Author.STAFF, text, author=by, attachments=attachments, internal=internal
    )
    if not internal:
        fields = _stamp_first_response(case, by, message.created_at)
        if fields:
            case.save(update_fields=fields)
            sync_clocks(case)
        _notify_consumer(case, "message")
    return message


@transaction.atomic
def ask_consumer(*, case: Case, by, question: str, attachments=()) -> CasePause:
    """Ask the consumer for something: the SLA clock pauses until they reply."""
    case = _locked(case)
    if not question.strip():
        raise DomainError(_("Write the question for the consumer."))
    now = timezone.now()
    message = _post(case, CaseMessage.Author.STAFF, question, author=by, attachments=attachments)
    fields = ["paused_at", *_stamp_first_response(case, by, message.created_at)]
    case.paused_at = now
    WORKFLOW.apply(
        case,
        CaseStatus.AWAITING_CONSUMER,
        actor=by,
        action="ask_consumer",
        reason=question,
        update_fields=fields,
    )
    pause = CasePause.objects.create(case=case, started_at=now, reason=question, started_by=by)
    sync_clocks(case)
    _notify_consumer(case, "question")
    return pause


def _end_pause(case: Case, now: datetime) -> list[str]:
    """Close the open pause and push every running deadline by its calendar length."""
    pause = CasePause.objects.select_for_update().get(case=case, ended_at__isnull=True)
    instants = {
        "resolution_due_at": case.resolution_due_at,
        "resolution_at_risk_at": case.resolution_at_risk_at,
    }
    if case.first_responded_at is None:
        instants["response_due_at"] = case.response_due_at
        instants["response_at_risk_at"] = case.response_at_risk_at
    pushed, seconds = sla.push(
        instants, paused_at=pause.started_at, resumed_at=now, calendar=case.policy.calendar()
    )
    pause.ended_at = now
    pause.paused_seconds = seconds
    pause.save(update_fields=["ended_at", "paused_seconds"])
    for name, instant in pushed.items():
        setattr(case, name, instant)
    case.paused_at = None
    case.paused_seconds += seconds
    return [*pushed, "paused_at", "paused_seconds"]


@transaction.atomic
def consumer_replied(*, case: Case, text: str, attachments=()) -> CaseMessage:
    """The consumer writes (from their tracking page or by email). If we were waiting for
    them, the clock resumes and the deadlines move by the paused time."""
    case = _locked(case)
    _require(case, *OPEN)
    if not text.strip():
        raise DomainError(_("Write a message."))
    message = _post(case, CaseMessage.Author.CONSUMER, text, attachments=attachments)
    if case.status == CaseStatus.AWAITING_CONSUMER:
        fields = _end_pause(case, message.created_at)
        WORKFLOW.apply(
            case,
            CaseStatus.ASSIGNED,
            action="consumer_replied",
            actor_label="consumer",
            data={"paused_seconds": case.paused_seconds},
            update_fields=fields,
        )
        sync_clocks(case)
    return message


@transaction.atomic
def ask_merchant(*, case: Case, by, question: str) -> Case:
    """Ask the merchant to answer; their own answer clock starts (policy, 24 h default)."""
    case = _locked(case)
    if not question.strip():
        raise DomainError(_("Write the question for the merchant."))
    now = timezone.now()
    answer = _target(case.policy, now, case.policy.merchant_answer_hours)
    _post(case, CaseMessage.Author.STAFF, question, author=by, internal=True)
    case.merchant_asked_at = now
    case.merchant_answered_at = None
    case.merchant_answer_due_at = answer.due_at
    case.merchant_answer_at_risk_at = answer.at_risk_at
    case.merchant_request_count += 1
    WORKFLOW.apply(
        case,
        CaseStatus.AWAITING_MERCHANT,
        actor=by,
        action="ask_merchant",
        reason=question,
        data={"due": answer.due_at.isoformat()},
        update_fields=[
            "merchant_asked_at",
            "merchant_answered_at",
            "merchant_answer_due_at",
            "merchant_answer_at_risk_at",
            "merchant_request_count",
        ],
    )
    sync_clocks(case)
    # The merchant is told at once (inbox + e-mail, delivered after commit).
    from complaints.merchant_alerts import alert_question

    alert_question(case)
    return case


@transaction.atomic
def merchant_answer(*, case: Case, by, text: str, attachments=()) -> CaseMessage:
    """The merchant answers from the portal; only a member of the case's merchant may."""
    merchant = merchant_of(by)
    if merchant is None or merchant.pk != case.merchant_id:
        raise NotAllowed(_("You can only answer cases about your own shop."))
    case = _locked(case)
    _require(case, CaseStatus.AWAITING_MERCHANT)
    if not text.strip():
        raise DomainError(_("Write your answer."))
    message = _post(case, CaseMessage.Author.MERCHANT, text, author=by, attachments=attachments)
    case.merchant_answered_at = message.created_at
    WORKFLOW.apply(
        case,
        CaseStatus.ASSIGNED,
        actor=by,
        action="merchant_answer",
        data={
            "due": case.merchant_answer_due_at.isoformat(),
            "late": message.created_at > case.merchant_answer_due_at,
        },
        update_fields=["merchant_answered_at"],
    )
    sync_clocks(case)
    return message


# --- outcome --------------------------------------------------------------------------------


@transaction.atomic
def resolve(*, case: Case, by, outcome: str, reason: str = "", message: str = "") -> Case:
    """Decide the case. A rejection needs its reason; the consumer is told."""
    case = _locked(case)
    if outcome not in OUTCOMES_BY_KIND[case.kind]:
        raise DomainError(_("This outcome does not apply to this kind of case."))
    if outcome == Case.Outcome.REJECTED and not reason.strip():
        raise DomainError(_("Say why the case is rejected."))
    now = timezone.now()
    fields = ["outcome", "outcome_reason", "resolved_at"]
    if case.status == CaseStatus.AWAITING_CONSUMER:
        fields += _end_pause(case, now)
    if message.strip():
        posted = _post(case, CaseMessage.Author.STAFF, message, author=by)
        fields += _stamp_first_response(case, by, posted.created_at)
    case.outcome = outcome
    case.outcome_reason = reason.strip()
    case.resolved_at = now
    WORKFLOW.apply(
        case,
        CaseStatus.RESOLVED,
        actor=by,
        action="resolve",
        reason=reason,
        data={
            "outcome": outcome,
            "due": case.resolution_due_at.isoformat(),
            "late": now > case.resolution_due_at,
        },
        update_fields=fields,
    )
    sync_clocks(case)
    if case.kind == CaseKind.AD_REPORT and outcome == Case.Outcome.SUBSTANTIATED:
        _act_on_substantiated_report(case, by=by, reason=reason)
    _notify_consumer(case, "resolved")
    return case


def _act_on_substantiated_report(case: Case, *, by, reason: str) -> None:
    """M3.4: the product is restricted until its listing is corrected, the merchant gets
    the rule's violation points, and a risk-triggered inspection is scheduled."""
    from complaints.services.incidents import open_for_report
    from inspections.services import schedule_risk_inspection
    from merchants import reason_texts
    from merchants.services import record_violation
    from products.models import Product
    from products.services import restrict_listing

    # Staff's words, else the system's sentence as a code (read in each reader's language).
    coded = {}
    if not reason.strip():
        coded = {
            "reason_code": reason_texts.FALSE_AD_SUBSTANTIATED,
            "reason_params": {"reference": case.reference},
        }
    if case.product_id:
        product = Product.objects.get(pk=case.product_id)
        if product.status == Product.Status.LISTED:
            restrict_listing(
                product=product,
                by=by,
                reason=reason.strip(),
                evidence=case.reference,
                cause=Product.Cause.AD_CLAIM,
                **coded,
            )
    record_violation(
        merchant=case.merchant,
        rule_code="false_advertising_substantiated",
        evidence=case,
        recorded_by=by,
        note=reason.strip(),
        note_code=coded.get("reason_code", ""),
        note_params=coded.get("reason_params"),
    )
    schedule_risk_inspection(
        merchant=case.merchant,
        source=f"complaints.case:{case.pk}",
        reason=reason.strip(),
        product=case.product,
        by=by,
        **coded,
    )
    # The incident keeps a person's words only (the claim, else staff's reason); its code
    # says the rest in each reader's language.
    open_for_report(case, by=by, reason=reason.strip())


@transaction.atomic
def close(*, case: Case, by=None, reason: str = "") -> Case:
    case = _locked(case)
    case.closed_at = timezone.now()
    WORKFLOW.apply(case, CaseStatus.CLOSED, actor=by, reason=reason, update_fields=["closed_at"])
    return case


@transaction.atomic
def reopen(*, case: Case, reason: str, by=None) -> Case:
    """Within 7 days of the resolution the case reopens with a fresh resolution clock
    (same pinned policy); its alerts are new facts, keyed by the reopen count."""
    case = _locked(case)
    _require(case, CaseStatus.RESOLVED, CaseStatus.CLOSED)
    now = timezone.now()
    if now > case.resolved_at + REOPEN_WINDOW:
        raise DomainError(_("A case can only be reopened within 7 days of its resolution."))
    if not reason.strip():
        raise DomainError(_("Say why the case is reopened."))
    resolution = _target(case.policy, now, case.policy.resolution_hours)
    case.reopen_count += 1
    case.resolution_due_at = resolution.due_at
    case.resolution_at_risk_at = resolution.at_risk_at
    previous_outcome = case.outcome
    case.outcome = ""
    case.outcome_reason = ""
    case.resolved_at = None
    case.closed_at = None
    WORKFLOW.apply(
        case,
        CaseStatus.ASSIGNED,
        actor=by,
        actor_label="" if by else "consumer",
        action="reopen",
        reason=reason,
        data={"previous_outcome": previous_outcome, "due": resolution.due_at.isoformat()},
        update_fields=[
            "reopen_count",
            "resolution_due_at",
            "resolution_at_risk_at",
            "outcome",
            "outcome_reason",
            "resolved_at",
            "closed_at",
        ],
    )
    sync_clocks(case)
    return case


@transaction.atomic
def escalate(*, case: Case, by, reason: str) -> Case:
    """Hand the case to the supervisor queue and raise its priority one step."""
    case = _locked(case)
    _require(case, *OPEN)
    if not reason.strip():
        raise DomainError(_("Say why the case is escalated."))
    before = case.priority
    case.priority = min(case.priority + 1, Priority.URGENT)
    case.escalated = True
    case.escalated_at = case.escalated_at or timezone.now()
    case.save(update_fields=["priority", "escalated", "escalated_at"])
    record_decision(
        case,
        action="escalate",
        actor=by,
        reason=reason,
        data={"priority_from": before, "priority_to": case.priority},
    )
    return case


@transaction.atomic
def rate(*, case: Case, rating: int, comment: str = "") -> Case:
    """The consumer rates the handling once the case is resolved or closed, once."""
    case = _locked(case)
    _require(case, CaseStatus.RESOLVED, CaseStatus.CLOSED)
    if case.satisfaction is not None:
        raise DomainError(_("This case has already been rated."))
    if rating not in range(1, 6):
        raise DomainError(_("Rate from 1 to 5."))
    case.satisfaction = rating
    case.satisfaction_comment = comment.strip()
    case.save(update_fields=["satisfaction", "satisfaction_comment"])
    record_decision(case, action="rate", actor_label="consumer", data={"rating": rating})
    return case


# --- side effects ---------------------------------------------------------------------------


PROPOSAL_OUTCOMES = [
    Case.Outcome.REFUND,
    Case.Outcome.RETURN,
    Case.Outcome.EXCHANGE,
    Case.Outcome.REPAIR,
    Case.Outcome.COMPENSATION,
]


@transaction.atomic
def propose_outcome(*, case: Case, by, outcome: str, note: str) -> CaseMessage:
    """The merchant proposes how to settle a complaint (refund, return, exchange, repair,
    compensation). Staff see it on the case page and still decide with `resolve`; the
    proposal is a decision record and a merchant message, it does not move the case."""
    from complaints.selectors import PROPOSAL_ACTION

    merchant = merchant_of(by)
    if merchant is None or merchant.pk != case.merchant_id:
        raise NotAllowed(_("You can only answer cases about your own shop."))
    case = _locked(case)
    _require(case, *OPEN)
    if case.kind != CaseKind.COMPLAINT or outcome not in PROPOSAL_OUTCOMES:
        raise DomainError(_("This outcome cannot be proposed for this case."))
    if not note.strip():
        raise DomainError(_("Explain your proposal to Consumer Service."))
    label = Case.Outcome(outcome).label
    message = _post(
        case,
        CaseMessage.Author.MERCHANT,
        _("Proposed outcome: %(outcome)s. %(note)s") % {"outcome": label, "note": note.strip()},
        author=by,
    )
    record_decision(
        case,
        action=PROPOSAL_ACTION,
        actor=by,
        reason=note.strip(),
        data={"outcome": outcome, "message": message.pk},
    )
    return message


@transaction.atomic
def merchant_answer_with_files(*, case: Case, by, text: str, files=()) -> CaseMessage:
    """`merchant_answer` with uploaded files: each is checked and stored (core.uploads),
    and if anything refuses (a bad file, a case no longer waiting) nothing is kept."""
    merchant = merchant_of(by)
    if merchant is None or merchant.pk != case.merchant_id:
        raise NotAllowed(_("You can only answer cases about your own shop."))
    return with_stored_files(
        files,
        by=by,
        then=lambda stored: merchant_answer(case=case, by=by, text=text, attachments=stored),
    )


# --- public filing and intake (web form, phone, email) ----------------------------------------


def consumer_reply(*, case: Case, text: str, files=()) -> CaseMessage:
    """consumer_replied with uploaded files, all or nothing."""
    return with_stored_files(
        files, then=lambda stored: consumer_replied(case=case, text=text, attachments=stored)
    )

"""Complaint and report cases: every write goes through here.

Each step checks its rule, moves the status through WORKFLOW (which writes the decision
record), keeps the SLA clock (complaints.sla) and schedules side effects after commit.
Callers pass keyword arguments; the case row is locked for the duration of a step, so a
step and the minute sweep (which locks the same rows in its UPDATE) never interleave.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import remedies, sla
from complaints.models import (
    OPEN,
    RUNNING,
    BusinessCalendar,
    CalendarKind,
    Case,
    CaseKind,
    CaseMessage,
    CasePause,
    CaseStatus,
    Priority,
    SLAPolicy,
    Target,
)
from core.audit import Workflow, record_decision
from core.db import advisory_xact_lock
from core.exceptions import DomainError, NotAllowed
from core.roles import Role
from merchants.selectors import merchant_of

REOPEN_WINDOW = timedelta(days=7)

WORKFLOW = Workflow(
    "status",
    {
        CaseStatus.NEW: {CaseStatus.ASSIGNED},
        CaseStatus.ASSIGNED: {
            CaseStatus.AWAITING_MERCHANT,
            CaseStatus.AWAITING_CONSUMER,
            CaseStatus.RESOLVED,
        },
        CaseStatus.AWAITING_MERCHANT: {
            CaseStatus.ASSIGNED,
            CaseStatus.AWAITING_CONSUMER,
            CaseStatus.RESOLVED,
        },
        CaseStatus.AWAITING_CONSUMER: {CaseStatus.ASSIGNED, CaseStatus.RESOLVED},
        CaseStatus.RESOLVED: {CaseStatus.CLOSED, CaseStatus.ASSIGNED},
        CaseStatus.CLOSED: {CaseStatus.ASSIGNED},
    },
    labels=dict(CaseStatus.choices),
)

OUTCOMES_BY_KIND = {
    CaseKind.COMPLAINT: {
        Case.Outcome.REFUND,
        Case.Outcome.RETURN,
        Case.Outcome.EXCHANGE,
        Case.Outcome.REPAIR,
        Case.Outcome.COMPENSATION,
        Case.Outcome.REJECTED,
    },
    CaseKind.AD_REPORT: {Case.Outcome.SUBSTANTIATED, Case.Outcome.REJECTED},
}


# --- SLA policies ---------------------------------------------------------------------------


def policy_in_force(*, kind: str, priority: int, at: datetime | None = None) -> SLAPolicy:
    """The highest-numbered version already effective at `at`; publishes the defaults
    (24 h / 72 h, calendar hours) as version 1 the first time a kind and priority is used."""
    at = at or timezone.now()
    found = (
        SLAPolicy.objects.filter(kind=kind, priority=priority, effective_from__lte=at)
        .select_related("business_calendar")
        .order_by("-version")
        .first()
    )
    if found is not None:
        return found
    with transaction.atomic():
        advisory_xact_lock(f"sla-policy:{kind}:{priority}")
        if not SLAPolicy.objects.filter(kind=kind, priority=priority).exists():
            return SLAPolicy.objects.create(
                kind=kind,
                priority=priority,
                version=1,
                effective_from=at,
                note="defaults",
            )
    # A version exists but only from the future: the defaults apply until then.
    return (
        SLAPolicy.objects.filter(kind=kind, priority=priority)
        .select_related("business_calendar")
        .order_by("effective_from", "version")
        .first()
    )


@transaction.atomic
def publish_policy(
    *,
    kind: str,
    priority: int,
    first_response_hours=24,
    resolution_hours=72,
    merchant_answer_hours=24,
    at_risk_percent: int = 75,
    calendar_kind: str = CalendarKind.CALENDAR_HOURS,
    business_calendar: BusinessCalendar | None = None,
    effective_from: datetime | None = None,
    note: str = "",
    by=None,
) -> SLAPolicy:
    """Add the next version. Existing cases keep the version they pinned."""
    if kind not in CaseKind.values or priority not in Priority.values:
        raise DomainError(_("Unknown case kind or priority."))
    if calendar_kind == CalendarKind.BUSINESS_HOURS and business_calendar is None:
        raise DomainError(_("Business hours need a business calendar."))
    for hours in (first_response_hours, resolution_hours, merchant_answer_hours):
        if float(hours) <= 0:
            raise DomainError(_("SLA targets must be positive numbers of hours."))
    if not 1 <= at_risk_percent <= 100:
        raise DomainError(_("The at-risk point must be between 1 % and 100 % of the target."))
    advisory_xact_lock(f"sla-policy:{kind}:{priority}")
    last = SLAPolicy.objects.filter(kind=kind, priority=priority).aggregate(n=Max("version"))
    policy = SLAPolicy.objects.create(
        kind=kind,
        priority=priority,
        version=(last["n"] or 0) + 1,
        first_response_hours=first_response_hours,
        resolution_hours=resolution_hours,
        merchant_answer_hours=merchant_answer_hours,
        at_risk_percent=at_risk_percent,
        calendar_kind=calendar_kind,
        business_calendar=business_calendar,
        effective_from=effective_from or timezone.now(),
        note=note,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    record_decision(policy, action="publish", to_state=f"v{policy.version}", actor=by, reason=note)
    return policy


def _target(policy: SLAPolicy, start: datetime, hours) -> sla.Target:
    return sla.target(start, hours, policy.calendar(), policy.at_risk_fraction)


# --- the sweep's clocks -----------------------------------------------------------------------

_SYNC_CLOCKS = """
    INSERT INTO complaints_slaclock (case_id, target, due_at, at_risk_at, running, stage, cycle)
    VALUES {rows}
    ON CONFLICT (case_id, target) DO UPDATE SET
        due_at = EXCLUDED.due_at,
        at_risk_at = EXCLUDED.at_risk_at,
        running = EXCLUDED.running,
        -- A restarted clock (reopen, a new merchant request) may alert again.
        stage = CASE WHEN complaints_slaclock.cycle = EXCLUDED.cycle
                     THEN complaints_slaclock.stage ELSE 0 END,
        cycle = EXCLUDED.cycle
"""


def sync_clocks(case: Case) -> None:
    """Mirror the case's deadlines and state into its SLA clocks (one statement). Called
    by every step that moves a deadline or starts/stops a clock, under the case's lock."""
    running = case.status in RUNNING
    clocks = [
        (
            Target.RESPONSE,
            case.response_due_at,
            case.response_at_risk_at,
            running and case.first_responded_at is None,
            0,
        ),
        (
            Target.RESOLUTION,
            case.resolution_due_at,
            case.resolution_at_risk_at,
            running,
            case.reopen_count,
        ),
    ]
    if case.merchant_answer_due_at is not None:
        clocks.append(
            (
                Target.MERCHANT_ANSWER,
                case.merchant_answer_due_at,
                case.merchant_answer_at_risk_at,
                case.status == CaseStatus.AWAITING_MERCHANT and case.merchant_answered_at is None,
                case.merchant_request_count,
            )
        )
    rows = ", ".join(["(%s, %s, %s, %s, %s, 0, %s)"] * len(clocks))
    params = [value for clock in clocks for value in (case.pk, *clock)]
    with connection.cursor() as cursor:
        cursor.execute(_SYNC_CLOCKS.format(rows=rows), params)


# --- opening --------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def case_for_token(token: str, *, now=None) -> Case | None:
    """The case a consumer's tracking link opens, or None: a bad token, or a link that
    expired (COMPLAINTS_LINK_DAYS_AFTER_CLOSE days after the case closed). Only the hash is
    stored, so a database leak reveals no working link."""
    if not token or len(token) > 100:
        return None
    case = Case.objects.filter(tracking_token_hash=hash_token(token)).first()
    if case is None or case.closed_at is None:
        return case
    expires = case.closed_at + timedelta(days=settings.COMPLAINTS_LINK_DAYS_AFTER_CLOSE)
    return None if (now or timezone.now()) > expires else case


def _next_case_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('complaints_case', 'id'))")
        return cursor.fetchone()[0]


def _validate_new_case(*, kind, merchant, product, complaint_type, delivered_at, now, **fields):
    if kind not in CaseKind.values:
        raise DomainError(_("Unknown case kind."))
    if product is not None and product.merchant_id != merchant.pk:
        raise DomainError(_("This product is not sold by this merchant."))
    if not (fields["consumer_email"] or fields["consumer_phone"]):
        raise DomainError(_("Give an email address or a phone number so we can reach you."))
    if not fields["description"].strip():
        raise DomainError(_("Describe what happened."))
    if delivered_at is not None and delivered_at > now:
        raise DomainError(_("The delivery date cannot be in the future."))
    if kind == CaseKind.COMPLAINT:
        if complaint_type not in Case.ComplaintType.values:
            raise DomainError(_("Choose what the complaint is about."))
        remedy = fields["desired_remedy"]
        if remedy and remedy not in Case.Remedy.values:
            raise DomainError(_("Unknown remedy."))
        if remedy:
            verdict = remedy_eligibility(
                remedy, complaint_type=complaint_type, product=product, delivered_at=delivered_at
            )
            if not verdict.eligible:
                raise DomainError(
                    _("%(remedy)s is not available for this purchase: %(why)s")
                    % {"remedy": Case.Remedy(remedy).label, "why": explain(verdict)}
                )
    elif product is None or not fields["advertised_claim"].strip():
        raise DomainError(_("A false-advertising report needs the product and the claim."))


def remedy_eligibility(remedy: str, *, complaint_type: str, product, delivered_at, now=None):
    """Whether the purchase is still eligible for `remedy` (complaints.remedies), reading the
    product's category exclusion from the 7-day no-reason return."""
    category = getattr(product, "category", None)
    return remedies.eligibility(
        remedy,
        complaint_type=complaint_type,
        delivered_at=delivered_at,
        now=now or timezone.now(),
        excluded_from_no_reason_return=bool(category and category.excluded_from_no_reason_return),
        time_zone=settings.TIME_ZONE,
    )


def explain(verdict: remedies.Eligibility) -> str:
    """The consumer-facing reason for a remedy verdict."""
    texts = {
        "within_window": _("open until %(day)s"),
        "window_passed": _("the window ended on %(day)s"),
        "excluded_category": _(
            "this category is excluded from the 7-day no-reason return (made-to-order, "
            "perishable, opened digital or audio-video goods, newspapers and periodicals)"
        ),
        "not_delivered": _("only once the goods have been delivered"),
        "delivery_problem": _("delivery delay or damage gives full compensation or reshipment"),
        "not_a_delivery_problem": _("only for delivery delay or damage"),
        "always": _("always possible"),
    }
    return texts[verdict.reason] % {"day": verdict.last_day}


@transaction.atomic
def open_case(
    *,
    kind: str = CaseKind.COMPLAINT,
    merchant,
    consumer_name: str,
    description: str,
    channel: str = Case.Channel.WEB,
    consumer_email: str = "",
    consumer_phone: str = "",
    product=None,
    order_number: str = "",
    delivered_at: datetime | None = None,
    complaint_type: str = "",
    desired_remedy: str = "",
    advertised_claim: str = "",
    claim_seen_at: str = "",
    priority: int = Priority.NORMAL,
    attachments=(),
    by=None,
    auto_assign: str | None = None,
    received_at: datetime | None = None,
) -> Case:
    """File a case: pin the SLA policy in force, store both deadlines and their at-risk
    instants, and hand out a tracking token (on `case.tracking_token`, never stored).

    `received_at`: when staff record a phone call or an email later, the clocks start when
    the consumer reached us, not when it was typed in."""
    now = timezone.now()
    if received_at is not None:
        if received_at > now:
            raise DomainError(_("The time the case was received cannot be in the future."))
        now = received_at
    fields = {
        "consumer_email": consumer_email.strip(),
        "consumer_phone": consumer_phone.strip(),
        "description": description,
        "desired_remedy": desired_remedy,
        "advertised_claim": advertised_claim,
    }
    _validate_new_case(
        kind=kind,
        merchant=merchant,
        product=product,
        complaint_type=complaint_type,
        delivered_at=delivered_at,
        now=now,
        **fields,
    )
    if channel not in Case.Channel.values:
        raise DomainError(_("Unknown channel."))
    if kind == CaseKind.AD_REPORT:
        complaint_type = desired_remedy = ""
    policy = policy_in_force(kind=kind, priority=priority, at=now)
    response = _target(policy, now, policy.first_response_hours)
    resolution = _target(policy, now, policy.resolution_hours)
    token = secrets.token_urlsafe(32)
    case_id = _next_case_id()
    case = Case.objects.create(
        id=case_id,
        kind=kind,
        reference=f"{'C' if kind == CaseKind.COMPLAINT else 'R'}{now:%Y%m%d}-{case_id:06d}",
        channel=channel,
        priority=priority,
        consumer_name=consumer_name.strip(),
        order_number=order_number.strip(),
        delivered_at=delivered_at,
        merchant=merchant,
        product=product,
        complaint_type=complaint_type,
        claim_seen_at=claim_seen_at.strip(),
        policy=policy,
        response_due_at=response.due_at,
        response_at_risk_at=response.at_risk_at,
        resolution_due_at=resolution.due_at,
        resolution_at_risk_at=resolution.at_risk_at,
        tracking_token_hash=hash_token(token),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        created_at=now,
        **fields,
    )
    _post(case, CaseMessage.Author.CONSUMER, description, attachments=attachments)
    record_decision(
        case,
        action="open",
        to_state=CaseStatus.NEW,
        actor=by,
        actor_label="" if by else "consumer",
        data={"channel": channel, "policy": policy.pk, "policy_version": policy.version},
    )
    sync_clocks(case)
    if auto_assign:
        case = assign(case=case, strategy=auto_assign)
    case.tracking_token = token
    return case


def _post(case, author_kind, text, *, author=None, attachments=(), internal=False):
    message = CaseMessage.objects.create(
        case=case,
        author_kind=author_kind,
        author=author if getattr(author, "is_authenticated", False) else None,
        text=text,
        internal=internal,
    )
    if attachments:
        message.attachments.set(attachments)
    return message


def _locked(case: Case) -> Case:
    """Re-read the case under a row lock: the state we check is the state we change."""
    return Case.objects.select_for_update(of=("self",)).select_related("policy").get(pk=case.pk)


def _require(case: Case, *states: str) -> None:
    if case.status not in states:
        raise DomainError(
            _("Not possible while the case is “%(status)s”.")
            % {"status": case.get_status_display()},
            code="invalid_transition",
        )


# --- assignment -----------------------------------------------------------------------------


def _agents():
    # One row per agent: the join is restricted to the one group.
    return get_user_model().objects.filter(is_active=True, groups__name=Role.CONSUMER_SERVICE)


def has_agents() -> bool:
    return _agents().exists()


def pick_agent(*, strategy: str = "least_load"):
    """The Consumer Service agent to take the next case.

    least_load: fewest open cases, then longest since their last assignment.
    round_robin: longest since their last assignment (never-assigned agents first).
    """
    agents = _agents().annotate(last_assigned=Max("assigned_cases__assigned_at"))
    longest_waiting = [F("last_assigned").asc(nulls_first=True), "pk"]
    if strategy == "least_load":
        agents = agents.annotate(
            load=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN))
        ).order_by("load", *longest_waiting)
    elif strategy == "round_robin":
        agents = agents.order_by(*longest_waiting)
    else:
        raise DomainError(_("Unknown assignment strategy."))
    agent = agents.first()
    if agent is None:
        raise DomainError(_("No active Consumer Service agent to assign the case to."))
    return agent


@transaction.atomic
def assign(*, case: Case, to=None, strategy: str = "least_load", by=None) -> Case:
    """Assign (from new) or reassign (an open case) to `to`, or to the agent `strategy`
    picks. Automatic picks are serialised so two cases filed at once spread out."""
    case = _locked(case)
    _require(case, *OPEN)
    if to is None:
        advisory_xact_lock("complaints:auto-assign")
        to = pick_agent(strategy=strategy)
    elif not _agents().filter(pk=to.pk).exists():
        raise DomainError(_("Cases can only be assigned to active Consumer Service staff."))
    previous = case.assignee
    case.assignee = to
    case.assigned_at = timezone.now()
    data = {"assignee": to.pk, "previous": getattr(previous, "pk", None)}
    if not by:
        data["strategy"] = strategy
    if case.status == CaseStatus.NEW:
        WORKFLOW.apply(
            case,
            CaseStatus.ASSIGNED,
            actor=by,
            action="assign",
            data=data,
            update_fields=["assignee", "assigned_at"],
        )
    else:
        case.save(update_fields=["assignee", "assigned_at"])
        record_decision(case, action="reassign", actor=by, data=data)
    return case


# --- conversation and pauses ----------------------------------------------------------------


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
    from inspections.services import schedule_risk_inspection
    from merchants.services import record_violation
    from products.models import Product
    from products.services import restrict_listing

    why = reason.strip() or _("False advertising report %(reference)s substantiated.") % {
        "reference": case.reference
    }
    if case.product_id:
        product = Product.objects.get(pk=case.product_id)
        if product.status == Product.Status.LISTED:
            restrict_listing(
                product=product,
                by=by,
                reason=why,
                evidence=case.reference,
                cause=Product.Cause.AD_CLAIM,
            )
    record_violation(
        merchant=case.merchant,
        rule_code="false_advertising_substantiated",
        evidence=case,
        recorded_by=by,
        note=why,
    )
    schedule_risk_inspection(
        merchant=case.merchant,
        source=f"complaints.case:{case.pk}",
        reason=why,
        product=case.product,
        by=by,
    )


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


@dataclass(frozen=True)
class _Enqueue:
    """A complaints task to send after commit (a value, so tests can read what is queued)."""

    task: str
    args: tuple

    def __call__(self):
        from complaints import tasks

        getattr(tasks, self.task).delay(*self.args)


def _notify_consumer(case: Case, event: str) -> None:
    if case.consumer_email:
        transaction.on_commit(_Enqueue("notify_consumer", (case.pk, event)))


MERCHANT_BREACH_RULE = "sla_breach_merchant"


def record_merchant_breaches() -> int:
    """Violation points for merchant-answer deadlines the sweep found breached.

    Kept out of the sweep so the sweep stays a constant number of statements. It looks for
    merchant-answer breach alerts whose case has no `sla_breach_merchant` entry yet, so it
    is idempotent and catches up after any failure; one entry per case (the rule counts
    the case, however many of its questions went unanswered).
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Min

    from core.models import Alert
    from merchants.models import ViolationEntry
    from merchants.services import record_violation

    case_type = ContentType.objects.get_for_model(Case)
    recorded = ViolationEntry.objects.filter(
        evidence_type=case_type, rule_code=MERCHANT_BREACH_RULE
    ).values("evidence_id")
    first_breach = dict(
        Alert.objects.filter(
            kind="sla_breached",
            key__startswith="sla_breached:merchant_answer:",
            content_type=case_type,
        )
        .exclude(object_id__in=recorded)
        .values("object_id")
        .annotate(at=Min("created_at"))
        .values_list("object_id", "at")
    )
    count = 0
    cases = Case.objects.filter(pk__in=[int(pk) for pk in first_breach]).select_related("merchant")
    for case in cases:
        with transaction.atomic():
            entry = record_violation(
                merchant=case.merchant,
                rule_code=MERCHANT_BREACH_RULE,
                evidence=case,
                occurred_at=first_breach[str(case.pk)],
                note=_("The merchant did not answer case %(reference)s in time.")
                % {"reference": case.reference},
            )
        count += entry is not None
    return count


# --- staff pages and merchant portal ----------------------------------------------------------

_BULK_ASSIGN = """
    WITH picked AS (
        SELECT c.id, c.status, c.assignee_id
          FROM complaints_case AS c
          JOIN (SELECT unnest(%(ids)s::bigint[]) AS id,
                       unnest(%(agents)s::bigint[]) AS agent) AS v ON v.id = c.id
         WHERE c.status = ANY(%(open)s)
         ORDER BY c.id
           FOR UPDATE OF c
    )
    UPDATE complaints_case AS c
       SET assignee_id = v.agent,
           assigned_at = %(now)s,
           status = CASE WHEN c.status = %(new)s THEN %(assigned)s ELSE c.status END
      FROM picked
      JOIN (SELECT unnest(%(ids)s::bigint[]) AS id,
                   unnest(%(agents)s::bigint[]) AS agent) AS v ON v.id = picked.id
     WHERE c.id = picked.id
    RETURNING c.id, picked.status, picked.assignee_id, c.assignee_id
"""


def _spread(case_ids: list[int], *, strategy: str) -> list[int]:
    """One agent per case, as `pick_agent` would choose them one after the other: the
    agents are read once, ordered by the strategy, and the cases dealt out in that order
    (least load: each case to the agent with the fewest open cases so far)."""
    import heapq

    agents = _agents().annotate(last_assigned=Max("assigned_cases__assigned_at"))
    longest_waiting = [F("last_assigned").asc(nulls_first=True), "pk"]
    if strategy == "least_load":
        agents = agents.annotate(
            load=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN))
        ).order_by("load", *longest_waiting)
        rows = list(agents.values_list("pk", "load"))
    elif strategy == "round_robin":
        rows = [(pk, 0) for pk in agents.order_by(*longest_waiting).values_list("pk", flat=True)]
    else:
        raise DomainError(_("Unknown assignment strategy."))
    if not rows:
        raise DomainError(_("No active Consumer Service agent to assign the case to."))
    if strategy == "round_robin":
        return [rows[i % len(rows)][0] for i in range(len(case_ids))]
    heap = [(load, position, pk) for position, (pk, load) in enumerate(rows)]
    heapq.heapify(heap)
    picks = []
    for _case in case_ids:
        load, position, pk = heapq.heappop(heap)
        picks.append(pk)
        heapq.heappush(heap, (load + 1, position + len(rows), pk))
    return picks


@transaction.atomic
def bulk_assign(*, case_ids, by, to=None, strategy: str = "least_load") -> int:
    """Assign (new cases) or reassign (other open cases) many cases at once: to `to`, or
    spread over the agents by `strategy`. Set-based: one locking UPDATE for every case and
    one INSERT for their decision records, however many cases. Closed or resolved cases in
    the selection are left alone. Returns how many cases were assigned."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import Decision

    case_ids = sorted({int(pk) for pk in case_ids})
    if not case_ids:
        raise DomainError(_("Select at least one case."))
    if to is not None:
        if not _agents().filter(pk=to.pk).exists():
            raise DomainError(_("Cases can only be assigned to active Consumer Service staff."))
        agents = [to.pk] * len(case_ids)
    else:
        advisory_xact_lock("complaints:auto-assign")
        agents = _spread(case_ids, strategy=strategy)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _BULK_ASSIGN,
            {
                "ids": case_ids,
                "agents": agents,
                "open": [str(s) for s in OPEN],
                "new": CaseStatus.NEW.value,
                "assigned": CaseStatus.ASSIGNED.value,
                "now": now,
            },
        )
        changed = cursor.fetchall()
    content_type = ContentType.objects.get_for_model(Case)
    actor = by if getattr(by, "is_authenticated", False) else None
    decisions = []
    for case_id, before, previous, agent in changed:
        data = {"assignee": agent, "previous": previous, "bulk": True}
        if to is None:
            data["strategy"] = strategy
        was_new = before == CaseStatus.NEW
        decisions.append(
            Decision(
                content_type=content_type,
                object_id=str(case_id),
                action="assign" if was_new else "reassign",
                from_state=before if was_new else "",
                to_state=CaseStatus.ASSIGNED if was_new else "",
                actor=actor,
                actor_label="" if actor else "system",
                data=data,
            )
        )
    Decision.objects.bulk_create(decisions)
    return len(changed)


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


@dataclass(frozen=True)
class RemedyOption:
    """One line of the form's remedy list: may the consumer still ask for it, and why."""

    remedy: str
    label: str
    eligible: bool
    why: str


def remedy_options(
    *, complaint_type: str, product=None, delivered_at=None, now=None
) -> list[RemedyOption]:
    """Every remedy with the engine's verdict for this purchase (remedy_eligibility)."""
    options = []
    for remedy, label in Case.Remedy.choices:
        verdict = remedy_eligibility(
            remedy,
            complaint_type=complaint_type or "",
            product=product,
            delivered_at=delivered_at,
            now=now,
        )
        options.append(RemedyOption(remedy, str(label), verdict.eligible, explain(verdict)))
    return options


def purchase_for_filer(*, order_number: str, contacts=(), trusted: bool = False):
    """The purchase behind an order number, when the person filing may rely on it.

    A consumer on the public form only gets the stored purchase (its delivered-at, product
    and merchant) when one of the contacts they typed is the purchase's consumer: otherwise
    anyone could read a stranger's delivery date off the remedy list by guessing order
    numbers. Staff recording a call or an email (`trusted`) match on the order alone."""
    from reviews.identity import normalize
    from reviews.selectors import purchase_for_order

    order_number = (order_number or "").strip()
    if not order_number:
        return None
    purchase = purchase_for_order(order_number)
    if purchase is None or trusted:
        return purchase
    given = {normalize(c) for c in contacts if c and c.strip()}
    return purchase if purchase.consumer in given else None


def discard_uploads(uploads) -> None:
    """Remove the files of uploads whose rows a rolled-back transaction took away."""
    for upload in uploads:
        upload.file.delete(save=False)


def with_stored_files(files, *, then, by=None):
    """Store the uploaded files (checked by core.uploads) and run `then(uploads)` in one
    transaction: when a file is refused or the step fails, neither rows nor files are kept."""
    stored = []
    try:
        with transaction.atomic():
            stored = _store_all(files, by=by)
            return then(stored)
    except BaseException:
        discard_uploads(stored)
        raise


def _store_all(files, *, by=None) -> list:
    from core.uploads import store_upload

    stored = []
    try:
        for file in files:
            stored.append(store_upload(file, uploaded_by=by))
    except BaseException:
        discard_uploads(stored)
        raise
    return stored


def file_case(*, files=(), by=None, **fields) -> Case:
    """open_case with uploaded files: the files are checked and stored and the case opened
    in one transaction; when anything is refused nothing stays behind (rows roll back, the
    files already written are removed)."""

    def open_with(stored):
        case = open_case(attachments=stored, by=by, **fields)
        if fields.get("channel", Case.Channel.WEB) != Case.Channel.WEB:
            # The consumer did not see the form: mail them their tracking link.
            mail_tracking_link(case)
        return case

    return with_stored_files(files, by=by, then=open_with)


def consumer_reply(*, case: Case, text: str, files=()) -> CaseMessage:
    """consumer_replied with uploaded files, all or nothing."""
    return with_stored_files(
        files, then=lambda stored: consumer_replied(case=case, text=text, attachments=stored)
    )


def mail_tracking_link(case: Case) -> None:
    """After commit, mail the consumer the link of a case just opened for them (the token
    is only known right after open_case)."""
    if case.consumer_email and getattr(case, "tracking_token", None):
        transaction.on_commit(_Enqueue("send_tracking_link", (case.pk, case.tracking_token)))


def _locked_mail(mail):
    from complaints.models import InboundMail

    mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
    if mail.status != InboundMail.Status.NEEDS_TRIAGE:
        raise DomainError(
            _("This email has already been handled (%(status)s).")
            % {"status": mail.get_status_display()}
        )
    return mail


@transaction.atomic
def open_case_from_mail(*, mail, by, **fields) -> Case:
    """Consumer Service makes a case of an email the ingestion could not match. The clocks
    start when the email arrived; its stored attachments go with the case."""
    from complaints.models import InboundMail

    mail = _locked_mail(mail)
    fields.setdefault("consumer_email", mail.from_address)
    case = open_case(
        channel=Case.Channel.EMAIL,
        received_at=mail.received_at,
        attachments=list(mail.attachments.all()),
        by=by,
        **fields,
    )
    mail.status = InboundMail.Status.CASE_OPENED
    mail.case = case
    mail.triaged_by = by if getattr(by, "is_authenticated", False) else None
    mail.triaged_at = timezone.now()
    mail.save(update_fields=["status", "case", "triaged_by", "triaged_at"])
    record_decision(
        mail,
        action="open_case",
        from_state=InboundMail.Status.NEEDS_TRIAGE,
        to_state=InboundMail.Status.CASE_OPENED,
        actor=by,
        data={"case": case.pk},
    )
    mail_tracking_link(case)
    return case


@transaction.atomic
def dismiss_mail(*, mail, by, reason: str):
    """Spam, an auto-reply, nothing to act on: closed with the reason, kept for the audit."""
    from complaints.models import InboundMail

    if not reason.strip():
        raise DomainError(_("Say why this email needs no case."))
    mail = _locked_mail(mail)
    mail.status = InboundMail.Status.DISMISSED
    mail.dismiss_reason = reason.strip()
    mail.triaged_by = by if getattr(by, "is_authenticated", False) else None
    mail.triaged_at = timezone.now()
    mail.save(update_fields=["status", "dismiss_reason", "triaged_by", "triaged_at"])
    record_decision(
        mail,
        action="dismiss",
        from_state=InboundMail.Status.NEEDS_TRIAGE,
        to_state=InboundMail.Status.DISMISSED,
        actor=by,
        reason=reason,
    )
    return mail

"""Reads for the complaints pages, scoped to who is asking.

Queues sort open cases by their nearest running deadline (`NEXT_DUE`: the first response
until it is given, the resolution, and the merchant's answer while we wait for it). The
same expression is indexed (complaints.models.Case.Meta.indexes, partial on open cases),
so the first page of a queue over a million cases reads a few index entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import sla_state
from complaints.models import NEXT_DUE, OPEN, Case, CaseMessage, CaseStatus, Target
from core.decision_labels import action_label
from core.models import Decision
from core.roles import Role, has_role
from merchants.selectors import merchant_of, scoped

# --- who may do what ------------------------------------------------------------------------


def may_view_cases(user) -> bool:
    """Consumer Service works cases; Quality Managers read the queues (supervision)."""
    return has_role(user, Role.CONSUMER_SERVICE, Role.QUALITY_MANAGER)


def may_work_cases(user) -> bool:
    return has_role(user, Role.CONSUMER_SERVICE)


def is_portal_merchant(user) -> bool:
    return merchant_of(user) is not None


# --- clocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """One deadline as a page shows it."""

    target: str
    label: str
    due_at: datetime
    at_risk_at: datetime
    state: str  # ok | at-risk | breached | paused | met

    @property
    def css(self) -> str:
        return self.state

    @property
    def state_label(self) -> str:
        return str(CLOCK_STATES[self.state])


CLOCK_STATES = {
    "ok": _("on time"),
    "at-risk": _("at risk"),
    "breached": _("breached"),
    "paused": _("paused"),
    "met": _("met"),
    "missed": _("missed"),
}


# How a page shows each sla_state state (the CSS classes and labels above); a breached
# target that was met late reads "missed", one met on time "met".
_DISPLAY = {
    sla_state.ON_TIME: "ok",
    sla_state.AT_RISK: "at-risk",
    sla_state.BREACHED: "breached",
    sla_state.PAUSED: "paused",
    sla_state.STOPPED: "met",
}


def clocks_for(case: Case, now: datetime | None = None) -> list[Clock]:
    """The case's SLA targets with their state (complaints.sla_state decides it, from the
    stored deadline and at-risk instants the sweep alerts on)."""
    now = now or timezone.now()
    clocks = []
    for target, state in sla_state.case_clock_states(case, now).items():
        spec = sla_state.CLOCKS[target]
        stopped = state == sla_state.STOPPED
        if target == Target.MERCHANT_ANSWER and stopped and case.merchant_answered_at is None:
            continue  # asked once, no longer waited on: nothing to show the merchant
        done = any(getattr(case, name) for name in spec.done)
        shown = _DISPLAY[state]
        if state == sla_state.BREACHED and done:
            shown = "missed"
        clocks.append(
            Clock(
                target,
                str(Target(target).label),
                getattr(case, spec.due),
                getattr(case, spec.at_risk),
                shown,
            )
        )
    return clocks


def next_clock(case: Case, now: datetime | None = None) -> Clock | None:
    """The nearest deadline still running (the one the queue sorts by)."""
    running = [c for c in clocks_for(case, now) if c.state in ("ok", "at-risk", "breached")]
    if not running:
        running = [c for c in clocks_for(case, now) if c.state == "paused"]
    return min(running, key=lambda c: c.due_at, default=None)


def merchant_clock(case: Case, now: datetime | None = None) -> Clock | None:
    """The merchant's own answer deadline (the portal shows only this one)."""
    for clock in clocks_for(case, now):
        if clock.target == Target.MERCHANT_ANSWER:
            return clock
    return None


# --- staff queues ---------------------------------------------------------------------------

QUEUES = {
    "mine": _("My cases"),
    "team": _("All open cases"),
    "unassigned": _("Unassigned"),
    "escalated": _("Supervisor queue (escalated)"),
}
CLOCK_FILTERS = {
    "breached": _("Breached"),
    "at_risk": _("At risk"),
    "ok": _("On time"),
}
_CLOCK_FILTER_STATES = {
    "breached": sla_state.BREACHED,
    "at_risk": sla_state.AT_RISK,
    "ok": sla_state.NOT_LATE,
}


def queue(
    *,
    user,
    scope: str = "team",
    status: str = "",
    kind: str = "",
    priority: int | None = None,
    clock: str = "",
    merchant: int | None = None,
    assignee: int | None = None,
    search: str = "",
    now: datetime | None = None,
) -> QuerySet[Case]:
    """Open cases of one queue, nearest running deadline first."""
    now = now or timezone.now()
    cases = Case.objects.filter(status__in=OPEN).annotate(next_due=NEXT_DUE)
    if scope == "mine":
        cases = cases.filter(assignee=user)
    elif scope == "unassigned":
        cases = cases.filter(assignee__isnull=True)
    elif scope == "escalated":
        cases = cases.filter(escalated=True)
    if status in OPEN:
        cases = cases.filter(status=status)
    if kind:
        cases = cases.filter(kind=kind)
    if priority:
        cases = cases.filter(priority=priority)
    if merchant:
        cases = cases.filter(merchant_id=merchant)
    if assignee:
        cases = cases.filter(assignee_id=assignee)
    if search:
        cases = cases.filter(Q(reference=search.strip()) | Q(order_number=search.strip()))
    if clock in CLOCK_FILTERS:
        cases = sla_state.in_state(cases, _CLOCK_FILTER_STATES[clock], now)
    return cases.select_related("merchant", "assignee").order_by("next_due", "id")


COUNT_CAP = 1000


def my_open_count(user) -> int:
    """The agent's own open cases for the tab, counted up to COUNT_CAP (an index range on
    case_open_assignee_next_due). The other queues show no count: counting escalated or
    unassigned cases would read the open part of a million-row table on every visit."""
    mine = Case.objects.filter(status__in=OPEN, assignee=user).order_by()
    return mine.values("pk")[:COUNT_CAP].count()


# --- case page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # message | pause | decision | alert
    item: object


def timeline(case: Case) -> list[Entry]:
    """Messages, pauses, decisions and alerts of one case, oldest first (four queries)."""
    from core.audit import decisions_for

    entries = [
        Entry(m.created_at, "message", m)
        for m in case.messages.select_related("author").prefetch_related("attachments")
    ]
    entries += [Entry(p.started_at, "pause", p) for p in case.pauses.select_related("started_by")]
    entries += [Entry(d.created_at, "decision", _labelled(d)) for d in decisions_for(case)]
    entries += [Entry(a.created_at, "alert", a) for a in alerts_for(case)]
    order = {"message": 0, "pause": 1, "decision": 2, "alert": 3}
    return sorted(entries, key=lambda e: (e.at, order[e.kind]))


ACTION_LABELS = {
    "open": _("Filed"),
    "assign": _("Assigned"),
    "reassign": _("Reassigned"),
    "first_response": _("First response"),
    "ask_consumer": _("Asked the consumer"),
    "consumer_replied": _("Consumer replied"),
    "ask_merchant": _("Asked the merchant"),
    "merchant_answer": _("Merchant answered"),
    "merchant_proposal": _("Merchant proposed an outcome"),
    "resolve": _("Resolved"),
    "closed": _("Closed"),
    "reopen": _("Reopened"),
    "escalate": _("Escalated"),
    "rate": _("Consumer rated the handling"),
}


def _labelled(decision):
    decision.label = ACTION_LABELS.get(decision.action) or action_label(decision.action, decision)
    statuses = dict(CaseStatus.choices)
    decision.from_label = statuses.get(decision.from_state, decision.from_state)
    decision.to_label = statuses.get(decision.to_state, decision.to_state)
    outcome = (decision.data or {}).get("outcome")
    decision.outcome_label = Case.Outcome(outcome).label if outcome in Case.Outcome.values else ""
    return decision


def alerts_for(case: Case):
    from django.contrib.contenttypes.models import ContentType

    from core.models import Alert

    return (
        Alert.objects.filter(
            content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk)
        )
        .select_related("recipient_user", "recipient_group")
        .order_by("created_at")
    )


def merchant_history(case: Case) -> dict:
    """What staff weigh when deciding: the merchant's earlier cases, points, restrictions."""
    from merchants.selectors import active_restrictions
    from merchants.services import current_points

    earlier = (
        Case.objects.filter(merchant_id=case.merchant_id)
        .exclude(pk=case.pk)
        .only("pk", "reference", "status", "outcome", "created_at", "kind", "merchant_id")
        .order_by("-created_at")
    )
    return {
        "earlier": list(earlier[:10]),
        "earlier_count": earlier.count(),
        "points": current_points(case.merchant),
        "restrictions": list(
            active_restrictions().filter(merchant_id=case.merchant_id).select_related("category")
        ),
    }


PROPOSAL_ACTION = "merchant_proposal"


def proposals_for(case: Case):
    """Outcomes the merchant proposed (decision records), newest first."""
    from core.audit import decisions_for

    return [
        _labelled(d)
        for d in decisions_for(case).filter(action=PROPOSAL_ACTION).order_by("-created_at", "-id")
    ]


# --- merchant portal ------------------------------------------------------------------------


# Who reads cases through the API and the staff pages (the merchant's portal is scoped to
# its own cases by merchants.selectors.scoped, as every merchant-owned row is).
CASE_READERS = (Role.CONSUMER_SERVICE, Role.QUALITY_MANAGER, Role.DATA_ANALYSIS)


def cases_visible_to(user) -> QuerySet[Case]:
    """Staff readers see every case; a merchant user only their merchant's; others none."""
    return scoped(Case.objects.all(), user, staff_roles=CASE_READERS)


def cases_for_merchant_user(user) -> QuerySet[Case]:
    """Cases against the user's own merchant; nothing for anyone else (the portal)."""
    return scoped(Case.objects.all(), user, staff_roles=())


def merchant_visible_messages(case: Case):
    """The one answer to "which messages of a case may its merchant read", for the portal
    and the API alike: the consumer's messages (account and evidence), the merchant's own
    answers, and the questions Consumer Service put to the merchant (posted as staff notes
    whose text is an ask_merchant decision's reason). Never Consumer Service's internal
    notes, never its messages to the consumer."""
    questions = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(Case),
        object_id=str(case.pk),
        action="ask_merchant",
    ).values("reason")
    return (
        case.messages.filter(
            Q(author_kind__in=[CaseMessage.Author.CONSUMER, CaseMessage.Author.MERCHANT])
            | Q(author_kind=CaseMessage.Author.STAFF, text__in=questions)
        )
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def messages_visible_to(user, case: Case):
    """Staff read the whole conversation; a merchant user what merchant_visible_messages
    allows."""
    if merchant_of(user) is not None:
        return merchant_visible_messages(case)
    return (
        case.messages.select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def questions_to_merchant(case: Case):
    from core.audit import decisions_for

    return decisions_for(case).filter(action="ask_merchant").order_by("created_at", "id")


# --- attachments ----------------------------------------------------------------------------


def may_read_case_upload(request, upload) -> bool:
    """Case attachments: Consumer Service and Quality Managers read them all; a merchant
    reads those on the consumer's and its own messages of its own cases."""
    messages = CaseMessage.objects.filter(attachments=upload)
    user = request.user
    if may_view_cases(user):
        return messages.exists()
    merchant = merchant_of(user)
    if merchant is None:
        return False
    return messages.filter(
        case__merchant=merchant,
        author_kind__in=[CaseMessage.Author.CONSUMER, CaseMessage.Author.MERCHANT],
    ).exists()


# --- remedies -------------------------------------------------------------------------------


REMEDY_READERS = (Role.CONSUMER_SERVICE, Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER)


def may_view_remedies(user) -> bool:
    """Consumer Service, Quality Management and the Quality Managers read remedies."""
    return has_role(user, *REMEDY_READERS)


def may_manage_remedies(user) -> bool:
    """Grant remedies and record them done or failed (the Remedy add/change permissions)."""
    return may_view_remedies(user) and user.has_perm("complaints.add_remedy")


def remedies_visible_to(user):
    """Staff read every remedy; a merchant user reads its own merchant's; nobody else any."""
    from complaints.models import Remedy

    remedies = Remedy.objects.select_related("case", "incident", "merchant", "proof")
    return scoped(remedies, user, staff_roles=REMEDY_READERS)


def may_record_remedy_done(user, remedy) -> bool:
    """Staff who manage remedies, or the merchant that pays a remedy still its own to pay."""
    if may_manage_remedies(user):
        return True
    merchant = merchant_of(user)
    return (
        merchant is not None
        and remedy.merchant_id == merchant.pk
        and remedy.payer == remedy.Payer.MERCHANT
    )


def may_read_remedy_proof(request, upload) -> bool:
    """A remedy's proof file: staff who read remedies, and the remedy's merchant."""
    return remedies_visible_to(request.user).filter(proof=upload).exists() and (
        may_view_remedies(request.user) or merchant_of(request.user) is not None
    )


# --- buyer notices and public quality notices of incidents ------------------------------------


def may_view_incident_notices(user) -> bool:
    """Quality Management runs incidents; Consumer Service answers the buyers who write
    back; Quality Managers approve the public notices."""
    return has_role(user, Role.QUALITY_MANAGEMENT, Role.CONSUMER_SERVICE, Role.QUALITY_MANAGER)


def may_notify_buyers(user) -> bool:
    return has_role(user, Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER)


def buyer_notice_counts(incident) -> dict[str, int]:
    """How many notices of an incident are in each status (one grouped query)."""
    from django.db.models import Count

    from complaints.models import BuyerNotice

    counts = dict.fromkeys(BuyerNotice.Status.values, 0)
    rows = (
        BuyerNotice.objects.filter(incident_id=incident.pk)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    counts.update(dict(rows))
    counts["total"] = sum(counts[s] for s in BuyerNotice.Status.values)
    return counts


def buyer_notice_panel(incident, user=None) -> dict:
    """Context of complaints/incidents/_buyer_notices.html."""
    from complaints.models import BuyerNotice
    from complaints.services.buyer_notices import look_back_days, may_be_told

    counts = buyer_notice_counts(incident)
    return {
        "incident": incident,
        "notice_counts": counts,
        "notice_rows": [
            (status, label, counts[status]) for status, label in BuyerNotice.Status.choices
        ],
        "look_back_days": look_back_days(),
        "can_notify": may_be_told(incident) and (user is None or may_notify_buyers(user)),
        "recent_failures": list(
            BuyerNotice.objects.filter(incident_id=incident.pk, status=BuyerNotice.Status.FAILED)
            .only("id", "attempts", "last_error", "purchase_id")
            .order_by("-id")[:5]
        ),
    }


def quality_notice_panel(incident, user=None) -> dict:
    """Context of complaints/incidents/_quality_notice.html."""
    from complaints.models import QualityIncident, QualityNotice
    from complaints.services import quality_notices

    notice = QualityNotice.objects.filter(incident_id=incident.pk).first()
    confirmed = incident.status == QualityIncident.Status.RESOLVED
    return {
        "incident": incident,
        "notice": notice,
        "confirmed": confirmed,
        "can_draft": confirmed
        and (notice is None or notice.status != QualityNotice.Status.PUBLISHED)
        and (user is None or quality_notices.may_draft(user)),
        "can_approve": confirmed
        and notice is not None
        and notice.status == QualityNotice.Status.DRAFT
        and (user is None or quality_notices.may_approve(user)),
        "can_withdraw": notice is not None
        and notice.status == QualityNotice.Status.PUBLISHED
        and (user is None or quality_notices.may_approve(user)),
    }


def published_quality_notices(*, product_id: int | None = None, limit: int | None = 50):
    """Published notices, newest first (public pages and the public API): no consumer data
    is ever in them."""
    from complaints.models import QualityNotice

    notices = QualityNotice.objects.filter(status=QualityNotice.Status.PUBLISHED).select_related(
        "incident__product", "incident__merchant"
    )
    if product_id is not None:
        notices = notices.filter(incident__product_id=product_id)
    notices = notices.order_by("-published_at", "-id")
    return notices[:limit] if limit else notices


def product_quality_notices(product_id: int) -> list:
    """The product's published notices, for its public quality record page."""
    return list(published_quality_notices(product_id=product_id, limit=10))

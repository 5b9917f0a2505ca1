"""Assigning cases to Consumer Service agents, one at a time or in bulk."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import (
    OPEN,
    Case,
    CaseStatus,
)
from complaints.services.common import WORKFLOW, _locked, _require
from core.audit import record_decision
from core.db import advisory_xact_lock
from core.exceptions import DomainError
from core.roles import Role


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

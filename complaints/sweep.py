"""The minute SLA sweep: set-based, a constant number of statements however many cases cross.

One statement per threshold (response / resolution / merchant answer, each at risk and
breached), over the narrow SLA clock table (complaints.models.SLAClock):

    WITH due AS (SELECT ... FROM clock JOIN case WHERE running AND stage < n
                 AND instant <= now FOR UPDATE OF case SKIP LOCKED),
         crossed AS (UPDATE clock SET stage = n FROM due ... RETURNING ...),
         [escalated AS (UPDATE case SET priority + 1, escalated ...),
          decided AS (INSERT INTO core_decision ...)]
          recorded AS (INSERT INTO complaints_slabreach ... ON CONFLICT DO NOTHING)]
    INSERT INTO core_alert ... SELECT ... FROM crossed ON CONFLICT (key) DO NOTHING RETURNING id

A breach is also a lasting fact (complaints.models.SLABreach: case, clock, cycle, the due
instant), written by the breach statement itself: violation points, risk, probation and
dashboards read it, never the alert keys.

Why this is safe under retries, overlaps and kills:
- Each crossing case is locked before its clock is marked. A second sweep running at the
  same time skips the cases the first holds; a clock it reaches after the first committed
  is re-checked on its newest version (stage already advanced) and not marked again: one
  alert, one escalation, one decision.
- Marking, escalating, recording and alerting happen in one transaction: a worker killed
  mid-sweep commits none of it, so the next sweep finds the same clocks still due.
  Nothing is lost, nothing is half done.
- The alert key (`sla_breached:response:case:<id>:<policy>`) is unique, so even a clock
  whose stage was reset by hand cannot alert twice for the same fact.
- `running AND stage < n` is the predicate of a partial index, so a sweep reads only
  clocks that still owe an alert, not the million open cases.
- Paused cases (awaiting_consumer) have their clocks stopped: they never alert
  (complaints.sla_state: a paused clock is judged at its pause instant).
- Every instant compared or written is the application's `now`, passed as a parameter.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from complaints import reason_texts
from complaints.models import Case, Priority, SweepStage, Target
from core.alerts import raise_alerts_from_select
from core.audit import system_context
from core.roles import Role

SWEEP_ACTOR = "system:sla-sweep"


def portal_prefix() -> str:
    from complaints.merchant_alerts import portal_url_prefix

    return portal_url_prefix()


@dataclass(frozen=True)
class Threshold:
    target: str  # response | resolution | merchant_answer
    stage: int  # SweepStage.AT_RISK or BREACHED
    key_suffix: str  # SQL expression appended to the key (restarted clocks)

    @property
    def breached(self) -> bool:
        return self.stage == SweepStage.BREACHED

    @property
    def alert_kind(self) -> str:
        return "sla_breached" if self.breached else "sla_at_risk"

    @property
    def name(self) -> str:
        return f"{self.target}_{'breached' if self.breached else 'at_risk'}"

    @property
    def instant(self) -> str:
        return "due_at" if self.breached else "at_risk_at"


_REOPENED = "CASE WHEN k.cycle > 0 THEN ':reopen' || k.cycle ELSE '' END"
_REQUEST = "':' || k.cycle"

# At-risk before breached: a clock that crossed both since the last sweep raises both,
# in order, so the assignee's warning is never silently skipped.
THRESHOLDS = [
    Threshold(Target.RESPONSE, SweepStage.AT_RISK, "''"),
    Threshold(Target.RESPONSE, SweepStage.BREACHED, "''"),
    Threshold(Target.RESOLUTION, SweepStage.AT_RISK, _REOPENED),
    Threshold(Target.RESOLUTION, SweepStage.BREACHED, _REOPENED),
    Threshold(Target.MERCHANT_ANSWER, SweepStage.AT_RISK, _REQUEST),
    Threshold(Target.MERCHANT_ANSWER, SweepStage.BREACHED, _REQUEST),
]

_ESCALATE = [
    f"""escalated AS (
        UPDATE complaints_case AS c
           SET escalated = true,
               escalated_at = COALESCE(c.escalated_at, %(now)s),
               priority = LEAST(c.priority + 1, {int(Priority.URGENT)})
          FROM crossed
         WHERE c.id = crossed.id
    )""",  # noqa: S608
    f"""decided AS (
        INSERT INTO core_decision (content_type_id, object_id, action, from_state, to_state,
                                   actor_id, actor_label, reason, data, created_at)
        SELECT %(content_type)s, crossed.id::text, 'escalate', '', '', NULL, %(actor)s,
               '',
               jsonb_build_object('target', %(target)s, 'due', crossed.due,
                                  'reason_code', %(reason_code)s,
                                  'reason_params', jsonb_build_object('target', %(target)s),
                                  'priority_from', crossed.priority,
                                  'priority_to', LEAST(crossed.priority + 1,
                                                       {int(Priority.URGENT)})),
               %(now)s
        FROM crossed
    )""",  # noqa: S608 - identifiers are ours, values go through params
]


# The lasting fact, beside the alert: one row per case, clock and cycle, at the clock's due
# instant (not the sweep's), written by the same statement. complaints.models.SLABreach.
_RECORD = """recorded AS (
        INSERT INTO complaints_slabreach (case_id, target, cycle, breached_at, created_at)
        SELECT crossed.id, %(target)s, crossed.cycle, crossed.due, %(now)s
        FROM crossed
        ON CONFLICT (case_id, target, cycle) DO NOTHING
    )"""
_BREACHED = [*_ESCALATE, _RECORD]


def _with_sql(t: Threshold) -> str:
    # due: the crossing clocks, with their case rows locked. SKIP LOCKED: a case that a
    # service is changing right now is taken by the next sweep, a minute later, and the
    # lock order (case, then clock) is the services' own, so the two never deadlock.
    # crossed: the clocks marked, re-checked on their newest version (a second sweep that
    # waited finds the stage already advanced and marks nothing).
    due = f"""due AS (
            SELECT k.id AS clock_id, c.id, c.reference, c.assignee_id, c.policy_id,
                   c.priority, k.due_at AS due, k.cycle
              FROM complaints_slaclock AS k
              JOIN complaints_case AS c ON c.id = k.case_id
             WHERE k.running AND k.stage < {t.stage}
               AND k.target = '{t.target}'
               AND k.{t.instant} <= %(now)s
               FOR UPDATE OF c SKIP LOCKED
        )"""  # noqa: S608 - identifiers are ours, values go through params
    crossed = f"""crossed AS (
            UPDATE complaints_slaclock AS k
               SET stage = {t.stage}
              FROM due
             WHERE k.id = due.clock_id AND k.running AND k.stage < {t.stage}
            RETURNING due.id, due.reference, due.assignee_id, due.policy_id, due.priority,
                      due.due, due.cycle,
                      '{t.alert_kind}:{t.target}:case:' || due.id || ':' || due.policy_id
                        || {t.key_suffix} AS key
        )"""  # noqa: S608
    return "WITH " + ",\n".join([due, crossed, *(_BREACHED if t.breached else [])])


def _select_sql(t: Threshold) -> str:
    if t.breached:  # to the supervisors (the Consumer Service group)
        recipients = "NULL::bigint, (SELECT id FROM auth_group WHERE name = %(group)s)"
    else:  # to the assignee; an unassigned case warns the group instead
        recipients = """crossed.assignee_id,
               CASE WHEN crossed.assignee_id IS NULL
                    THEN (SELECT id FROM auth_group WHERE name = %(group)s) END"""
    staff = f"""
        SELECT '{t.alert_kind}', crossed.key, {recipients}, %(content_type)s,
               crossed.id::text,
               jsonb_build_object(
                   'case', crossed.reference,
                   'target', %(target_label)s,
                   'due', to_char(crossed.due AT TIME ZONE %(tz)s, 'YYYY-MM-DD HH24:MI')),
               %(url_prefix)s || crossed.id || '/change/'
        FROM crossed
    """  # noqa: S608
    if t.target != Target.MERCHANT_ANSWER:
        return staff
    # The merchant's owners and case handlers are told too, in the same statement.
    from complaints.merchant_alerts import merchant_select_sql

    return staff + " UNION ALL " + merchant_select_sql(breached=t.breached)


@dataclass(frozen=True)
class SweepResult:
    raised: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def _params(t: Threshold, now: datetime, content_type_id: int, url_prefix: str) -> dict:
    label = Target(t.target).label
    with override(settings.LANGUAGE_CODE):
        target_label = str(label)
    return {
        "now": now,
        "group": Role.CONSUMER_SERVICE.value,
        "content_type": content_type_id,
        "target": t.target,
        "target_label": target_label,
        # The reason is a code, rendered in each reader's language (complaints.reason_texts).
        "reason_code": reason_texts.DEADLINE_BREACHED,
        "actor": SWEEP_ACTOR,
        "tz": settings.TIME_ZONE,
        "url_prefix": url_prefix,
        "portal_prefix": portal_prefix(),
    }


# Set for the sweep's transaction only (set_config(..., true)), restored afterwards.
# - jit off: on a million rows the planner's cost estimate triggers ~70 ms of JIT
#   compilation per statement for statements that run in a few ms.
# - no hash or merge joins: every statement is driven by the few clocks that are due
#   (a partial index range) and reaches the case by its primary key. Column statistics
#   cannot tell how many clocks sit just below `now` (the histogram overestimates ~7x on
#   the bench data), and with a hash join the planner read all 1,000,000 cases (45,000
#   pages) to lock 2,500 of them: 1-2 s per statement on the loaded bench machine instead
#   of 0.2-0.3 s. A nested loop over the primary key stays right however many cross (a
#   catch-up after a day's outage is still one PK lookup per crossing clock).
_SESSION = {"jit": "off", "enable_hashjoin": "off", "enable_mergejoin": "off"}


@contextmanager
def _sweep_session(*triggers: str):
    """For this transaction only: skip the given row-history triggers (default: Case's
    update trigger; pgtrigger's own ignore() wraps every statement with positional
    parameters, which cannot mix with the named ones the sweep uses) and the planner
    settings above."""
    pgids = [
        trigger.get_pgid(model)
        for uri in triggers or ("complaints.Case:update_update",)
        for model, trigger in pgtrigger.registered(uri)
    ]
    pgid = ",".join(pgids)
    names = list(_SESSION)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join(["current_setting(%s)"] * len(names))
            + ", set_config('pgtrigger.ignore', %s, true), "
            + ", ".join(["set_config(%s, %s, true)"] * len(names)),
            [*names, "{" + pgid + "}", *[v for n in names for v in (n, _SESSION[n])]],
        )
        before = cursor.fetchone()[: len(names)]
        try:
            yield
        finally:
            # Only matters when the sweep runs inside a caller's transaction (tests).
            cursor.execute(
                "SELECT set_config('pgtrigger.ignore', '{}', true), "
                + ", ".join(["set_config(%s, %s, true)"] * len(names)),
                [v for n, old in zip(names, before, strict=True) for v in (n, old)],
            )


def sweep(*, now: datetime | None = None) -> SweepResult:
    """Raise every alert that is due, escalate every breach; one statement per threshold."""
    now = now or timezone.now()
    content_type_id = ContentType.objects.get_for_model(Case).pk  # cached after first use
    url_prefix = reverse("admin:complaints_case_change", args=[0]).removesuffix("0/change/")
    raised = {}
    # Row history is not written for the sweep's own updates: at 10,000 crossings the
    # per-row history trigger (a full-row copy with seven foreign keys and a context upsert)
    # costs more than everything else together. What the sweep does stays fully audited,
    # set-based: every escalation is a Decision (priority before and after, target, due)
    # and every threshold crossed is an Alert row with its unique key.
    with system_context("sla-sweep"), transaction.atomic(), _sweep_session():
        for t in THRESHOLDS:
            ids = raise_alerts_from_select(
                _select_sql(t),
                _params(t, now, content_type_id, url_prefix),
                with_sql=_with_sql(t),
                now=now,
            )
            raised[t.name] = len(ids)
    return SweepResult(raised)

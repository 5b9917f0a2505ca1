"""The minute SLA sweep: set-based, a constant number of statements however many cases cross.

One statement per threshold (response / resolution / merchant answer, each at risk and
breached):

    WITH crossed AS (
        UPDATE complaints_case SET <stage> = <n> [, escalation]
        WHERE <clock running> AND <stage> < <n> AND <instant> <= now
        RETURNING ...)
    [, decided AS (INSERT INTO core_decision ... SELECT ... FROM crossed)]
    INSERT INTO core_alert ... SELECT ... FROM crossed ON CONFLICT (key) DO NOTHING RETURNING id

Why this is safe under retries, overlaps and kills:
- The UPDATE takes the row locks. A second sweep running at the same time blocks on those
  rows, and when the first commits PostgreSQL re-checks its WHERE on the new row version
  (stage already advanced) and skips them: one alert, one escalation, one decision.
- Marking the stage, escalating, recording the decision and inserting the alert are one
  statement in one transaction: a worker killed mid-sweep commits none of it, so the next
  sweep finds the same rows still due. Nothing is lost, nothing is half done.
- The alert key (`sla_breached:response:case:<id>:<policy>`) is unique, so even a case
  whose stage was reset by hand cannot alert twice for the same fact.
- Each `<stage> < n` condition is the predicate of a partial index (complaints.models), so
  a sweep reads only clocks that still owe an alert, not the million open cases.
- Paused cases (awaiting_consumer) are not in the running states: they never alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from complaints.models import RUNNING, Case, CaseStatus, Priority, SweepStage
from core.alerts import raise_alerts_from_select
from core.audit import system_context
from core.roles import Role

SWEEP_ACTOR = "system:sla-sweep"


@dataclass(frozen=True)
class Threshold:
    name: str  # response_at_risk …
    target: str  # response | resolution | merchant_answer
    label: object  # lazy translation, for the alert text
    instant: str  # column that crosses
    due: str  # the deadline column (shown in the alert)
    stage_column: str
    stage: int
    running: str  # extra SQL: the clock runs
    key_suffix: str  # SQL expression appended to the key

    @property
    def breached(self) -> bool:
        return self.stage == SweepStage.BREACHED

    @property
    def alert_kind(self) -> str:
        return "sla_breached" if self.breached else "sla_at_risk"


_RESPONSE = ("response", _("first response"), "response_due_at", "response_stage")
_RESOLUTION = ("resolution", _("resolution"), "resolution_due_at", "resolution_stage")
_MERCHANT = (
    "merchant_answer",
    _("merchant answer"),
    "merchant_answer_due_at",
    "merchant_stage",
)
_RESPONSE_RUNS = "AND c.first_responded_at IS NULL"
_MERCHANT_RUNS = f"AND c.status = '{CaseStatus.AWAITING_MERCHANT}'"
_REOPENED = "CASE WHEN c.reopen_count > 0 THEN ':reopen' || c.reopen_count ELSE '' END"
_REQUEST = "':' || c.merchant_request_count"


def _threshold(spec, stage, instant, running, suffix) -> Threshold:
    target, label, due, stage_column = spec
    name = f"{target}_{'breached' if stage == SweepStage.BREACHED else 'at_risk'}"
    return Threshold(name, target, label, instant, due, stage_column, stage, running, suffix)


# At-risk before breached: a clock that crossed both since the last sweep raises both,
# in order, so the assignee's warning is never silently skipped.
THRESHOLDS = [
    _threshold(_RESPONSE, SweepStage.AT_RISK, "response_at_risk_at", _RESPONSE_RUNS, "''"),
    _threshold(_RESPONSE, SweepStage.BREACHED, "response_due_at", _RESPONSE_RUNS, "''"),
    _threshold(_RESOLUTION, SweepStage.AT_RISK, "resolution_at_risk_at", "", _REOPENED),
    _threshold(_RESOLUTION, SweepStage.BREACHED, "resolution_due_at", "", _REOPENED),
    _threshold(
        _MERCHANT, SweepStage.AT_RISK, "merchant_answer_at_risk_at", _MERCHANT_RUNS, _REQUEST
    ),
    _threshold(_MERCHANT, SweepStage.BREACHED, "merchant_answer_due_at", _MERCHANT_RUNS, _REQUEST),
]

_RUNNING_SQL = ", ".join(f"'{status}'" for status in RUNNING)


def _with_sql(t: Threshold) -> str:
    escalation = ""
    decided = ""
    if t.breached:
        # A breach escalates: priority up one step (capped), into the supervisor queue.
        escalation = f""",
            escalated = true,
            escalated_at = COALESCE(c.escalated_at, %(now)s),
            priority = LEAST(c.priority + 1, {int(Priority.URGENT)})"""
        decided = """,
        decided AS (
            INSERT INTO core_decision (content_type_id, object_id, action, from_state,
                                       to_state, actor_id, actor_label, reason, data,
                                       created_at)
            SELECT %(content_type)s, crossed.id::text, 'escalate', '', '', NULL,
                   %(actor)s, %(reason)s,
                   jsonb_build_object('target', %(target)s, 'priority_to', crossed.priority,
                                      'due', crossed.due),
                   %(now)s
            FROM crossed
        )"""
    return f"""
        WITH crossed AS (
            UPDATE complaints_case AS c
               SET {t.stage_column} = {t.stage}{escalation}
             WHERE c.status IN ({_RUNNING_SQL})
               AND c.{t.stage_column} < {t.stage}
               {t.running}
               AND c.{t.instant} <= %(now)s
            RETURNING c.id, c.reference, c.assignee_id, c.policy_id, c.priority,
                      c.{t.due} AS due,
                      'sla_{"breached" if t.breached else "at_risk"}:{t.target}:case:'
                        || c.id || ':' || c.policy_id || {t.key_suffix} AS key
        ){decided}
    """  # noqa: S608 - identifiers are ours, values go through params


def _select_sql(t: Threshold) -> str:
    if t.breached:  # to the supervisors (the Consumer Service group)
        recipients = "NULL::bigint, (SELECT id FROM auth_group WHERE name = %(group)s)"
    else:  # to the assignee; an unassigned case warns the group instead
        recipients = """crossed.assignee_id,
               CASE WHEN crossed.assignee_id IS NULL
                    THEN (SELECT id FROM auth_group WHERE name = %(group)s) END"""
    return f"""
        SELECT '{t.alert_kind}', crossed.key, {recipients}, %(content_type)s,
               crossed.id::text,
               jsonb_build_object(
                   'case', crossed.reference,
                   'target', %(target_label)s,
                   'due', to_char(crossed.due AT TIME ZONE %(tz)s, 'YYYY-MM-DD HH24:MI')),
               %(url_prefix)s || crossed.id || '/change/'
        FROM crossed
    """  # noqa: S608


@dataclass(frozen=True)
class SweepResult:
    raised: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def _params(t: Threshold, now: datetime, content_type_id: int, url_prefix: str) -> dict:
    with override(settings.LANGUAGE_CODE):
        target_label = str(t.label)
        reason = str(_("%(target)s deadline breached") % {"target": t.label}).capitalize()
    return {
        "now": now,
        "group": Role.CONSUMER_SERVICE.value,
        "content_type": content_type_id,
        "target": t.target,
        "target_label": target_label,
        "reason": reason,
        "actor": SWEEP_ACTOR,
        "tz": settings.TIME_ZONE,
        "url_prefix": url_prefix,
    }


def sweep(*, now: datetime | None = None) -> SweepResult:
    """Raise every alert that is due, escalate every breach; one statement per threshold."""
    now = now or timezone.now()
    content_type_id = ContentType.objects.get_for_model(Case).pk  # cached after first use
    url_prefix = reverse("admin:complaints_case_change", args=[0]).removesuffix("0/change/")
    raised = {}
    with system_context("sla-sweep"), transaction.atomic():
        for t in THRESHOLDS:
            ids = raise_alerts_from_select(
                _select_sql(t),
                _params(t, now, content_type_id, url_prefix),
                with_sql=_with_sql(t),
            )
            raised[t.name] = len(ids)
    return SweepResult(raised)

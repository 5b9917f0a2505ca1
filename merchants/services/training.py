"""Training programmes after go-live: publishing versions, set-based assignment, the sweep
(recurrence, audience entries, reminders 14/3/1, overdue alert, sales restriction), quiz,
completion (which lifts the restriction) and session registration and attendance.

Every statement that touches many rows is one INSERT ... SELECT or UPDATE ... RETURNING;
per-row Python runs only for the few rows a step newly reaches (restrict / lift, which go
through the selling-rights services)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import policies
from core.alerts import AlertSpec, raise_alerts, raise_alerts_from_select
from core.audit import record_decision
from core.decision_labels import reason_data
from core.exceptions import DomainError, NotAllowed
from core.roles import Role, has_role
from merchants import reason_texts
from merchants.models import (
    Audience,
    Membership,
    Merchant,
    QuizAttempt,
    Restriction,
    TrainingAssignment,
    TrainingAttendance,
    TrainingModule,
    TrainingProgramme,
    TrainingSession,
    TrainingStep,
)
from merchants.policies import TRAINING
from merchants.selectors import merchant_of
from merchants.services.selling import lift, restrict

PORTAL_TRAINING_URL = "/merchant/training/"
STAFF_TRAINING_URL = "/staff/training/mine/"
LIVE = ("probation", "active")

# --- the risk-tier audience ---------------------------------------------------------------------
# Risk tiers live in `reports` (a higher layer). It registers a function returning
# "SELECT merchant_id, tier FROM ..." at ready(); without one the tier audience is empty.
TIER_SOURCES: list[Callable[[], str]] = []


def register_tier_source(source: Callable[[], str]) -> None:
    TIER_SOURCES[:] = [source]


def _tier_sql() -> str:
    if TIER_SOURCES:
        return TIER_SOURCES[0]()
    return "SELECT NULL::bigint AS merchant_id, NULL::text AS tier WHERE false"


# --- who may do what ---------------------------------------------------------------------------
def can_manage(user) -> bool:
    return has_role(user, Role.MERCHANT_MANAGEMENT)


def ensure_manager(actor) -> None:
    if not can_manage(actor):
        raise NotAllowed(
            _("Only Merchant Management staff can manage training."), code="training_manager"
        )


def can_supervise(user) -> bool:
    """Supervisors see staff completion: Quality Managers and Merchant Management."""
    return has_role(user, Role.QUALITY_MANAGER, Role.MERCHANT_MANAGEMENT)


def ensure_can_take(actor, assignment: TrainingAssignment) -> None:
    """The assignee: a member of the merchant, or the staff member themselves."""
    if assignment.user_id is not None:
        if actor.pk != assignment.user_id:
            raise NotAllowed(_("This training is assigned to someone else."), code="not_yours")
        return
    merchant = merchant_of(actor)
    if merchant is None or merchant.pk != assignment.merchant_id:
        raise NotAllowed(_("This training is assigned to someone else."), code="not_yours")


# --- audiences ----------------------------------------------------------------------------------
def _audience_sql(programme: TrainingProgramme, *, merchant_ids=None) -> tuple[str, list, str]:
    """(SELECT of assignee ids, params, column) for a programme's audience."""
    params: list = []
    only = ""
    if merchant_ids is not None:
        only = " AND m.id = ANY(%s)"
    if programme.audience == Audience.STAFF:
        user_model = get_user_model()
        groups = user_model.groups.through._meta
        sql = (
            f"SELECT DISTINCT u.id FROM {user_model._meta.db_table} u "  # noqa: S608 - names
            f"JOIN {groups.db_table} g ON g.user_id = u.id "
            "WHERE u.is_active AND g.group_id = %s"
        )
        return sql, [programme.department_id], "user_id"
    if programme.audience == Audience.ALL_MERCHANTS:
        sql = "SELECT m.id FROM merchants_merchant m WHERE m.status IN ('probation', 'active')"
    elif programme.audience == Audience.PROBATION:
        sql = "SELECT m.id FROM merchants_merchant m WHERE m.status = 'probation'"
    elif programme.audience == Audience.CATEGORIES:
        sql = (
            "SELECT m.id FROM merchants_merchant m WHERE m.status IN ('probation', 'active') "
            "AND EXISTS (SELECT 1 FROM merchants_merchant_categories mc "
            "JOIN merchants_trainingprogramme_categories pc ON pc.category_id = mc.category_id "
            "WHERE mc.merchant_id = m.id AND pc.trainingprogramme_id = %s)"
        )
        params.append(programme.pk)
    elif programme.audience == Audience.RISK_TIER:
        sql = (
            "SELECT m.id FROM merchants_merchant m "  # noqa: S608 - code of ours
            f"JOIN ({_tier_sql()}) t ON t.merchant_id = m.id "
            "WHERE m.status IN ('probation', 'active') AND t.tier = %s"
        )
        params.append(programme.risk_tier)
    else:  # pragma: no cover - choices are closed
        raise ValueError(programme.audience)
    if merchant_ids is not None:
        params.append(list(merchant_ids))
    return sql + only, params, "merchant_id"


_ASSIGN = """
INSERT INTO merchants_trainingassignment
    (programme_id, cycle, {column}, reason, source, status, assigned_at, due_at,
     next_step_at, certificate_number)
SELECT %s, %s, a.id, %s, '', 'open', %s, %s, %s, ''
FROM ({audience}) AS a(id)
WHERE NOT EXISTS (
    SELECT 1 FROM merchants_trainingassignment x
    WHERE x.programme_id = %s AND x.cycle = %s AND x.{column} = a.id AND x.source = ''
)
ON CONFLICT DO NOTHING
"""


def _assign(programme: TrainingProgramme, *, reason: str, now, merchant_ids=None) -> int:
    """One statement: every audience member without an assignment of the current cycle."""
    if programme.audience == Audience.STAFF and merchant_ids is not None:
        return 0
    audience, params, column = _audience_sql(programme, merchant_ids=merchant_ids)
    due = now + timedelta(days=programme.window_days)
    with connection.cursor() as cursor:
        cursor.execute(
            _ASSIGN.format(column=column, audience=audience),
            [
                programme.pk,
                programme.cycle,
                reason,
                now,
                due,
                first_step_at(due, now=now),
                *params,
                programme.pk,
                programme.cycle,
            ],
        )
        return cursor.rowcount


def reminder_days(now=None) -> list[int]:
    """The policy's reminder thresholds, largest first (e.g. [14, 3, 1])."""
    days = policies.get(TRAINING, at=now)["reminder_days"]
    return sorted({int(d) for d in days if int(d) > 0}, reverse=True)


def first_step_at(due, *, now=None):
    """When the sweep first looks at a new assignment: the first reminder threshold."""
    days = reminder_days(now)
    return due - timedelta(days=days[0]) if days else due


def audience_count(programme: TrainingProgramme) -> int:
    audience, params, _column = _audience_sql(programme)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({audience}) AS a", params)  # noqa: S608
        return cursor.fetchone()[0]


# --- programmes: versions and publishing --------------------------------------------------------
def is_frozen(programme: TrainingProgramme) -> bool:
    """A version with assignments may no longer change; a new version is made instead."""
    return programme.pk is not None and programme.assignments.exists()


def ensure_editable(programme: TrainingProgramme) -> None:
    if is_frozen(programme):
        raise DomainError(
            _(
                "Version %(version)s already has assignments and cannot be changed; "
                "create a new version instead."
            )
            % {"version": programme.version},
            code="frozen",
        )


def validate_programme(programme: TrainingProgramme) -> None:
    errors = {}
    if programme.audience == Audience.STAFF and programme.department_id is None:
        errors["department"] = _("Choose the staff department.")
    if programme.audience == Audience.RISK_TIER and not programme.risk_tier:
        errors["risk_tier"] = _("Choose the risk tier.")
    if programme.pass_mark is not None and not 1 <= programme.pass_mark <= 100:
        errors["pass_mark"] = _("The pass mark is a percentage from 1 to 100.")
    if programme.window_days < 1:
        errors["window_days"] = _("The completion window is at least one day.")
    if programme.max_attempts < 1:
        errors["max_attempts"] = _("Allow at least one attempt.")
    if errors:
        raise DomainError(errors, code="invalid")


@transaction.atomic
def new_version(programme: TrainingProgramme, *, actor) -> TrainingProgramme:
    """A draft copy of a version (modules, materials, questions, categories) to edit."""
    ensure_manager(actor)
    latest = TrainingProgramme.objects.filter(code=programme.code).order_by("-version").first()
    categories = list(programme.categories.all())
    copy = TrainingProgramme.objects.get(pk=programme.pk)
    copy.pk = None
    copy.version = latest.version + 1
    copy.status = TrainingProgramme.Status.DRAFT
    copy.published_at = None
    copy.published_by = None
    copy.cycle = 0
    copy.cycle_started_at = None
    copy.save()
    copy.categories.set(categories)
    for module in programme.modules.prefetch_related("materials"):
        materials = list(module.materials.all())
        module.pk = None
        module.programme = copy
        module.save()
        for material in materials:
            material.pk = None
            material.module = module
            material.save()
    for question in programme.questions.all():
        question.pk = None
        question.programme = copy
        question.save()
    record_decision(copy, action="new_version", actor=actor, data={"from": programme.pk})
    return copy


@dataclass
class PublishResult:
    assigned: int
    superseded: int


@transaction.atomic
def publish_programme(programme: TrainingProgramme, *, actor, now=None) -> PublishResult:
    """Publish a draft version: older versions retire (their open assignments are replaced)
    and the audience is assigned in one statement."""
    ensure_manager(actor)
    programme = TrainingProgramme.objects.select_for_update().get(pk=programme.pk)
    if programme.status != TrainingProgramme.Status.DRAFT:
        raise DomainError(_("Only a draft version can be published."), code="not_draft")
    validate_programme(programme)
    if not programme.modules.exists():
        raise DomainError(_("Add at least one module before publishing."), code="no_modules")
    if programme.has_quiz and not programme.questions.exists():
        raise DomainError(
            _("The programme has a pass mark but no quiz questions."), code="no_questions"
        )
    now = now or timezone.now()
    older = TrainingProgramme.objects.filter(code=programme.code).exclude(pk=programme.pk)
    superseded = _supersede(list(older.values_list("pk", flat=True)), now=now, actor=actor)
    older.filter(status=TrainingProgramme.Status.PUBLISHED).update(
        status=TrainingProgramme.Status.RETIRED
    )
    programme.status = TrainingProgramme.Status.PUBLISHED
    programme.published_at = now
    programme.published_by = actor if getattr(actor, "is_authenticated", False) else None
    programme.cycle = 1
    programme.cycle_started_at = now
    programme.save()
    assigned = _assign(programme, reason=TrainingAssignment.Reason.PUBLISHED, now=now)
    record_decision(
        programme,
        action="publish",
        to_state="published",
        actor=actor,
        data={"assigned": assigned, "superseded": superseded},
    )
    return PublishResult(assigned=assigned, superseded=superseded)


def _supersede(programme_ids: list[int], *, now, actor=None) -> int:
    if not programme_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH done AS (
                UPDATE merchants_trainingassignment SET status = 'superseded'
                WHERE programme_id = ANY(%s) AND status = 'open'
                RETURNING id, restricted_at, lifted_at, merchant_id
            ), steps AS (
                INSERT INTO merchants_trainingstep (assignment_id, step, at, note)
                SELECT id, 'superseded', %s, '' FROM done
                ON CONFLICT DO NOTHING
            )
            SELECT count(*),
                   coalesce(array_agg(id) FILTER (WHERE restricted_at IS NOT NULL
                                                  AND lifted_at IS NULL), '{}'),
                   coalesce(array_agg(merchant_id) FILTER (WHERE restricted_at IS NOT NULL
                                                           AND lifted_at IS NULL), '{}')
            FROM done
            """,
            [programme_ids, now],
        )
        count_rows, ids, merchant_ids = cursor.fetchone()
    restricted = list(zip(ids, merchant_ids, strict=True))
    for assignment_id, merchant_id in restricted:
        _lift_for(
            assignment_id,
            merchant_id,
            now=now,
            by=actor,
            note_code=reason_texts.PROGRAMME_VERSION_CHANGED,
        )
    return count_rows


@transaction.atomic
def retire_programme(programme: TrainingProgramme, *, actor, now=None) -> int:
    ensure_manager(actor)
    now = now or timezone.now()
    count = _supersede([programme.pk], now=now, actor=actor)
    programme.status = TrainingProgramme.Status.RETIRED
    programme.save(update_fields=["status"])
    record_decision(programme, action="retire", to_state="retired", actor=actor)
    return count


# --- entering the audience ----------------------------------------------------------------------
def assign_entering(*, merchant_ids=None, audiences=None, now=None) -> int:
    """Assign the current cycle of each published programme to audience members that have
    none yet (new category, risk tier change, probation, a newly live merchant, a new member
    of a department). One statement per programme."""
    now = now or timezone.now()
    programmes = TrainingProgramme.objects.filter(status=TrainingProgramme.Status.PUBLISHED)
    if audiences is not None:
        programmes = programmes.filter(audience__in=audiences)
    total = 0
    for programme in programmes:
        total += _assign(
            programme, reason=TrainingAssignment.Reason.AUDIENCE, now=now, merchant_ids=merchant_ids
        )
    return total


def audience_changed(kind: str, *, merchant_ids=None, now=None) -> int:
    """Hook for other apps (reports after a risk recompute): members who entered an audience
    of this kind get their assignments."""
    return assign_entering(audiences=[kind], merchant_ids=merchant_ids, now=now)


@transaction.atomic
def assign_remedy(*, merchant: Merchant, programme, source: str, by=None, now=None):
    """A sanction (or staff) names training as the remedy: the merchant gets its own
    assignment of the published version of `programme` (a version or its code), keyed by
    `source` (e.g. "merchants.sanction:12"), so calling it again for the same source changes
    nothing. `on_training_completed` listeners hear when it is done."""
    now = now or timezone.now()
    code = programme if isinstance(programme, str) else programme.code
    published = TrainingProgramme.objects.filter(code=code, status="published").first()
    if published is None:
        raise DomainError(_("The programme has no published version."), code="not_published")
    assignment, _created = TrainingAssignment.objects.get_or_create(
        programme=published,
        cycle=published.cycle,
        merchant=merchant,
        source=source,
        defaults={
            "reason": TrainingAssignment.Reason.SANCTION
            if source.startswith("merchants.sanction")
            else TrainingAssignment.Reason.MANUAL,
            "assigned_at": now,
            "due_at": now + timedelta(days=published.window_days),
            "next_step_at": first_step_at(now + timedelta(days=published.window_days), now=now),
        },
    )
    if _created:
        code, params = remedy_source_note(source)
        record_decision(
            assignment,
            action="assign",
            actor=by,
            reason="" if code else source,
            data=reason_data(code, params),
        )
        _notify_assignment(assignment)
    return assignment


def _notify_assignment(assignment: TrainingAssignment) -> None:
    payload = {
        "programme": assignment.programme.names,
        "due": timezone.localtime(assignment.due_at).strftime("%Y-%m-%d"),
    }
    key = f"training_assigned:assignment:{assignment.pk}"
    if assignment.user_id:
        specs = [
            AlertSpec(
                "training_assigned",
                key,
                user_id=assignment.user_id,
                obj=assignment,
                payload=payload,
                url=STAFF_TRAINING_URL,
            )
        ]
    else:
        owners = Membership.objects.filter(
            merchant_id=assignment.merchant_id, role=Membership.Role.OWNER
        ).values_list("user_id", flat=True)
        specs = [
            AlertSpec(
                "training_assigned",
                f"{key}:user:{uid}",
                user_id=uid,
                obj=assignment,
                payload=payload,
                url=PORTAL_TRAINING_URL,
            )
            for uid in owners
        ]
    raise_alerts(specs)


# --- the sweep ----------------------------------------------------------------------------------
@dataclass
class TrainingSweepResult:
    recurred: int = 0
    assigned: int = 0
    reminders: int = 0
    overdue: int = 0
    restricted: int = 0
    merchant_ids: list[int] = field(default_factory=list)


def _recipients_sql(alias: str = "c") -> str:
    """Rows (assignment id, user id, url) for the assignee: the merchant's owners or the
    staff member."""
    return f"""
        SELECT {alias}.id, o.user_id, '{PORTAL_TRAINING_URL}' AS url
        FROM {alias} JOIN merchants_membership o
          ON o.merchant_id = {alias}.merchant_id AND o.role = 'owner'
        UNION ALL
        SELECT {alias}.id, {alias}.user_id, '{STAFF_TRAINING_URL}' AS url
        FROM {alias} WHERE {alias}.user_id IS NOT NULL
    """  # noqa: S608 - constants


def send_reminders(*, now=None) -> int:
    """One statement: open assignments whose next step time has come and that are not yet
    due get the smallest threshold they crossed (14, 3, 1 days) recorded, a step and an
    alert (unless that threshold was already sent), and their next step time moved on."""
    now = now or timezone.now()
    days = reminder_days(now)  # e.g. [14, 3, 1]
    if not days:
        return 0
    ascending = list(reversed(days))
    stage = (
        "CASE "
        + " ".join(f"WHEN a.due_at <= %(now)s + interval '{d} days' THEN {d}" for d in ascending)
        + " END"
    )
    # After a threshold, the next one (smaller), then the due date itself.
    following = (
        "CASE s.stage "
        + " ".join(f"WHEN {d} THEN t.due_at - interval '{nxt} days'" for d, nxt in pairwise(days))
        + " ELSE t.due_at END"
    )
    ct = ContentType.objects.get_for_model(TrainingAssignment).pk
    with_sql = f"""
        WITH c AS (
            UPDATE merchants_trainingassignment AS t
            SET reminded_days = CASE WHEN s.old IS NULL OR s.old > s.stage THEN s.stage
                                     ELSE s.old END,
                next_step_at = {following}
            FROM (
                SELECT a.id, a.reminded_days AS old, {stage} AS stage
                FROM merchants_trainingassignment a
                WHERE a.status = 'open' AND a.next_step_at <= %(now)s
                  AND a.due_at > %(now)s AND a.overdue_at IS NULL
            ) AS s
            WHERE t.id = s.id AND s.stage IS NOT NULL
            RETURNING t.id, t.merchant_id, t.user_id, t.programme_id, t.due_at, s.stage,
                      (s.old IS NULL OR s.old > s.stage) AS fresh
        ), steps AS (
            INSERT INTO merchants_trainingstep (assignment_id, step, at, note)
            SELECT c.id, 'reminder_' || c.stage, %(now)s, '' FROM c WHERE c.fresh
            ON CONFLICT DO NOTHING
        )
    """  # noqa: S608 - integers and constants only
    select_sql = f"""
        SELECT 'training_due', 'training_due:' || c.stage || ':assignment:' || c.id
               || ':user:' || r.user_id,
               r.user_id, NULL::integer, {ct}, c.id::text,
               jsonb_build_object('programme', jsonb_build_object('zh', p.title, 'en', p.title_en),
                                  'days', c.stage,
                                  'due', to_char(c.due_at AT TIME ZONE %(tz)s, 'YYYY-MM-DD')),
               r.url
        FROM (SELECT * FROM c WHERE c.fresh) AS c
        JOIN ({_recipients_sql()}) AS r(id, user_id, url) ON r.id = c.id
        JOIN merchants_trainingprogramme p ON p.id = c.programme_id
    """  # noqa: S608
    params = {"now": now, "tz": timezone.get_current_timezone_name()}
    ids = raise_alerts_from_select(select_sql, params, with_sql=with_sql, now=now)
    return len(ids)


def mark_overdue(*, now=None) -> int:
    """One statement: open assignments past their due date get `overdue_at`, a step and an
    alert to the assignee (and Merchant Management for merchants)."""
    now = now or timezone.now()
    ct = ContentType.objects.get_for_model(TrainingAssignment).pk
    with_sql = """
        WITH c AS (
            UPDATE merchants_trainingassignment SET overdue_at = %(now)s, next_step_at = NULL
            WHERE status = 'open' AND next_step_at <= %(now)s AND due_at <= %(now)s
              AND overdue_at IS NULL
            RETURNING id, merchant_id, user_id, programme_id, due_at
        ), steps AS (
            INSERT INTO merchants_trainingstep (assignment_id, step, at, note)
            SELECT c.id, 'overdue', %(now)s, '' FROM c
            ON CONFLICT DO NOTHING
        )
    """
    select_sql = f"""
        SELECT 'training_overdue', 'training_overdue:assignment:' || c.id || ':user:' || r.user_id,
               r.user_id, NULL::integer, {ct}, c.id::text,
               jsonb_build_object('programme', jsonb_build_object('zh', p.title, 'en', p.title_en),
                                  'due', to_char(c.due_at AT TIME ZONE %(tz)s, 'YYYY-MM-DD')),
               r.url
        FROM c JOIN ({_recipients_sql()}) AS r(id, user_id, url) ON r.id = c.id
        JOIN merchants_trainingprogramme p ON p.id = c.programme_id
    """  # noqa: S608
    params = {"now": now, "tz": timezone.get_current_timezone_name()}
    return len(raise_alerts_from_select(select_sql, params, with_sql=with_sql, now=now))


def restrict_overdue(*, now=None) -> list[int]:
    """Merchant assignments overdue for longer than the policy's grace: record the step in one
    statement, then restrict each newly reached merchant in the categories concerned (the
    programme's categories the merchant sells in; every category for other audiences)."""
    now = now or timezone.now()
    grace = int(policies.get(TRAINING, at=now)["restrict_after_days"])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH c AS (
                UPDATE merchants_trainingassignment AS t SET restricted_at = %(now)s
                FROM merchants_trainingprogramme p
                WHERE p.id = t.programme_id AND p.restricts_sales
                  AND t.status = 'open' AND t.merchant_id IS NOT NULL
                  AND t.overdue_at IS NOT NULL AND t.restricted_at IS NULL
                  AND t.due_at <= %(cutoff)s
                RETURNING t.id, t.merchant_id
            ), steps AS (
                INSERT INTO merchants_trainingstep (assignment_id, step, at, note)
                SELECT c.id, 'restricted', %(now)s, '' FROM c
                ON CONFLICT DO NOTHING
            )
            SELECT id, merchant_id FROM c
            """,
            {"now": now, "cutoff": now - timedelta(days=grace)},
        )
        reached = cursor.fetchall()
    merchants = set()
    for assignment_id, _merchant_id in reached:
        assignment = TrainingAssignment.objects.select_related("programme", "merchant").get(
            pk=assignment_id
        )
        _restrict_for(assignment, now=now)
        merchants.add(assignment.merchant_id)
    return sorted(merchants)


def restriction_source(assignment_id: int, category_id: int | None) -> str:
    return f"merchants.trainingassignment:{assignment_id}:{category_id or 'all'}"


def categories_concerned(assignment: TrainingAssignment) -> list:
    """The programme's categories the merchant sells in; [None] (the whole merchant) for a
    programme not about categories."""
    programme = assignment.programme
    if programme.audience != Audience.CATEGORIES:
        return [None]
    return list(programme.categories.filter(merchants=assignment.merchant_id).order_by("pk")) or [
        None
    ]


def _restrict_for(assignment: TrainingAssignment, *, now) -> None:
    params = {
        "programme_id": assignment.programme_id,
        "programme": str(assignment.programme),
        "due": timezone.localtime(assignment.due_at).strftime("%Y-%m-%d"),
    }
    for category in categories_concerned(assignment):
        restrict(
            merchant=assignment.merchant,
            kind=Restriction.Kind.SALES_RESTRICTION,
            reason=Restriction.Reason.TRAINING_OVERDUE,
            source=restriction_source(assignment.pk, getattr(category, "pk", None)),
            category=category,
            reason_code=reason_texts.TRAINING_OVERDUE,
            reason_params=params,
            starts_at=now,
        )


def _lift_for(assignment_id: int, merchant_id: int, *, now, by=None, note_code="") -> int:
    """Lift the assignment's overdue restrictions; `note_code`: why, a code of
    merchants.reason_texts (rendered in each reader's language)."""
    merchant = Merchant.objects.get(pk=merchant_id)
    sources = (
        Restriction.objects.filter(
            merchant_id=merchant_id,
            reason=Restriction.Reason.TRAINING_OVERDUE,
            source__startswith=f"merchants.trainingassignment:{assignment_id}:",
            lifted_at__isnull=True,
        )
        .values_list("source", flat=True)
        .distinct()
    )
    lifted = 0
    for source in list(sources):
        lifted += lift(
            merchant=merchant,
            reason=Restriction.Reason.TRAINING_OVERDUE,
            source=source,
            by=by,
            reason_code=note_code,
        )
    TrainingAssignment.objects.filter(pk=assignment_id).update(lifted_at=now)
    TrainingStep.objects.get_or_create(
        assignment_id=assignment_id,
        step="lifted",
        defaults={"at": now, "note_code": note_code, "note_params": {}},
    )
    return lifted


_RECUR = """
UPDATE merchants_trainingprogramme
SET cycle = cycle + 1,
    cycle_started_at = cycle_started_at + make_interval(months => recurrence_months)
WHERE status = 'published' AND recurrence_months > 0
  AND cycle_started_at + make_interval(months => recurrence_months) <= %s
RETURNING id
"""


def recur_programmes(*, now=None) -> int:
    """Programmes whose next cycle has started move to it and assign it (set-based)."""
    now = now or timezone.now()
    total = 0
    # A programme many cycles behind (the beat was down) catches up one cycle per loop.
    for _round in range(24):
        with connection.cursor() as cursor:
            cursor.execute(_RECUR, [now])
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            break
        for programme in TrainingProgramme.objects.filter(pk__in=ids):
            start = programme.cycle_started_at
            total += _assign(programme, reason=TrainingAssignment.Reason.RECURRENCE, now=start)
    return total


@transaction.atomic
def sweep_training(*, now=None) -> TrainingSweepResult:
    """The hourly sweep: recurrence, audience entries, reminders, overdue, restriction."""
    now = now or timezone.now()
    result = TrainingSweepResult()
    result.recurred = recur_programmes(now=now)
    result.assigned = assign_entering(now=now)
    result.reminders = send_reminders(now=now)
    result.overdue = mark_overdue(now=now)
    result.merchant_ids = restrict_overdue(now=now)
    result.restricted = len(result.merchant_ids)
    return result


# --- taking the training --------------------------------------------------------------------------
def assignments_for_merchant(merchant: Merchant):
    return (
        TrainingAssignment.objects.filter(merchant=merchant)
        .exclude(status=TrainingAssignment.Status.SUPERSEDED)
        .select_related("programme")
        .order_by("status", "due_at")
    )


def assignments_for_user(user):
    return (
        TrainingAssignment.objects.filter(user=user)
        .exclude(status=TrainingAssignment.Status.SUPERSEDED)
        .select_related("programme")
        .order_by("status", "due_at")
    )


def _ensure_open(assignment: TrainingAssignment) -> None:
    if assignment.status == TrainingAssignment.Status.COMPLETED:
        raise DomainError(_("This training is already completed."), code="completed")
    if assignment.status != TrainingAssignment.Status.OPEN:
        raise DomainError(
            _("This assignment was replaced by a newer version of the programme."),
            code="superseded",
        )


@transaction.atomic
def finish_modules(assignment: TrainingAssignment, *, actor, now=None) -> TrainingAssignment:
    """The assignee confirms they went through the modules; without a quiz that completes."""
    assignment = (
        TrainingAssignment.objects.select_for_update()
        .select_related("programme")
        .get(pk=assignment.pk)
    )
    ensure_can_take(actor, assignment)
    _ensure_open(assignment)
    now = now or timezone.now()
    if assignment.modules_done_at is None:
        assignment.modules_done_at = now
        assignment.save(update_fields=["modules_done_at"])
        TrainingStep.objects.get_or_create(
            assignment=assignment, step="modules_done", defaults={"at": now}
        )
    if not assignment.programme.has_quiz:
        return complete_assignment(assignment, by=actor, now=now, how="modules")
    return assignment


def attempts_left(assignment: TrainingAssignment) -> int:
    return max(assignment.programme.max_attempts - assignment.attempts.count(), 0)


@transaction.atomic
def start_quiz(assignment: TrainingAssignment, *, actor, now=None) -> dict:
    """Open an attempt window: returns a token the submission must carry."""
    assignment = (
        TrainingAssignment.objects.select_for_update()
        .select_related("programme")
        .get(pk=assignment.pk)
    )
    ensure_can_take(actor, assignment)
    _ensure_open(assignment)
    if not assignment.programme.has_quiz:
        raise DomainError(_("This programme has no quiz."), code="no_quiz")
    if attempts_left(assignment) <= 0:
        raise DomainError(
            _("You have used all %(count)s attempts allowed.")
            % {"count": assignment.programme.max_attempts},
            code="attempts_exhausted",
        )
    now = now or timezone.now()
    minutes = int(policies.get(TRAINING, at=now)["quiz_minutes"])
    token = signing.dumps({"a": assignment.pk, "t": now.isoformat()}, salt=QUIZ_SALT)
    return {"token": token, "started_at": now, "expires_at": now + timedelta(minutes=minutes)}


QUIZ_SALT = "merchants.training.quiz"


def _started_at(token: str, assignment: TrainingAssignment):
    """The start instant a quiz token carries (signed, so it cannot be moved)."""
    from django.utils.dateparse import parse_datetime

    try:
        data = signing.loads(token or "", salt=QUIZ_SALT)
    except signing.BadSignature:
        data = None
    if not data or data.get("a") != assignment.pk or not parse_datetime(data.get("t", "")):
        raise DomainError(_("Start the quiz before answering it."), code="not_started")
    return parse_datetime(data["t"])


def score_answers(programme: TrainingProgramme, answers: dict) -> tuple[int, dict]:
    """Percentage of questions answered with the correct choice (choices numbered from 1)."""
    questions = list(programme.questions.all())
    if not questions:
        return 100, {}
    correct = 0
    clean = {}
    for question in questions:
        raw = answers.get(str(question.pk), answers.get(question.pk))
        try:
            chosen = int(raw)
        except (TypeError, ValueError):
            chosen = None
        clean[str(question.pk)] = chosen
        if chosen == question.correct_choice:
            correct += 1
    return round(correct * 100 / len(questions)), clean


@transaction.atomic
def submit_quiz(
    assignment: TrainingAssignment, *, answers: dict, actor, token: str, now=None
) -> QuizAttempt:
    """Score an attempt. Refused: an assignment no longer open, an attempt beyond the allowed
    count, an attempt answered after its time window (the policy's quiz minutes from its
    start), or modules not yet completed."""
    assignment = (
        TrainingAssignment.objects.select_for_update()
        .select_related("programme")
        .get(pk=assignment.pk)
    )
    ensure_can_take(actor, assignment)
    _ensure_open(assignment)
    programme = assignment.programme
    if not programme.has_quiz:
        raise DomainError(_("This programme has no quiz."), code="no_quiz")
    now = now or timezone.now()
    if assignment.modules_done_at is None:
        raise DomainError(_("Please go through the modules first."), code="modules_first")
    used = assignment.attempts.count()
    if used >= programme.max_attempts:
        raise DomainError(
            _("You have used all %(count)s attempts allowed.") % {"count": programme.max_attempts},
            code="attempts_exhausted",
        )
    minutes = int(policies.get(TRAINING, at=now)["quiz_minutes"])
    started_at = _started_at(token, assignment)
    if started_at > now or now > started_at + timedelta(minutes=minutes):
        raise DomainError(
            _("The quiz was answered after its %(minutes)s-minute window; please start again.")
            % {"minutes": minutes},
            code="window_closed",
        )
    if not isinstance(answers, dict):
        raise DomainError({"answers": _("Answer each question.")}, code="answers")
    score, clean = score_answers(programme, answers)
    passed = score >= programme.pass_mark
    attempt = QuizAttempt.objects.create(
        assignment=assignment,
        number=used + 1,
        answers=clean,
        score=score,
        passed=passed,
        submitted_by=actor,
        submitted_at=now,
    )
    TrainingStep.objects.get_or_create(
        assignment=assignment,
        step=f"attempt_{attempt.number}",
        defaults={
            "at": now,
            "note_code": reason_texts.QUIZ_SCORED,
            "note_params": {"score": score},
        },
    )
    if passed:
        complete_assignment(assignment, by=actor, now=now, how="quiz")
    return attempt


def remedy_source_note(source: str) -> tuple[str, dict]:
    """The code and parameters of what asked for a remedy assignment: a sanction
    ("merchants.sanction:<id>"); ("", {}) for anything else (kept as written)."""
    kind, _sep, sanction_id = source.partition(":")
    if kind == "merchants.sanction" and sanction_id.isdigit():
        return reason_texts.ASSIGNED_BY_SANCTION, {"id": int(sanction_id)}
    return "", {}


def completion_note(how: str) -> tuple[str, dict]:
    """The code and parameters (merchants.reason_texts) of how an assignment was completed:
    "modules", "quiz" or "session:<id>"; ("", {}) for anything else (kept as text)."""
    if how == "modules":
        return reason_texts.COMPLETED_BY_MODULES, {}
    if how == "quiz":
        return reason_texts.COMPLETED_BY_QUIZ, {}
    kind, _sep, session_id = how.partition(":")
    if kind == "session" and session_id.isdigit():
        return reason_texts.COMPLETED_BY_SESSION, {"session_id": int(session_id)}
    return "", {}


@transaction.atomic
def complete_assignment(
    assignment: TrainingAssignment, *, by=None, now=None, how: str = ""
) -> TrainingAssignment:
    """Completion: the certificate number, a step, and the overdue restriction lifted."""
    assignment = TrainingAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status != TrainingAssignment.Status.OPEN:
        return assignment
    now = now or timezone.now()
    assignment.status = TrainingAssignment.Status.COMPLETED
    assignment.completed_at = now
    assignment.next_step_at = None
    assignment.certificate_number = (
        f"TR-{timezone.localtime(now):%Y%m}-{assignment.pk:07d}-{uuid.uuid4().hex[:4].upper()}"
    )
    assignment.save(update_fields=["status", "completed_at", "certificate_number", "next_step_at"])
    code, params = completion_note(how)
    TrainingStep.objects.get_or_create(
        assignment=assignment,
        step="completed",
        defaults={
            "at": now,
            "note": "" if code else how,
            "note_code": code,
            "note_params": params,
        },
    )
    record_decision(
        assignment,
        action="complete",
        to_state="completed",
        actor=by,
        reason="" if code else how,
        data=reason_data(code, params),
    )
    if assignment.restricted_at is not None and assignment.merchant_id:
        _lift_for(
            assignment.pk,
            assignment.merchant_id,
            now=now,
            by=by,
            note_code=reason_texts.TRAINING_COMPLETED,
        )
    for listener in COMPLETION_LISTENERS:
        listener(assignment)
    return assignment


# Other capabilities (a sanction whose remedy is training) hear of completions without this
# module knowing them: listener(assignment); `assignment.source` names what asked for it.
COMPLETION_LISTENERS: list = []


def on_training_completed(listener):
    if listener not in COMPLETION_LISTENERS:
        COMPLETION_LISTENERS.append(listener)
    return listener


@transaction.atomic
def extend_assignment(assignment: TrainingAssignment, *, due_at, actor, reason: str):
    """Staff move a due date (e.g. a merchant on leave); a restriction already applied stays
    until completion."""
    ensure_manager(actor)
    assignment = TrainingAssignment.objects.select_for_update().get(pk=assignment.pk)
    _ensure_open(assignment)
    if not (reason or "").strip():
        raise DomainError(_("Please give a reason."), code="reason_required")
    if due_at <= timezone.now():
        raise DomainError({"due_at": _("The new due date must be in the future.")}, code="past")
    old = assignment.due_at
    assignment.due_at = due_at
    assignment.reminded_days = None
    assignment.overdue_at = None if assignment.restricted_at is None else assignment.overdue_at
    assignment.next_step_at = first_step_at(due_at) if assignment.overdue_at is None else None
    assignment.save(update_fields=["due_at", "reminded_days", "overdue_at", "next_step_at"])
    record_decision(
        assignment,
        action="extend",
        actor=actor,
        reason=reason,
        data={"from": old.isoformat(), "to": due_at.isoformat()},
    )
    return assignment


# --- sessions ------------------------------------------------------------------------------
def seats_left(session: TrainingSession) -> int | None:
    if session.capacity is None:
        return None
    return max(session.capacity - session.attendances.count(), 0)


@transaction.atomic
def register_for_session(*, session: TrainingSession, actor) -> TrainingAttendance:
    """A merchant (or, for staff sessions, a staff member) takes a seat."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.starts_at <= timezone.now():
        raise DomainError(_("This session has already started."), code="started")
    if session.capacity is not None and session.attendances.count() >= session.capacity:
        raise DomainError(_("This session is full."), code="full")
    if session.for_staff:
        if not has_role(actor, *Role.values):
            raise NotAllowed(_("This session is for staff."), code="staff_session")
        try:
            with transaction.atomic():
                return TrainingAttendance.objects.create(session=session, attendee=actor)
        except IntegrityError:
            raise DomainError(
                _("You are already registered for this session."), code="registered"
            ) from None
    merchant = merchant_of(actor)
    if merchant is None:
        raise NotAllowed(_("Only merchants can register for this session."), code="merchant_only")
    attendance, created = TrainingAttendance.objects.get_or_create(
        session=session, merchant=merchant, defaults={"attendee": actor}
    )
    if not created:
        raise DomainError(
            _("Your merchant is already registered for this session."), code="registered"
        )
    return attendance


def session_attended(attendance: TrainingAttendance, *, actor) -> None:
    """After staff record attendance: the session's programme is completed for the attendee."""
    programme = attendance.session.programme
    if programme is None:
        return
    open_ones = TrainingAssignment.objects.filter(
        programme__code=programme.code, status=TrainingAssignment.Status.OPEN
    )
    if attendance.merchant_id:
        open_ones = open_ones.filter(merchant_id=attendance.merchant_id)
    else:
        open_ones = open_ones.filter(user_id=attendance.attendee_id)
    for assignment in open_ones:
        complete_assignment(assignment, by=actor, how=f"session:{attendance.session_id}")


@transaction.atomic
def record_attendance(*, session: TrainingSession, attendance_ids: list[int], actor) -> int:
    """Staff mark registered attendees as present (and completed)."""
    ensure_manager(actor)
    now = timezone.now()
    count = 0
    for attendance in (
        session.attendances.select_for_update(of=("self",))
        .filter(pk__in=attendance_ids, completed_at__isnull=True)
        .select_related("session__programme")
    ):
        attendance.completed_at = now
        attendance.recorded_by = actor
        attendance.save(update_fields=["completed_at", "recorded_by"])
        session_attended(attendance, actor=actor)
        count += 1
    record_decision(session, action="attendance", actor=actor, data={"count": count})
    return count


# --- figures -------------------------------------------------------------------------------
def completion_by_programme(*, staff: bool | None = None):
    """Per published/retired programme version: assigned, completed, overdue, rate."""
    now = timezone.now()
    qs = TrainingProgramme.objects.exclude(status=TrainingProgramme.Status.DRAFT)
    if staff is True:
        qs = qs.filter(audience=Audience.STAFF)
    elif staff is False:
        qs = qs.exclude(audience=Audience.STAFF)
    live = ~Q(assignments__status="superseded")
    qs = qs.annotate(
        assigned=Count("assignments", filter=live),
        completed=Count("assignments", filter=Q(assignments__status="completed")),
        overdue=Count(
            "assignments",
            filter=Q(assignments__status="open", assignments__due_at__lte=now),
        ),
    ).order_by("code", "-version")
    rows = []
    for p in qs:
        rows.append(
            {
                "programme": p,
                "assigned": p.assigned,
                "completed": p.completed,
                "overdue": p.overdue,
                "rate": (p.completed / p.assigned) if p.assigned else None,
            }
        )
    return rows


# One row per assignment that counts (not superseded), as of %(now)s: completed by then,
# overdue by then. Other apps compose it (never re-derive from the assignment table).
ASSIGNMENT_FACTS_SQL = """
    SELECT a.id, a.merchant_id, a.user_id, a.programme_id, a.due_at, a.assigned_at,
           (a.completed_at IS NOT NULL AND a.completed_at <= %(now)s) AS completed,
           (a.due_at <= %(now)s AND (a.completed_at IS NULL OR a.completed_at > %(now)s))
               AS overdue
    FROM merchants_trainingassignment a
    WHERE a.status <> 'superseded' AND a.assigned_at <= %(now)s
"""


def _rate(done, total):
    return round(done / total, 4) if total else None


def completion_figures(*, now=None, due_from=None, due_until=None, category_ids=None) -> dict:
    """Completion per programme version, per category and per risk tier (JSON-ready, for the
    dashboards and the quarterly snapshot). `due_from`/`due_until` keep assignments due in a
    period; `category_ids` keeps merchants selling in those categories (staff rows then drop
    out). Three aggregate statements."""
    now = now or timezone.now()
    params = {"now": now, "due_from": due_from, "due_until": due_until, "cats": category_ids}
    where = " WHERE true"
    if due_from is not None:
        where += " AND f.due_at >= %(due_from)s"
    if due_until is not None:
        where += " AND f.due_at < %(due_until)s"
    if category_ids is not None:
        where += (
            " AND EXISTS (SELECT 1 FROM merchants_merchant_categories x "
            "WHERE x.merchant_id = f.merchant_id AND x.category_id = ANY(%(cats)s))"
        )
    facts = f"(SELECT f.* FROM ({ASSIGNMENT_FACTS_SQL}) f {where})"  # noqa: S608
    counts = "count(*), count(*) FILTER (WHERE f.completed), count(*) FILTER (WHERE f.overdue)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT p.code, p.title, p.title_en, p.version, p.audience, {counts}
                FROM {facts} f JOIN merchants_trainingprogramme p ON p.id = f.programme_id
                GROUP BY p.code, p.title, p.title_en, p.version, p.audience
                ORDER BY p.code, p.version""",  # noqa: S608 - fragments of ours
            params,
        )
        programmes = [
            {
                "code": code,
                "title": title,
                "title_en": title_en,
                "version": version,
                "staff": audience == Audience.STAFF,
                "assigned": n,
                "completed": done,
                "overdue": late,
                "rate": _rate(done, n),
            }
            for code, title, title_en, version, audience, n, done, late in cursor.fetchall()
        ]
        cursor.execute(
            f"""SELECT c.id, c.code, c.name_zh, c.name_en, {counts}
                FROM {facts} f
                JOIN merchants_merchant_categories mc ON mc.merchant_id = f.merchant_id
                JOIN core_category c ON c.id = mc.category_id
                GROUP BY c.id, c.code, c.name_zh, c.name_en ORDER BY c.code""",  # noqa: S608
            params,
        )
        categories = [
            {
                "category_id": cid,
                "code": code,
                "name_zh": name_zh,
                "name_en": name_en,
                "assigned": n,
                "completed": done,
                "overdue": late,
                "rate": _rate(done, n),
            }
            for cid, code, name_zh, name_en, n, done, late in cursor.fetchall()
        ]
        cursor.execute(
            f"""SELECT coalesce(t.tier, ''), {counts}
                FROM {facts} f LEFT JOIN ({_tier_sql()}) t ON t.merchant_id = f.merchant_id
                WHERE f.merchant_id IS NOT NULL
                GROUP BY 1 ORDER BY 1""",  # noqa: S608
            params,
        )
        tiers = [
            {
                "tier": tier,
                "assigned": n,
                "completed": done,
                "overdue": late,
                "rate": _rate(done, n),
            }
            for tier, n, done, late in cursor.fetchall()
        ]
    order = {"high": 0, "medium": 1, "low": 2, "": 3}
    tiers.sort(key=lambda row: order.get(row["tier"], 4))
    return {"programmes": programmes, "categories": categories, "tiers": tiers}


def completion_by_category(*, since=None, until=None) -> list[dict]:
    """Merchant assignments per category the merchant sells in (the staff overview page)."""
    from core.models import Category

    rows = completion_figures(due_from=since, due_until=until)["categories"]
    names = {c.pk: c for c in Category.objects.filter(pk__in=[r["category_id"] for r in rows])}
    return [{**row, "category": names.get(row["category_id"])} for row in rows]


def staff_completion(*, department=None):
    """Staff assignments with their assignee, for supervisors."""
    qs = (
        TrainingAssignment.objects.filter(user__isnull=False)
        .exclude(status=TrainingAssignment.Status.SUPERSEDED)
        .select_related("programme", "user")
        .order_by("programme__title", "user__username")
    )
    if department is not None:
        qs = qs.filter(programme__department=department)
    return qs


def modules_of(assignment: TrainingAssignment):
    return TrainingModule.objects.filter(programme=assignment.programme).prefetch_related(
        "materials__file"
    )


def assignments_visible_to(user):
    """Supervisors (Merchant Management, Quality Managers) see every assignment; a merchant
    user their merchant's; any other staff member their own."""
    qs = TrainingAssignment.objects.select_related("programme")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if can_supervise(user):
        return qs
    merchant = merchant_of(user)
    if merchant is not None:
        return qs.filter(merchant=merchant)
    return qs.filter(user=user)


def sessions_visible_to(user):
    """Staff see every session; merchant users the merchant sessions."""
    if not getattr(user, "is_authenticated", False):
        return TrainingSession.objects.none()
    if has_role(user, *Role.values):
        return TrainingSession.objects.all()
    return TrainingSession.objects.filter(for_staff=False)

"""Merchant standing: the rules catalogue, the points ledger, the sanction ladder, manual
sanctions, appeals and the daily sweep.

Concurrency: every write that reads a merchant's points and then acts on them (recording a
violation, withdrawing one, the sweep lowering the ladder step) first locks the merchant
row, so two violations arriving together see each other's points and a ladder step is
applied once per crossing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import policies
from core.alerts import AlertSpec, raise_alerts, raise_alerts_from_select
from core.audit import SYSTEM, Workflow, batched_decisions, record_decision
from core.db import advisory_xact_lock, in_ids, insert_new
from core.exceptions import DomainError, NotAllowed
from core.roles import Role, has_role
from core.uploads import atomic_with_uploads, store_upload, validate_upload
from merchants import points as ladder_rules
from merchants import reason_texts
from merchants.models import (
    Appeal,
    Merchant,
    MerchantStanding,
    Restriction,
    Sanction,
    Severity,
    ViolationEntry,
    ViolationRule,
)
from merchants.policies import APPEALS, LADDER, POINTS
from merchants.selectors import active_restrictions, merchant_of, owners_by_merchant
from merchants.services.selling import (
    _after_restriction_change,
    after_restrictions_change,
    lift,
    reason_data,
    restrict,
)

SANCTION_SOURCE = "merchants.sanction:%s"
SWEEP_LABEL = f"{SYSTEM}:merchants.standing-sweep"
_CODE = re.compile(r"^[a-z0-9_]+$")


# --- rules catalogue --------------------------------------------------------------------
def rule_in_force(code: str, *, at=None) -> ViolationRule:
    """The version of a rule in force at `at`; DomainError when none is."""
    at = at or timezone.now()
    rule = (
        ViolationRule.objects.filter(code=code, effective_from__lte=at)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gt=at))
        .order_by("-effective_from", "-version")
        .first()
    )
    if rule is None:
        raise DomainError(
            _("No version of the rule “%(code)s” was in force on %(at)s.")
            % {"code": code, "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")},
            code="rule_not_in_force",
        )
    return rule


@transaction.atomic
def publish_rule_version(
    *,
    code: str,
    title_zh: str,
    title_en: str,
    points,
    severity: str,
    effective_from=None,
    by=None,
    note: str = "",
) -> ViolationRule:
    """Add the next version of a rule (or its first). The previous version stays as it was
    and stops being in force when the new one starts."""
    code = (code or "").strip()
    if not _CODE.match(code):
        raise DomainError(_("A rule code uses lower-case letters, digits and underscores."))
    if not (title_zh or "").strip() or not (title_en or "").strip():
        raise DomainError(_("A rule needs a Chinese and an English title."))
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise DomainError(_("A rule's points must be a positive whole number."), code="points")
    if severity not in Severity.values:
        raise DomainError(_("Unknown severity “%(severity)s”.") % {"severity": severity})
    effective_from = effective_from or timezone.now()
    advisory_xact_lock(f"violation-rule:{code}")  # number versions one at a time per code
    last = ViolationRule.objects.filter(code=code).order_by("-version").first()
    if last is not None:
        if not (note or "").strip():
            raise DomainError(_("Say why the rule changes (the note is required)."))
        if effective_from <= last.effective_from:
            raise DomainError(
                _("The new version must start after version %(version)s (%(at)s).")
                % {
                    "version": last.version,
                    "at": timezone.localtime(last.effective_from).strftime("%Y-%m-%d %H:%M"),
                }
            )
        if last.effective_until is None or last.effective_until > effective_from:
            last.effective_until = effective_from
            last.save(update_fields=["effective_until"])
    rule = ViolationRule.objects.create(
        code=code,
        version=(last.version + 1) if last else 1,
        title_zh=title_zh.strip(),
        title_en=title_en.strip(),
        points=points,
        severity=severity,
        effective_from=effective_from,
        note=note,
        created_by=_user(by),
    )
    record_decision(
        rule, action="publish", to_state=f"v{rule.version}", actor=by, reason=note or ""
    )
    return rule


# --- points -----------------------------------------------------------------------------
def current_points(merchant: Merchant, at=None) -> int:
    """Points a merchant carries at `at` (now): unexpired, non-withdrawn entries."""
    if at is None:
        counting = counting_entries(merchant)
    else:
        counting = ViolationEntry.objects.filter(
            Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at),
            merchant=merchant,
            occurred_at__lte=at,
            expires_at__gt=at,
        )
    return counting.aggregate(total=Sum("points"))["total"] or 0


def counting_entries(merchant: Merchant):
    return _counting().filter(merchant=merchant)


def _counting():
    """The entries that count now: active and not yet expired."""
    return ViolationEntry.objects.filter(
        status=ViolationEntry.Status.ACTIVE, expires_at__gt=timezone.now()
    )


@dataclass(frozen=True)
class ViolationSpec:
    """One violation to record (`record_violations`): the arguments of `record_violation`."""

    merchant: Merchant
    rule_code: str
    evidence: object
    occurred_at: datetime | None = None
    note: str = ""
    note_code: str = ""
    note_params: dict | None = None
    evidence_file: object = None


@transaction.atomic
def record_violation(
    *,
    merchant: Merchant,
    rule_code: str,
    evidence,
    recorded_by=None,
    occurred_at=None,
    note="",
    note_code="",
    note_params=None,
    evidence_file=None,
) -> ViolationEntry | None:
    """Add a violation to the merchant's ledger and apply the sanction ladder. A note the
    system writes is a code of merchants.reason_texts and its parameters (`note_code`,
    `note_params`), read in each reader's language; staff's `note` is kept as typed.

    Idempotent per (evidence object, rule code): a second call returns None and changes
    nothing. Refuses when no version of the rule was in force when it happened.
    """
    spec = ViolationSpec(
        merchant=merchant,
        rule_code=rule_code,
        evidence=evidence,
        occurred_at=occurred_at,
        note=note,
        note_code=note_code,
        note_params=note_params,
        evidence_file=evidence_file,
    )
    return record_violations([spec], recorded_by=recorded_by)[0]


@transaction.atomic
def record_violations(specs, *, recorded_by=None) -> list[ViolationEntry | None]:
    """`record_violation` for many violations at once, in a number of statements that does
    not grow with them: the merchants locked in one, the entries in one INSERT that skips
    each (evidence, rule) already in the ledger, their decisions and the owners' alerts in
    one each, then the ladder and the merchant status for the merchants that got an entry
    (a merchant that crosses a ladder step gets its sanctions one by one, a rare event).
    A merchant with several entries in one call gets the ladder applied once, for their
    sum, as one violation crossing several steps would.

    Returns, for each spec in order, the entry it added, or None when it was recorded
    before. Refuses everything when one spec is refused."""
    specs = list(specs)
    if not specs:
        return []
    now = timezone.now()
    rules, expiry = {}, {}
    prepared = []
    for spec in specs:
        occurred_at = spec.occurred_at or now
        if occurred_at > now + timedelta(minutes=5):
            raise DomainError(_("A violation cannot have happened in the future."))
        if spec.evidence is None or getattr(spec.evidence, "pk", None) is None:
            raise DomainError(_("A violation needs the evidence that shows it (a saved object)."))
        if (spec.rule_code, occurred_at) not in rules:
            rules[spec.rule_code, occurred_at] = rule_in_force(spec.rule_code, at=occurred_at)
        if occurred_at not in expiry:
            expiry[occurred_at] = policies.get(POINTS, at=occurred_at)["expire_after_days"]
        days = expiry[occurred_at]
        expires_at = occurred_at + timedelta(days=days)
        if expires_at <= now:
            raise DomainError(
                _(
                    "This violation is older than %(days)s days: its points would already "
                    "have expired."
                )
                % {"days": days}
            )
        prepared.append((spec, rules[spec.rule_code, occurred_at], occurred_at, expires_at))
    merchants = _lock_many({spec.merchant.pk for spec in specs})
    appeal_until = _appeal_until(now)
    entries = [
        ViolationEntry(
            merchant=merchants[spec.merchant.pk],
            rule=rule,
            rule_code=rule.code,
            points=rule.points,
            evidence_type=ContentType.objects.get_for_model(spec.evidence),
            evidence_id=str(spec.evidence.pk),
            occurred_at=occurred_at,
            expires_at=expires_at,
            recorded_by=_user(recorded_by),
            recorded_at=now,
            appeal_until=appeal_until,
            note="" if spec.note_code else spec.note or "",
            note_code=spec.note_code,
            note_params=spec.note_params or {},
            evidence_file=spec.evidence_file,
        )
        for spec, rule, occurred_at, expires_at in prepared
    ]
    recorded = insert_new(
        entries,
        key=("evidence_type", "evidence_id", "rule_code"),
        conflict="ON CONSTRAINT violation_once_per_evidence_rule",
    )
    if not recorded:
        return [None] * len(specs)
    with batched_decisions():
        for entry in recorded:
            record_decision(
                entry,
                action="record",
                to_state=entry.status,
                actor=recorded_by,
                reason=entry.note,
                data={
                    "rule": entry.rule.code,
                    "version": entry.rule.version,
                    "points": entry.rule.points,
                    **reason_data(entry.note_code, entry.note_params),
                },
            )
    _notify_owners_many(
        Notice(
            merchant=entry.merchant,
            kind="violation_recorded",
            key=f"violation_recorded:entry:{entry.pk}",
            obj=entry,
            payload={
                "merchant": entry.merchant.legal_name,
                "points": entry.points,
                "rule": entry.rule.code,
                "expires": _day(entry.expires_at),
            },
        )
        for entry in recorded
    )
    touched = list({entry.merchant_id: entry.merchant for entry in recorded}.values())
    _apply_ladders(touched, now=now)
    _sync_statuses(touched, by=recorded_by)
    return [entry if entry.pk is not None else None for entry in entries]


RECORDERS = (Role.MERCHANT_MANAGEMENT, Role.QUALITY_MANAGEMENT)
# What staff may link as the evidence of a violation recorded by hand ("app_label.model"
# of the higher apps' models, named, never imported), besides an uploaded file.
EVIDENCE_MODELS = (
    "complaints.case",
    "complaints.qualityincident",
    "inspections.inspection",
    "products.product",
    "products.lot",
    "reviews.productreview",
    "merchants.document",
)


def evidence_kinds() -> list[tuple[str, str]]:
    """(app_label.model, name) of the objects that may be linked as evidence, in the
    reader's language."""
    kinds = []
    for label in EVIDENCE_MODELS:
        app_label, _dot, model = label.partition(".")
        try:
            model_class = apps.get_model(app_label, model)
        except LookupError:
            continue
        kinds.append((label, str(model_class._meta.verbose_name).capitalize()))
    return kinds


def find_evidence(type_label: str, object_id: str):
    """The evidence object named by "app_label.model" and its id; DomainError (keyed on
    the evidence) when the kind may not be evidence or no such object exists."""
    if type_label not in EVIDENCE_MODELS:
        raise DomainError(
            {"evidence": _("This kind of object cannot be linked as evidence.")},
            code="evidence_kind",
        )
    app_label, _dot, model = type_label.partition(".")
    try:
        return apps.get_model(app_label, model)._default_manager.get(pk=(object_id or "").strip())
    except (LookupError, ObjectDoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise DomainError(
            {
                "evidence": _("No %(kind)s with the id “%(id)s” exists.")
                % {"kind": dict(evidence_kinds()).get(type_label, type_label), "id": object_id}
            },
            code="evidence_missing",
        ) from exc


def may_record_violations(user) -> bool:
    return has_role(user, *RECORDERS)


@atomic_with_uploads()
def record_violation_by_hand(
    *,
    merchant: Merchant,
    rule_code: str,
    by,
    note: str,
    evidence=None,
    evidence_file=None,
    occurred_at=None,
) -> ViolationEntry:
    """Staff record a violation against a rule of the catalogue, with its evidence: an
    existing object (a case, an inspection, a product...), an uploaded file (stored through
    core.uploads), or both (the object is the evidence, the file is attached). The one entry
    point of the admin, the staff page and the API.

    Refused, with nothing stored: a user outside Merchant Management and Quality
    Management, a rule not in force when it happened, no evidence, evidence about another
    merchant, a bad file, and a second record for the same evidence and rule (the error
    names the entry already there).
    """
    if not may_record_violations(by):
        raise NotAllowed(
            _("Only Merchant Management or Quality Management staff record violations.")
        )
    errors = {}
    note = (note or "").strip()
    if not note:
        errors["note"] = _("Say what happened (the note is required).")
    if evidence is None and not evidence_file:
        errors["evidence"] = _("Attach a file or link the object that shows the violation.")
    elif evidence is not None and getattr(evidence, "pk", None) is None:
        errors["evidence"] = _("The linked evidence must be a saved object.")
    elif evidence is not None and evidence._meta.label_lower not in EVIDENCE_MODELS:
        errors["evidence"] = _("This kind of object cannot be linked as evidence.")
    elif getattr(evidence, "merchant_id", merchant.pk) != merchant.pk:
        errors["evidence"] = _("This evidence concerns another merchant.")
    occurred_at = occurred_at or timezone.now()
    try:
        rule_in_force(rule_code, at=occurred_at)
    except DomainError as error:
        errors["rule_code"] = error
    checked = None
    if evidence_file:
        try:
            checked = validate_upload(evidence_file)
        except ValidationError as error:
            errors["evidence_file"] = error
    if errors:
        raise DomainError(errors)
    existing = _entry_for_evidence(merchant, rule_code, evidence, checked)
    if existing is not None:
        raise _already_recorded(existing)
    upload = store_upload(evidence_file, uploaded_by=by) if evidence_file else None
    entry = record_violation(
        merchant=merchant,
        rule_code=rule_code,
        evidence=evidence if evidence is not None else upload,
        recorded_by=by,
        occurred_at=occurred_at,
        note=note,
        evidence_file=upload if evidence is not None else None,
    )
    if entry is None:  # recorded by someone else in the meantime
        raise _already_recorded(_entry_for_evidence(merchant, rule_code, evidence, checked))
    return entry


def _entry_for_evidence(merchant, rule_code, evidence, checked) -> ViolationEntry | None:
    """The entry already recorded for this evidence and rule: the same object, or (file
    only) a file with the same content for the same merchant."""
    if evidence is not None:
        return ViolationEntry.objects.filter(
            evidence_type=ContentType.objects.get_for_model(evidence),
            evidence_id=str(evidence.pk),
            rule_code=rule_code,
        ).first()
    if checked is None:
        return None
    from core.models import Upload

    same_files = Upload.objects.filter(sha256=checked.sha256)
    return (
        ViolationEntry.objects.filter(merchant=merchant, rule_code=rule_code)
        .filter(
            Q(
                evidence_type=ContentType.objects.get_for_model(Upload),
                evidence_id__in=[str(pk) for pk in same_files.values_list("pk", flat=True)],
            )
            | Q(evidence_file__in=same_files)
        )
        .first()
    )


def _already_recorded(entry: ViolationEntry | None) -> DomainError:
    if entry is None:
        return DomainError(
            _("This violation is already recorded for this evidence; nothing was added."),
            code="already_recorded",
        )
    return DomainError(
        _(
            "A “%(rule)s” violation is already recorded for this evidence (ledger entry "
            "#%(id)s of %(date)s); nothing was added."
        )
        % {"rule": entry.rule.title, "id": entry.pk, "date": _day(entry.recorded_at)},
        code="already_recorded",
    )


@transaction.atomic
def withdraw_violation(
    *, evidence, rule_code: str, by, reason: str = "", reason_code: str = "", reason_params=None
) -> ViolationEntry:
    """Take an entry off the ledger (a re-test overturned the verdict, an appeal was upheld)
    and undo the ladder sanctions it no longer justifies. `reason`: staff's words; the system
    gives a code of merchants.reason_texts and its parameters instead."""
    if evidence is None or getattr(evidence, "pk", None) is None:
        raise DomainError(_("Name the evidence whose violation is withdrawn."))
    entry = ViolationEntry.objects.filter(
        evidence_type=ContentType.objects.get_for_model(evidence),
        evidence_id=str(evidence.pk),
        rule_code=rule_code,
    ).first()
    if entry is None:
        raise DomainError(
            _("No “%(code)s” violation is recorded for this evidence.") % {"code": rule_code}
        )
    return _withdraw(
        entry, by=by, reason=reason, reason_code=reason_code, reason_params=reason_params
    )


def _withdraw(
    entry: ViolationEntry, *, by, reason: str = "", reason_code: str = "", reason_params=None
) -> ViolationEntry:
    if not (reason_code or (reason or "").strip()):
        raise DomainError(_("Give the reason for withdrawing the violation."))
    merchant = _lock(entry.merchant)
    entry.refresh_from_db()
    if entry.status == ViolationEntry.Status.WITHDRAWN:
        return entry
    previous = entry.status
    entry.status = ViolationEntry.Status.WITHDRAWN
    entry.withdrawn_at = timezone.now()
    entry.withdrawn_by = _user(by)
    entry.withdrawal_reason = "" if reason_code else reason
    entry.withdrawal_code = reason_code
    entry.withdrawal_params = (reason_params or {}) if reason_code else {}
    entry.save(
        update_fields=[
            "status",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_reason",
            "withdrawal_code",
            "withdrawal_params",
        ]
    )
    coded = {"reason_code": entry.withdrawal_code, "reason_params": entry.withdrawal_params}
    record_decision(
        entry,
        action="withdraw",
        from_state=previous,
        to_state=entry.status,
        actor=by,
        reason=entry.withdrawal_reason,
        data=reason_data(entry.withdrawal_code, entry.withdrawal_params),
    )
    _undo_unjustified_sanctions(merchant, by=by, reason=entry.withdrawal_reason, **coded)
    _sync_status(merchant, by=by, reason=entry.withdrawal_reason, **coded)
    return entry


# --- the ladder -------------------------------------------------------------------------
def ladder_in_force():
    version = policies.ensure_version(LADDER)
    return version, ladder_rules.parse_ladder(version.value["steps"])


def _standing(merchant: Merchant) -> MerchantStanding:
    # Only called with the merchant row locked, so get_or_create cannot race.
    return MerchantStanding.objects.get_or_create(merchant=merchant)[0]


def _standings(merchants) -> dict[int, MerchantStanding]:
    """The standings of these merchants, the missing ones created (two statements). Only
    called with the merchant rows locked, so the insert cannot race."""
    ids = [merchant.pk for merchant in merchants]
    MerchantStanding.objects.bulk_create(
        [MerchantStanding(merchant_id=pk) for pk in ids], ignore_conflicts=True
    )
    return {
        standing.merchant_id: standing
        for standing in MerchantStanding.objects.filter(in_ids("merchant_id", ids))
    }


def _apply_ladders(merchants, *, now) -> list[Sanction]:
    """Apply the steps each merchant's points newly reach (once each), and track the step
    held. A violation that crosses several steps applies every step's lasting consequence:
    each warning, and each restriction the highest step's does not cover; the highest step
    is applied in full. The points and standings of all the merchants are read at once; a
    merchant that crosses a step gets its sanctions one by one."""
    version, ladder = ladder_in_force()
    standings = _standings(merchants)
    totals = dict(
        _counting()
        .filter(in_ids("merchant_id", standings))
        .order_by()
        .values("merchant_id")
        .annotate(total=Sum("points"))
        .values_list("merchant_id", "total")
    )
    imposed, moved = [], []
    for merchant in merchants:
        standing, total = standings[merchant.pk], totals.get(merchant.pk, 0)
        crossed = ladder_rules.steps_crossed(standing.ladder_step, total, ladder)
        if crossed:
            entries = list(counting_entries(merchant))
            top = crossed[-1]
            for step in crossed:
                imposed += _impose_step(
                    merchant,
                    step,
                    version=version,
                    total=total,
                    entries=entries,
                    starts_at=now,
                    main=step is top or not ladder_rules.superseded(step, top),
                )
        reached = ladder_rules.step_for(total, ladder)
        held = reached.points if reached else 0
        if held != standing.ladder_step:
            standing.ladder_step, standing.updated_at = held, timezone.now()
            moved.append(standing)
    MerchantStanding.objects.bulk_update(moved, ["ladder_step", "updated_at"])
    return imposed


def _impose_step(
    merchant, step, *, version, total, entries, starts_at, replaces=None, main=True
) -> list[Sanction]:
    """The sanctions of one ladder step: an optional warning plus the restriction (unless
    `main` is False: a higher step crossed at the same time covers it)."""
    now = timezone.now()
    reason = _("%(points)s points reached the %(step)s-point step of the sanction ladder.") % {
        "points": total,
        "step": step.points,
    }
    if replaces is not None:
        reason = _(
            "Shortened after a violation was withdrawn: %(points)s points remain for the "
            "%(step)s-point step."
        ) % {"points": total, "step": step.points}
    # The words above are the record as written; pages and the API say it in the reader's
    # language from the code and its numbers (Sanction.why).
    code = reason_texts.LADDER_SHORTENED if replaces is not None else reason_texts.LADDER_STEP
    params = {"points": total, "step": step.points}
    common = {
        "merchant": merchant,
        "origin": Sanction.Origin.LADDER,
        "step_points": step.points,
        "points_at_imposition": total,
        "ladder_policy": version,
        "reason": reason,
        "reason_code": code,
        "reason_params": params,
        "starts_at": starts_at,
        # A shortened sanction is a new decision: it can be appealed from now.
        "appeal_until": _appeal_until(now),
    }
    sanctions = []
    if step.warning:
        sanctions.append(
            Sanction.objects.create(
                kind=Sanction.Kind.WARNING,
                status=Sanction.Status.ENDED,
                ends_at=starts_at,
                ended_at=starts_at,
                **common,
            )
        )
    if main:
        ends_at = starts_at + timedelta(days=step.days) if step.days else None
        served = ends_at is not None and ends_at <= now
        restriction = Sanction.objects.create(
            kind=step.sanction,
            ends_at=ends_at,
            replaces=replaces,
            status=Sanction.Status.ENDED if served else Sanction.Status.ACTIVE,
            ended_at=now if served else None,
            end_reason_code=reason_texts.SERVED_WHEN_SHORTENED if served else "",
            **common,
        )
        sanctions.append(restriction)
        if not served:
            _open_restriction(restriction, by=None)
    for sanction in sanctions:
        sanction.entries.set(entries)
        record_decision(
            sanction,
            action="impose",
            to_state=sanction.status,
            reason=reason,
            data={
                "points": total,
                "step": step.points,
                "entries": [e.pk for e in entries],
                "ladder_version": version.version,
                **reason_data(code, params),
            },
        )
        _announce_sanction(sanction)
    return sanctions


def _undo_unjustified_sanctions(
    merchant: Merchant, *, by, reason: str = "", reason_code: str = "", reason_params=None
) -> None:
    """After a withdrawal: a ladder sanction whose own entries (minus the withdrawn ones) no
    longer reach its step is revoked, and replaced by the lower step they still reach,
    counted from the original start (a shortened sanction). The revocation gives the
    withdrawal's reason (staff's words, or the system's code and parameters)."""
    version, ladder = ladder_in_force()
    affected = (
        Sanction.objects.filter(
            merchant=merchant,
            origin=Sanction.Origin.LADDER,
            status__in=[Sanction.Status.ACTIVE, Sanction.Status.ENDED],
            entries__status=ViolationEntry.Status.WITHDRAWN,
        )
        .distinct()
        .order_by("starts_at", "id")
    )
    for sanction in affected:
        remaining = [e for e in sanction.entries.all() if e.status != e.Status.WITHDRAWN]
        still = sum(e.points for e in remaining)
        if still >= sanction.step_points:
            continue
        _end_sanction(
            sanction,
            status=Sanction.Status.REVOKED,
            by=by,
            reason=reason,
            reason_code=reason_code,
            reason_params=reason_params,
        )
        lower = ladder_rules.step_for(still, ladder)
        if (
            lower is not None
            and sanction.kind != Sanction.Kind.WARNING
            and not _step_already_sanctioned(merchant, lower, remaining)
        ):
            _impose_step(
                merchant,
                lower,
                version=sanction.ladder_policy or version,
                total=still,
                entries=remaining,
                starts_at=sanction.starts_at,
                replaces=sanction,
            )
    standing = _standing(merchant)
    reached = ladder_rules.step_for(current_points(merchant), ladder)
    held = min(standing.ladder_step, reached.points if reached else 0)
    if held != standing.ladder_step:
        standing.ladder_step = held
        standing.save(update_fields=["ladder_step", "updated_at"])


def _step_already_sanctioned(merchant, step, entries) -> bool:
    """Did the same climb (sanctions sharing these entries) already apply this step or a
    higher one that still stands? Then the lower step is not imposed a second time."""
    return (
        Sanction.objects.filter(
            merchant=merchant,
            origin=Sanction.Origin.LADDER,
            step_points__gte=step.points,
            status__in=[Sanction.Status.ACTIVE, Sanction.Status.ENDED],
            entries__in=entries,
        )
        .exclude(kind=Sanction.Kind.WARNING)
        .exists()
    )


# --- merchant status --------------------------------------------------------------------
HELD_BY_SANCTION = (Merchant.Status.SUSPENDED, Merchant.Status.TERMINATED)


def _status_for(merchant: Merchant, *, now) -> str | None:
    """The status the merchant's open whole-merchant restrictions call for: terminated,
    suspended, or None (no suspension or termination holds)."""
    kinds = set(
        active_restrictions(at=now)
        .filter(
            merchant=merchant,
            category__isnull=True,
            kind__in=[Restriction.Kind.SUSPENSION, Restriction.Kind.TERMINATION],
        )
        .values_list("kind", flat=True)
    )
    if Restriction.Kind.TERMINATION in kinds:
        return Merchant.Status.TERMINATED
    if Restriction.Kind.SUSPENSION in kinds:
        return Merchant.Status.SUSPENDED
    return None


def wanted_kind(status: str) -> str:
    return (
        Sanction.Kind.TERMINATION
        if status == Merchant.Status.TERMINATED
        else Sanction.Kind.SUSPENSION
    )


def _reinstated_status(merchant: Merchant) -> str:
    return (
        Merchant.Status.PROBATION
        if merchant.probations.filter(status="open").exists()
        else Merchant.Status.ACTIVE
    )


def _sync_status(
    merchant: Merchant, *, by=None, reason: str = "", reason_code: str = "", reason_params=None
) -> None:
    """Suspension and termination move `Merchant.status`; when neither holds any more, a
    merchant the sanctions had taken off is reinstated (on probation if its probation is
    still open). A decision records each move, with `reason` (staff's words) or the
    system's `reason_code` and parameters; selling rights are re-read. Called with the
    merchant row locked."""
    now = timezone.now()
    merchant.refresh_from_db(fields=["status"])
    standing = _standing(merchant)
    wanted = _status_for(merchant, now=now)
    before = merchant.status
    if wanted is not None:
        if before == wanted or not (merchant.is_live or before in HELD_BY_SANCTION):
            return
        if not (reason or reason_code):
            latest = (
                Sanction.objects.filter(merchant=merchant, kind=wanted_kind(wanted))
                .filter(status=Sanction.Status.ACTIVE)
                .order_by("-starts_at", "-id")
                .first()
            )
            reason = latest.reason if latest else ""
        if not standing.status_before_sanction:
            standing.status_before_sanction = before
            standing.save(update_fields=["status_before_sanction", "updated_at"])
        to = wanted
    elif before in HELD_BY_SANCTION and standing.status_before_sanction:
        to = _reinstated_status(merchant)
        standing.status_before_sanction = ""
        standing.save(update_fields=["status_before_sanction", "updated_at"])
    else:
        return
    merchant.status = to
    merchant.save(update_fields=["status"])
    decision = record_decision(
        merchant,
        action="reinstate" if to not in HELD_BY_SANCTION else "sanction_status",
        from_state=before,
        to_state=to,
        actor=by,
        reason="" if reason_code else reason,
        data=reason_data(reason_code, reason_params),
    )
    if to not in HELD_BY_SANCTION:
        _notify_reinstated([decision.pk])
    _after_restriction_change(merchant)


def _sync_statuses(merchants, *, by=None) -> None:
    """`_sync_status` for many merchants: only a merchant a whole-merchant suspension or
    termination holds, or one the sanctions had taken off, can move, so the others are
    passed over after two queries. Called with the merchant rows locked."""
    ids = [merchant.pk for merchant in merchants]
    movable = set(
        active_restrictions(at=timezone.now())
        .filter(
            in_ids("merchant_id", ids),
            category__isnull=True,
            kind__in=[Restriction.Kind.SUSPENSION, Restriction.Kind.TERMINATION],
        )
        .order_by()
        .values_list("merchant_id", flat=True)
    )
    movable.update(
        MerchantStanding.objects.filter(in_ids("merchant_id", ids))
        .exclude(status_before_sanction="")
        .values_list("merchant_id", flat=True)
    )
    for merchant in merchants:
        if merchant.pk in movable:
            _sync_status(merchant, by=by)


_REINSTATED_ALERTS = """
    SELECT 'merchant_reinstated', 'merchant_reinstated:decision:' || d.id || ':user:' || ms.user_id,
           ms.user_id, NULL::bigint, %(ct)s, m.id::text,
           jsonb_build_object('merchant', m.legal_name, 'status', d.to_state), %(url)s
    FROM core_decision d
    JOIN merchants_merchant m ON m.id = d.object_id::bigint
    JOIN merchants_membership ms ON ms.merchant_id = m.id AND ms.role = 'owner'
    WHERE d.id = ANY(%(ids)s) AND d.content_type_id = %(ct)s
"""


def _notify_reinstated(decision_ids: list[int]) -> None:
    """Tell the owners of reinstated merchants (one alert per reinstatement decision and
    owner), in one statement for all of them."""
    raise_alerts_from_select(
        _REINSTATED_ALERTS,
        {
            "ids": decision_ids,
            "ct": ContentType.objects.get_for_model(Merchant).pk,
            "url": reverse("merchants:standing"),
        },
    )


# --- sanctions --------------------------------------------------------------------------
MANUAL_KINDS_WITH_DAYS = {Sanction.Kind.SALES_RESTRICTION, Sanction.Kind.SUSPENSION}
_RESTRICTION_KIND = {
    Sanction.Kind.SALES_RESTRICTION: Restriction.Kind.SALES_RESTRICTION,
    Sanction.Kind.SUSPENSION: Restriction.Kind.SUSPENSION,
    Sanction.Kind.TERMINATION: Restriction.Kind.TERMINATION,
}


@transaction.atomic
def impose_sanction(
    *,
    merchant: Merchant,
    kind: str,
    rule_code: str,
    evidence,
    by,
    reason: str,
    days: int | None = None,
    category=None,
    product=None,
) -> Sanction:
    """A sanction decided by Merchant Management staff, always with a rule and evidence.
    A product delisting names the merchant's product it takes off sale."""
    if not has_role(by, Role.MERCHANT_MANAGEMENT):
        raise NotAllowed(_("Only Merchant Management staff impose sanctions."))
    if kind not in Sanction.Kind.values:
        raise DomainError(_("Unknown sanction kind “%(kind)s”.") % {"kind": kind})
    if evidence is None or getattr(evidence, "pk", None) is None:
        raise DomainError(_("A sanction needs the evidence that justifies it."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the sanction."))
    if kind in MANUAL_KINDS_WITH_DAYS:
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise DomainError(_("Say for how many days (a positive whole number)."))
    elif days:
        raise DomainError(_("This kind of sanction has no duration."))
    if category is not None and kind != Sanction.Kind.SALES_RESTRICTION:
        raise DomainError(_("Only a sales restriction can be limited to one category."))
    if kind == Sanction.Kind.PRODUCT_DELISTING:
        if product is None:
            raise DomainError(
                {"product": _("Choose the product a delisting takes off sale.")}, code="product"
            )
        if product.merchant_id != merchant.pk:
            raise DomainError(
                {"product": _("This product belongs to another merchant.")}, code="product"
            )
    elif product is not None:
        raise DomainError(
            {"product": _("Only a product delisting names a product.")}, code="product"
        )
    rule = rule_in_force(rule_code)
    merchant = _lock(merchant)
    now = timezone.now()
    is_warning = kind == Sanction.Kind.WARNING
    sanction = Sanction.objects.create(
        merchant=merchant,
        kind=kind,
        origin=Sanction.Origin.MANUAL,
        status=Sanction.Status.ENDED if is_warning else Sanction.Status.ACTIVE,
        points_at_imposition=current_points(merchant),
        rule=rule,
        category=category,
        evidence_type=ContentType.objects.get_for_model(evidence),
        evidence_id=str(evidence.pk),
        reason=reason,
        starts_at=now,
        appeal_until=_appeal_until(now),
        ends_at=now + timedelta(days=days) if days else (now if is_warning else None),
        ended_at=now if is_warning else None,
        imposed_by=_user(by),
        product=product,
    )
    _open_restriction(sanction, by=by)
    _sync_status(merchant, by=by, reason=reason)
    record_decision(
        sanction,
        action="impose",
        to_state=sanction.status,
        actor=by,
        reason=reason,
        data={"rule": rule.code, "version": rule.version, "days": days},
    )
    _announce_sanction(sanction)
    _after_sanction_change(sanction)
    return sanction


@transaction.atomic
def revoke_sanction(*, sanction: Sanction, by, reason: str) -> Sanction:
    """Staff take a sanction back (the appeal path calls this too)."""
    if not has_role(by, Role.MERCHANT_MANAGEMENT):
        raise NotAllowed(_("Only Merchant Management staff revoke sanctions."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for revoking the sanction."))
    _lock(sanction.merchant)
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    if sanction.status == Sanction.Status.REVOKED:
        raise DomainError(_("This sanction has already been revoked."))
    _end_sanction(sanction, status=Sanction.Status.REVOKED, by=by, reason=reason)
    _sync_status(sanction.merchant, by=by, reason=reason)
    return sanction


def _restriction_reason(sanction: Sanction) -> dict:
    """A sanction's restriction carries the sanction's reason: its code and parameters when
    the system wrote it (the ladder), else what staff wrote."""
    if sanction.reason_code:
        return {"reason_code": sanction.reason_code, "reason_params": sanction.reason_params}
    return {"detail": sanction.reason}


def _open_restriction(sanction: Sanction, *, by) -> None:
    restriction_kind = _RESTRICTION_KIND.get(sanction.kind)
    if restriction_kind is None:
        return
    sanction.restriction = restrict(
        merchant=sanction.merchant,
        kind=restriction_kind,
        reason=Restriction.Reason.SANCTION,
        source=SANCTION_SOURCE % sanction.pk,
        category=sanction.category,
        starts_at=sanction.starts_at,
        **_restriction_reason(sanction),
        ends_at=sanction.ends_at,
        by=by,
    )
    sanction.save(update_fields=["restriction"])


def _end_sanction(
    sanction: Sanction, *, status: str, by, reason: str = "", reason_code="", reason_params=None
) -> None:
    """`reason`: staff's words; the system gives a code and its parameters instead."""
    previous = sanction.status
    sanction.status = status
    sanction.ended_at = timezone.now()
    sanction.end_reason = "" if reason_code else reason
    sanction.end_reason_code = reason_code
    sanction.end_reason_params = reason_params or {}
    sanction.save(
        update_fields=["status", "ended_at", "end_reason", "end_reason_code", "end_reason_params"]
    )
    coded = {"reason_code": reason_code, "reason_params": reason_params}
    if sanction.restriction_id:
        lift(
            merchant=sanction.merchant,
            reason=Restriction.Reason.SANCTION,
            source=SANCTION_SOURCE % sanction.pk,
            by=by,
            note=sanction.end_reason,
            **coded,
        )
    record_decision(
        sanction,
        action=status,
        from_state=previous,
        to_state=status,
        actor=by,
        reason=sanction.end_reason,
        data=reason_data(reason_code, reason_params),
    )
    if status == Sanction.Status.REVOKED:
        payload = {
            "merchant": sanction.merchant.legal_name,
            "kind": sanction.kind,
            # Words or a code, read in the reader's language (standing_setup).
            "reason": reason_texts.quoted(
                sanction.end_reason_code, sanction.end_reason_params, sanction.end_reason
            ),
        }
        _notify_owners(
            sanction.merchant,
            kind="sanction_revoked",
            key=f"sanction_revoked:sanction:{sanction.pk}",
            obj=sanction,
            payload=payload,
        )
        _notify_staff(
            sanction.merchant,
            kind="sanction_revoked",
            key=f"sanction_revoked:sanction:{sanction.pk}:staff",
            obj=sanction,
            payload=payload,
        )
    _after_sanction_change(sanction)


def _announce_sanction(sanction: Sanction) -> None:
    payload = {
        "merchant": sanction.merchant.legal_name,
        "kind": sanction.kind,
        "points": sanction.points_at_imposition,
        "ends": _day(sanction.ends_at) if sanction.ends_at else "-",
    }
    _notify_owners(
        sanction.merchant,
        kind="sanction_imposed",
        key=f"sanction_imposed:sanction:{sanction.pk}",
        obj=sanction,
        payload=payload,
    )
    _notify_staff(
        sanction.merchant,
        kind="sanction_imposed",
        key=f"sanction_imposed:sanction:{sanction.pk}:staff",
        obj=sanction,
        payload=payload,
    )


# Higher layers (products: delist a product on a product_delisting sanction) subscribe here
# without this layer importing them.
SANCTION_LISTENERS: list = []


def on_sanction_change(listener):
    SANCTION_LISTENERS.append(listener)
    return listener


def _after_sanction_change(sanction: Sanction) -> None:
    for listener in SANCTION_LISTENERS:
        listener(sanction)


# --- appeals ----------------------------------------------------------------------------
APPEAL_FLOW = Workflow(
    "status",
    {
        Appeal.Status.SUBMITTED: {Appeal.Status.UNDER_REVIEW},
        Appeal.Status.UNDER_REVIEW: {Appeal.Status.UPHELD, Appeal.Status.REJECTED},
    },
    labels=dict(Appeal.Status.choices),
)


def appeal_deadline(target) -> timezone.datetime:
    """Until when the merchant may appeal an entry or a sanction: fixed when it was
    recorded or imposed, from the appeals policy then in force."""
    return target.appeal_until


def _appeal_until(moment):
    return moment + timedelta(days=policies.get(APPEALS, at=moment)["appeal_within_days"])


def can_appeal(target) -> bool:
    if timezone.now() > appeal_deadline(target):
        return False
    if isinstance(target, ViolationEntry):
        return target.status != target.Status.WITHDRAWN and not target.appeals.exists()
    return target.status != target.Status.REVOKED and not target.appeals.exists()


@atomic_with_uploads()
def submit_appeal(
    *, by, statement: str, entry: ViolationEntry | None = None, sanction=None, files=()
) -> Appeal:
    """A merchant user appeals one ledger entry or one sanction of their own merchant."""
    merchant = merchant_of(by)
    if merchant is None:
        raise NotAllowed(_("Only a merchant's own users can appeal."))
    if (entry is None) == (sanction is None):
        raise DomainError(_("Appeal either one ledger entry or one sanction."))
    target = entry or sanction
    if target.merchant_id != merchant.pk:
        raise NotAllowed(_("You can only appeal your own merchant's entries and sanctions."))
    if not (statement or "").strip():
        raise DomainError(_("Explain why you appeal (the statement is required)."))
    deadline = appeal_deadline(target)
    now = timezone.now()
    if now > deadline:
        raise DomainError(
            _("The appeal window closed on %(date)s.") % {"date": _day(deadline)},
            code="appeal_window",
        )
    if entry is not None and entry.status == ViolationEntry.Status.WITHDRAWN:
        raise DomainError(_("This entry has been withdrawn; there is nothing to appeal."))
    if sanction is not None and sanction.status == Sanction.Status.REVOKED:
        raise DomainError(_("This sanction has been revoked; there is nothing to appeal."))
    for file in files:  # check every file before storing any
        validate_upload(file)
    _lock(merchant)
    if Appeal.objects.filter(Q(entry=entry) if entry else Q(sanction=sanction)).exists():
        raise DomainError(_("This has already been appealed."), code="appeal_twice")
    appeal = Appeal.objects.create(
        merchant=merchant,
        entry=entry,
        sanction=sanction,
        statement=statement.strip(),
        submitted_by=by,
        submitted_at=now,
        decision_due_at=now + timedelta(days=policies.get(APPEALS, at=now)["decide_within_days"]),
    )
    appeal.files.set([store_upload(file, uploaded_by=by) for file in files])
    record_decision(
        appeal, action="submit", to_state=appeal.status, actor=by, reason=appeal.statement
    )
    _notify_staff(
        merchant,
        kind="appeal_submitted",
        key=f"appeal_submitted:appeal:{appeal.pk}",
        obj=appeal,
        payload={"merchant": merchant.legal_name, "due": _day(appeal.decision_due_at)},
        url=reverse("merchants:staff-appeal", args=[appeal.pk]),
    )
    return appeal


def imposers(appeal: Appeal) -> set[int]:
    """Users who imposed what is appealed: the recorder of an entry; the imposer of a manual
    sanction, or the recorders of the entries behind a ladder sanction."""
    if appeal.entry_id:
        ids = {appeal.entry.recorded_by_id}
    else:
        sanction = appeal.sanction
        ids = {sanction.imposed_by_id}
        ids |= set(sanction.entries.values_list("recorded_by_id", flat=True))
    return {i for i in ids if i is not None}


def _check_reviewer(appeal: Appeal, by) -> None:
    if not has_role(by, Role.MERCHANT_MANAGEMENT):
        raise NotAllowed(_("Only Merchant Management staff review appeals."))
    if by.pk in imposers(appeal):
        raise NotAllowed(
            _("You imposed what is appealed; another colleague must review it."),
            code="reviewer_is_imposer",
        )


@transaction.atomic
def start_appeal_review(*, appeal: Appeal, by) -> Appeal:
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    _check_reviewer(appeal, by)
    appeal.reviewer = by
    APPEAL_FLOW.apply(appeal, Appeal.Status.UNDER_REVIEW, actor=by, update_fields=["reviewer"])
    return appeal


@transaction.atomic
def decide_appeal(*, appeal: Appeal, by, upheld: bool, reason: str) -> Appeal:
    """Uphold (undo the entry or the sanction, recompute the ladder) or reject, with a
    written reason. Only the reviewer who took the appeal decides it."""
    if not (reason or "").strip():
        raise DomainError(_("Write the reason for the decision."), code="reason")
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    _check_reviewer(appeal, by)
    if appeal.status == Appeal.Status.UNDER_REVIEW and appeal.reviewer_id != by.pk:
        raise NotAllowed(_("Another colleague is reviewing this appeal."))
    to = Appeal.Status.UPHELD if upheld else Appeal.Status.REJECTED
    appeal.decided_at = timezone.now()
    appeal.decision_reason = reason.strip()
    APPEAL_FLOW.apply(
        appeal, to, actor=by, reason=reason, update_fields=["decided_at", "decision_reason"]
    )
    if upheld and appeal.entry_id:
        _withdraw(
            appeal.entry,
            by=by,
            reason_code=reason_texts.APPEAL_UPHELD,
            reason_params={"reason": reason.strip()},
        )
    elif upheld:
        _lock(appeal.merchant)
        sanction = Sanction.objects.select_for_update().get(pk=appeal.sanction_id)
        if sanction.status != Sanction.Status.REVOKED:
            _end_sanction(
                sanction,
                status=Sanction.Status.REVOKED,
                by=by,
                reason_code=reason_texts.APPEAL_UPHELD,
                reason_params={"reason": reason.strip()},
            )
            _sync_status(appeal.merchant, by=by, reason=reason)
    _notify_owners(
        appeal.merchant,
        kind="appeal_decided",
        key=f"appeal_decided:appeal:{appeal.pk}",
        obj=appeal,
        payload={"merchant": appeal.merchant.legal_name, "outcome": to, "reason": reason},
    )
    return appeal


# --- sweeps -----------------------------------------------------------------------------
@dataclass
class SweepResult:
    entries_expired: int
    standings_lowered: int
    sanctions_ended: int
    merchants_reinstated: int = 0


_EXPIRE_ENTRIES = """
    UPDATE merchants_violationentry SET status = 'expired', expired_at = %(now)s
    WHERE status = 'active' AND expires_at <= %(now)s
"""
# Lock the merchants whose held step may drop (the same lock record_violation takes), then
# lower each held step to the one their remaining points reach, in one statement.
_LOCK_HOLDERS = """
    SELECT m.id FROM merchants_merchant m
    JOIN merchants_merchantstanding s ON s.merchant_id = m.id
    WHERE s.ladder_step > 0 ORDER BY m.id FOR UPDATE OF m
"""
_LOWER_STEPS = """
    WITH totals AS (
        SELECT s.id, COALESCE(SUM(e.points), 0) AS points
        FROM merchants_merchantstanding s
        LEFT JOIN merchants_violationentry e
          ON e.merchant_id = s.merchant_id AND e.status = 'active' AND e.expires_at > %(now)s
        WHERE s.ladder_step > 0
        GROUP BY s.id
    ), reached AS (
        SELECT t.id, COALESCE(
            (SELECT max(step) FROM unnest(%(steps)s::int[]) AS step WHERE step <= t.points), 0
        ) AS step
        FROM totals t
    )
    UPDATE merchants_merchantstanding s SET ladder_step = r.step, updated_at = %(now)s
    FROM reached r WHERE s.id = r.id AND s.ladder_step > r.step
"""
_END_SANCTIONS = """
    WITH ended AS (
        UPDATE merchants_sanction
        SET status = 'ended', ended_at = %(now)s, end_reason = '',
            end_reason_code = %(why)s, end_reason_params = '{}'::jsonb
        WHERE status = 'active' AND ends_at IS NOT NULL AND ends_at <= %(now)s
        RETURNING id, merchant_id, restriction_id
    ), lifted AS (
        UPDATE merchants_restriction r SET lifted_at = %(now)s
        FROM ended WHERE r.id = ended.restriction_id AND r.lifted_at IS NULL
        RETURNING r.id, r.kind
    ), decided AS (
        INSERT INTO core_decision
            (content_type_id, object_id, action, from_state, to_state, actor_label, reason,
             data, created_at)
        SELECT %(sanction_ct)s, ended.id::text, 'ended', 'active', 'ended', %(label)s,
               '', %(why_data)s::jsonb, %(now)s FROM ended
        UNION ALL
        SELECT %(restriction_ct)s, lifted.id::text, 'lift', lifted.kind, 'lifted', %(label)s,
               '', %(why_data)s::jsonb, %(now)s FROM lifted
    )
    SELECT DISTINCT merchant_id FROM ended
"""

# Merchants a sanction suspended or terminated whose suspension and termination no longer
# hold (their restrictions were lifted or ran out): back to probation (open probation) or
# active, with a decision each, in one statement.
_REINSTATE = """
    WITH held AS (
        SELECT m.id, m.status AS before,
               CASE WHEN EXISTS (
                   SELECT 1 FROM merchants_probation p
                   WHERE p.merchant_id = m.id AND p.status = 'open'
               ) THEN 'probation' ELSE 'active' END AS after
        FROM merchants_merchant m
        JOIN merchants_merchantstanding s ON s.merchant_id = m.id
        WHERE s.status_before_sanction <> '' AND m.status IN ('suspended', 'terminated')
          AND NOT EXISTS (
              SELECT 1 FROM merchants_restriction r
              WHERE r.merchant_id = m.id AND r.category_id IS NULL
                AND r.kind IN ('suspension', 'termination') AND r.lifted_at IS NULL
                AND r.starts_at <= %(now)s AND (r.ends_at IS NULL OR r.ends_at > %(now)s)
          )
        FOR UPDATE OF m
    ), moved AS (
        UPDATE merchants_merchant m SET status = held.after
        FROM held WHERE m.id = held.id
        RETURNING m.id, held.before, held.after
    ), cleared AS (
        UPDATE merchants_merchantstanding s
        SET status_before_sanction = '', updated_at = %(now)s
        FROM moved WHERE s.merchant_id = moved.id
    )
    INSERT INTO core_decision
        (content_type_id, object_id, action, from_state, to_state, actor_label, reason, data,
         created_at)
    SELECT %(merchant_ct)s, moved.id::text, 'reinstate', moved.before, moved.after, %(label)s,
           %(reinstated)s, '{}'::jsonb, %(now)s
    FROM moved
    RETURNING id, object_id::bigint
"""


@transaction.atomic
def sweep_standing(*, now=None) -> SweepResult:
    """Daily: expire entries past their 365 days, lower held ladder steps accordingly, end
    time-boxed sanctions and lift their restrictions, and reinstate the merchants whose
    suspension ended (told, with a decision). Set-based; a second run finds nothing."""
    now = now or timezone.now()
    _version, ladder = ladder_in_force()
    params = {
        "now": now,
        "steps": ladder_rules.thresholds(ladder),
        "why": reason_texts.TIME_RAN_OUT,
        "why_data": json.dumps(reason_data(reason_texts.TIME_RAN_OUT, {})),
        "label": SWEEP_LABEL,
        "sanction_ct": ContentType.objects.get_for_model(Sanction).pk,
        "restriction_ct": ContentType.objects.get_for_model(Restriction).pk,
        "merchant_ct": ContentType.objects.get_for_model(Merchant).pk,
        "reinstated": str(gettext_lazy("The suspension ended: selling rights are restored.")),
    }
    with connection.cursor() as cursor:
        cursor.execute(_EXPIRE_ENTRIES, params)
        expired = cursor.rowcount
        cursor.execute(_LOCK_HOLDERS)
        cursor.execute(_LOWER_STEPS, params)
        lowered = cursor.rowcount
        cursor.execute(_END_SANCTIONS, params)
        merchant_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(_REINSTATE, params)
        reinstated = cursor.fetchall()
    ended = len(merchant_ids)
    if reinstated:
        _notify_reinstated([decision_id for decision_id, _merchant in reinstated])
        merchant_ids = sorted({*merchant_ids, *(m for _d, m in reinstated)})
    if merchant_ids:
        # Selling rights changed for these merchants: let listeners (listings) catch up.
        transaction.on_commit(lambda: after_restrictions_change(merchant_ids))
    return SweepResult(expired, lowered, ended, len(reinstated))


_APPEAL_DEADLINE_ALERTS = """
    SELECT %(kind)s, %(kind)s || ':appeal:' || a.id, NULL::bigint, g.id, %(ct)s, a.id::text,
           jsonb_build_object(
               'merchant', m.legal_name,
               'due', to_char(a.decision_due_at AT TIME ZONE %(tz)s, 'YYYY-MM-DD HH24:MI')
           ),
           '/staff/standing/appeals/' || a.id || '/'
    FROM merchants_appeal a
    JOIN merchants_merchant m ON m.id = a.merchant_id
    JOIN auth_group g ON g.name = %(group)s
    WHERE a.status IN ('submitted', 'under_review') AND a.decision_due_at <= %(until)s
"""


def raise_appeal_deadline_alerts(*, now=None) -> int:
    """Appeals whose decision is due within a day, and overdue ones: one alert each, ever."""
    now = now or timezone.now()
    raised = 0
    for kind, until in (("appeal_due_soon", now + timedelta(days=1)), ("appeal_overdue", now)):
        raised += len(
            raise_alerts_from_select(
                _APPEAL_DEADLINE_ALERTS,
                {
                    "kind": kind,
                    "ct": ContentType.objects.get_for_model(Appeal).pk,
                    "tz": timezone.get_default_timezone_name(),
                    "group": Role.MERCHANT_MANAGEMENT.value,
                    "until": until,
                },
            )
        )
    return raised


# --- helpers ----------------------------------------------------------------------------
def _lock(merchant: Merchant) -> Merchant:
    return Merchant.objects.select_for_update().get(pk=merchant.pk)


def _lock_many(ids) -> dict[int, Merchant]:
    """Lock the merchant rows in id order (two callers locking overlapping sets cannot
    deadlock)."""
    return {
        merchant.pk: merchant
        for merchant in Merchant.objects.select_for_update()
        .filter(in_ids("pk", ids))
        .order_by("pk")
    }


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def _day(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Notice:
    merchant: Merchant
    kind: str
    key: str
    obj: object
    payload: dict


def _notify_owners(merchant, *, kind, key, obj, payload) -> None:
    _notify_owners_many([Notice(merchant, kind, key, obj, payload)])


def _notify_owners_many(notices) -> None:
    """One alert per notice and owner of its merchant: the owners read in one query, the
    alerts raised in one insert."""
    notices = list(notices)
    if not notices:
        return
    owners = owners_by_merchant({notice.merchant.pk for notice in notices})
    url = reverse("merchants:standing")
    raise_alerts(
        [
            AlertSpec(
                kind=notice.kind,
                key=f"{notice.key}:user:{uid}",
                user_id=uid,
                obj=notice.obj,
                payload=notice.payload,
                url=url,
            )
            for notice in notices
            for uid in owners.get(notice.merchant.pk, [])
        ]
    )


def _notify_staff(merchant, *, kind, key, obj, payload, url=None) -> None:
    group = Group.objects.filter(name=Role.MERCHANT_MANAGEMENT).first()
    if group is None:
        return
    url = url or reverse("merchants:staff-standing", args=[merchant.pk])
    raise_alerts(
        [AlertSpec(kind=kind, key=key, group_id=group.pk, obj=obj, payload=payload, url=url)]
    )


__all__ = [
    "SANCTION_LISTENERS",
    "SweepResult",
    "appeal_deadline",
    "can_appeal",
    "current_points",
    "decide_appeal",
    "evidence_kinds",
    "find_evidence",
    "impose_sanction",
    "imposers",
    "ladder_in_force",
    "may_record_violations",
    "on_sanction_change",
    "publish_rule_version",
    "raise_appeal_deadline_alerts",
    "record_violation",
    "record_violation_by_hand",
    "record_violations",
    "revoke_sanction",
    "rule_in_force",
    "start_appeal_review",
    "submit_appeal",
    "sweep_standing",
    "withdraw_violation",
]

"""Quarterly snapshots and reports: request, compute (in a Celery task, with progress),
publish, and the public page's cache.

A snapshot's figures are computed once, group by group (reports.services.figures), each
group one set-based statement; progress is written after each group in its own short
autocommit UPDATE so the staff page sees it while the task runs. The figures are stored
with their SHA-256 and never change again: every download is a pure function of them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import Workflow, record_decision
from core.db import advisory_xact_lock
from core.decision_labels import reason_data
from core.exceptions import DomainError, NotAllowed
from core.roles import Role, has_role
from merchants.services import completion_figures
from reports import reason_texts
from reports.models.snapshots import QuarterlyReport, Snapshot
from reports.services import figures as defs

SCHEMA_VERSION = 1

REPORT_FLOW = Workflow(
    "status",
    {
        QuarterlyReport.Status.DRAFT: {QuarterlyReport.Status.PUBLISHED},
        QuarterlyReport.Status.PUBLISHED: {QuarterlyReport.Status.SUPERSEDED},
    },
    labels=dict(QuarterlyReport.Status.choices),
)

# Step codes written to Snapshot.step while the task runs, with their labels for the page.
STEP_LABELS = {
    "cases": gettext_lazy("Complaints and ad reports"),
    "inspections": gettext_lazy("Inspections"),
    "delistings": gettext_lazy("Delisted products"),
    "sanctions": gettext_lazy("Sanctions"),
    "violations": gettext_lazy("Violation points"),
    "reviews": gettext_lazy("Product reviews"),
    "service_ratings": gettext_lazy("Service ratings"),
    "previous": gettext_lazy("Previous quarter"),
    "storing": gettext_lazy("Storing the snapshot"),
}


# --- who may do what ------------------------------------------------------------------------
def may_read(user) -> bool:
    return has_role(user, Role.QUALITY_MANAGER, Role.DATA_ANALYSIS)


def may_generate(user) -> bool:
    return has_role(user, Role.QUALITY_MANAGER, Role.DATA_ANALYSIS)


def may_publish(user) -> bool:
    return has_role(user, Role.QUALITY_MANAGER)


# --- requesting ---------------------------------------------------------------------------
def _enqueue(snapshot: Snapshot) -> None:
    from reports.tasks.snapshots import generate_snapshot

    transaction.on_commit(lambda: generate_snapshot.delay(snapshot.pk))


@transaction.atomic
def request_snapshot(*, year: int, quarter: int, by, now: datetime | None = None) -> Snapshot:
    """On demand: a new snapshot of a quarter that has begun (the current one gives the
    figures so far). Each request is a new snapshot; earlier ones stay as they were."""
    if not may_generate(by):
        raise NotAllowed(_("Only Quality Managers and Data Analysis staff generate reports."))
    now = now or timezone.now()
    try:
        period = defs.quarter_period(int(year), int(quarter))
    except (TypeError, ValueError) as exc:
        raise DomainError({"quarter": _("Choose a quarter from 1 to 4.")}) from exc
    if period.start > now:
        raise DomainError(
            {"quarter": _("%(period)s has not begun yet.") % {"period": period.label}},
            code="future_quarter",
        )
    snapshot = Snapshot.objects.create(
        year=period.year,
        quarter=period.quarter,
        trigger=Snapshot.Trigger.ON_DEMAND,
        requested_by=by,
    )
    record_decision(snapshot, action="requested", to_state=snapshot.state, actor=by)
    _enqueue(snapshot)
    return snapshot


def schedule_quarter_end_snapshot(*, now: datetime | None = None) -> Snapshot | None:
    """Beat: the last closed quarter gets its scheduled snapshot, once. Runs daily, so a
    missed quarter-end wake-up is caught up the next day; returns the new snapshot or None."""
    now = now or timezone.now()
    period = defs.quarter_of(now).previous()
    try:
        with transaction.atomic():
            advisory_xact_lock(f"reports:scheduled-snapshot:{period.label}")
            if Snapshot.objects.filter(
                year=period.year, quarter=period.quarter, trigger=Snapshot.Trigger.SCHEDULE
            ).exists():
                return None
            snapshot = Snapshot.objects.create(
                year=period.year, quarter=period.quarter, trigger=Snapshot.Trigger.SCHEDULE
            )
            record_decision(
                snapshot,
                action="requested",
                to_state=snapshot.state,
                actor_label="system:reports-quarterly-snapshot",
            )
            _enqueue(snapshot)
            return snapshot
    except IntegrityError:  # another beat won the race despite the lock (other database)
        return None


# --- computing -------------------------------------------------------------------------------
def _set_progress(snapshot_id: int, *, step: str, done: int, total: int) -> None:
    """Autocommit UPDATE: visible to the page polling while the task keeps going."""
    Snapshot.objects.filter(pk=snapshot_id).update(
        step=step, progress=min(99, (100 * done) // total)
    )


def _compute(period: defs.Period, *, as_of: datetime, on_step) -> defs.Accumulator:
    acc = defs.Accumulator()
    for name in defs.group_names():
        on_step(name)
        acc.add(defs.run_group(name, period=period, as_of=as_of))
    return acc


def _previous_figures(period: defs.Period, *, as_of: datetime, on_step) -> dict:
    """The previous quarter as its latest ready snapshot froze it (what was reported), or,
    when there is none, computed now with the same definitions."""
    earlier = (
        Snapshot.objects.filter(
            year=period.year, quarter=period.quarter, state=Snapshot.State.READY
        )
        .order_by("-as_of", "-id")
        .first()
    )
    if earlier is not None and earlier.figures.get("schema") == SCHEMA_VERSION:
        return {"source": f"snapshot:{earlier.pk}", "platform": earlier.figures["platform"]}
    acc = _compute(period, as_of=as_of, on_step=lambda name: None)
    return {
        "source": "computed",
        "platform": defs.Accumulator.finish(acc.platform, defs.PLATFORM_KEYS),
    }


def _change(current: dict, previous: dict) -> dict:
    out = {}
    for key in defs.PLATFORM_KEYS:
        now_value, before = current.get(key), previous.get(key)
        out[key] = None if now_value is None or before is None else round(now_value - before, 4)
    return out


def _scorecards(acc: defs.Accumulator) -> list[dict]:
    from merchants.models import Merchant

    names = dict(
        Merchant.objects.filter(pk__in=list(acc.merchants)).values_list("id", "legal_name")
    )
    cards = [
        {
            "merchant_id": merchant_id,
            "name": names.get(merchant_id, ""),
            **defs.Accumulator.finish(figures, defs.SCORECARD_KEYS),
        }
        for merchant_id, figures in acc.merchants.items()
    ]
    return sorted(cards, key=lambda card: (card["name"], card["merchant_id"]))


def checksum(figures: dict) -> str:
    canonical = json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def build_figures(period: defs.Period, *, as_of: datetime, on_step=lambda name: None) -> dict:
    acc = _compute(period, as_of=as_of, on_step=on_step)
    platform = defs.Accumulator.finish(acc.platform, defs.PLATFORM_KEYS)
    previous_period = period.previous()
    on_step("previous")
    previous = _previous_figures(previous_period, as_of=as_of, on_step=on_step)
    on_step("storing")
    from complaints.figures import remedy_figures
    from reports.services.assessment import for_report

    findings = for_report(start=period.start, end=period.end, as_of=as_of)
    return {
        # Only when there are any: earlier snapshots' bytes stay as they were.
        **({"assessment": findings} if findings else {}),
        "schema": SCHEMA_VERSION,
        "period": {
            "year": period.year,
            "quarter": period.quarter,
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "last_day": defs.last_day(period).isoformat(),
            "as_of": as_of.astimezone(defs.display_zone()).isoformat(),
        },
        "platform": platform,
        "sanctions_by_kind": {
            kind: acc.sanctions_by_kind.get(kind, 0) for kind in defs.SANCTION_KINDS
        },
        "months": [
            {
                "month": month,
                "complaints_filed": acc.months.get(month, {}).get("complaints_filed", 0),
            }
            for month in period.months()
        ],
        "previous": {"label": previous_period.label, **previous},
        "change": _change(platform, previous["platform"]),
        "merchants": _scorecards(acc),
        # Remedies granted in the quarter (domain §13), by kind, payer and status.
        "remedies": remedy_figures(start=period.start, end=period.end, as_of=as_of),
        # Training due in the quarter and completed by the snapshot (M3.7, M4.2, C6).
        "training": completion_figures(now=as_of, due_from=period.start, due_until=period.end),
    }


def generate(*, snapshot_id: int, now: datetime | None = None) -> Snapshot:
    """Compute and freeze a snapshot, then open its draft report. Safe to run twice: a ready
    snapshot is left alone, and only the run that still finds it running stores figures."""
    now = now or timezone.now()
    claimed = Snapshot.objects.filter(
        pk=snapshot_id, state__in=[Snapshot.State.QUEUED, Snapshot.State.RUNNING]
    ).update(state=Snapshot.State.RUNNING, started_at=now, progress=0, step="", error="")
    snapshot = Snapshot.objects.get(pk=snapshot_id)
    if not claimed:
        return snapshot
    period = defs.quarter_period(snapshot.year, snapshot.quarter)
    total = len(STEP_LABELS)
    done = iter(range(total))

    def on_step(name: str) -> None:
        _set_progress(snapshot_id, step=name, done=next(done), total=total)

    try:
        figures = build_figures(period, as_of=now, on_step=on_step)
    except Exception as exc:
        Snapshot.objects.filter(pk=snapshot_id, state=Snapshot.State.RUNNING).update(
            state=Snapshot.State.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    return _store(snapshot_id, figures=figures, as_of=now)


@transaction.atomic
def _store(snapshot_id: int, *, figures: dict, as_of: datetime) -> Snapshot:
    snapshot = Snapshot.objects.select_for_update().get(pk=snapshot_id)
    if snapshot.state != Snapshot.State.RUNNING:
        return snapshot
    snapshot.figures = figures
    snapshot.checksum = checksum(figures)
    snapshot.as_of = as_of
    snapshot.state = Snapshot.State.READY
    snapshot.progress = 100
    snapshot.step = ""
    snapshot.finished_at = timezone.now()
    snapshot.save()
    record_decision(
        snapshot,
        action="computed",
        from_state=Snapshot.State.RUNNING,
        to_state=Snapshot.State.READY,
        actor_label="system:reports-snapshot",
        data={"checksum": snapshot.checksum},
    )
    report = QuarterlyReport.objects.create(
        snapshot=snapshot, year=snapshot.year, quarter=snapshot.quarter
    )
    record_decision(
        report,
        action="drafted",
        to_state=report.status,
        actor_label="system:reports-snapshot",
        data={"snapshot": snapshot.pk},
    )
    return snapshot


# --- publishing -----------------------------------------------------------------------------
@transaction.atomic
def publish_report(*, report: QuarterlyReport, by, reason: str = "") -> QuarterlyReport:
    """Quality Managers publish a draft; the quarter's earlier published report (if any) is
    superseded in the same transaction, and the public page is refreshed after commit."""
    if not may_publish(by):
        raise NotAllowed(_("Only Quality Managers publish quarterly reports."))
    report = QuarterlyReport.objects.select_for_update().get(pk=report.pk)
    earlier = list(
        QuarterlyReport.objects.select_for_update()
        .filter(year=report.year, quarter=report.quarter, status=QuarterlyReport.Status.PUBLISHED)
        .exclude(pk=report.pk)
    )
    if report.status != QuarterlyReport.Status.DRAFT:
        REPORT_FLOW.apply(report, QuarterlyReport.Status.PUBLISHED, actor=by)  # raises
    for older in earlier:
        REPORT_FLOW.apply(
            older,
            QuarterlyReport.Status.SUPERSEDED,
            actor=by,
            data={
                "replaced_by": report.pk,
                **reason_data(reason_texts.REPLACED_BY_REPORT, {"id": report.pk}),
            },
        )
    report.published_at = timezone.now()
    report.published_by = by
    REPORT_FLOW.apply(
        report,
        QuarterlyReport.Status.PUBLISHED,
        actor=by,
        reason=(reason or "").strip(),
        data={"snapshot": report.snapshot_id, "checksum": report.snapshot.checksum},
        update_fields=["published_at", "published_by"],
    )
    transaction.on_commit(invalidate_public_cache)
    return report


# --- the public page's cache -----------------------------------------------------------------
PUBLIC_VERSION_KEY = "reports:public:version"
PUBLIC_TTL = 24 * 3600


def public_cache_version() -> str:
    """A token naming the current set of published reports; publishing replaces it, which
    leaves every cached public page (all languages) behind at once."""
    version = cache.get(PUBLIC_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(PUBLIC_VERSION_KEY, version, None)
        version = cache.get(PUBLIC_VERSION_KEY, version)
    return version


def invalidate_public_cache() -> None:
    cache.set(PUBLIC_VERSION_KEY, uuid.uuid4().hex, None)


def public_cache_key(*parts) -> str:
    return ":".join(["reports:public", public_cache_version(), *map(str, parts)])


# --- downloads --------------------------------------------------------------------------------
def document(snapshot: Snapshot) -> dict:
    """What the renderers read: the frozen figures and their checksum, nothing live."""
    return {**snapshot.figures, "checksum": snapshot.checksum}


def download(*, snapshot: Snapshot, file_format: str, language: str, audience: str):
    """(bytes, file name, content type). Rendering is pure, so the bytes are cached under
    the snapshot's checksum for a day; a cache miss renders the very same bytes again."""
    from reports.services import render

    if not snapshot.is_ready:
        raise DomainError(_("This snapshot is not ready yet."), code="not_ready")
    doc = document(snapshot)
    key = f"reports:download:{snapshot.pk}:{snapshot.checksum}:{file_format}:{language}:{audience}"
    data = cache.get(key)
    if data is None:
        data = render.render(doc, file_format=file_format, language=language, audience=audience)
        cache.set(key, data, PUBLIC_TTL)
    name = render.filename(doc, file_format=file_format, language=language, audience=audience)
    return data, name, render.CONTENT_TYPES[file_format]

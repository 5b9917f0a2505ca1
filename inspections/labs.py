"""Third-party testing labs: accreditation checks, expiry reminders and suspension, samples
with their chain of custody, results and the signed report submitted by the lab.

Results from a lab go through `inspections.services.record_results` (the one write of
results); the verdict stays Quality Management's (`decide_verdict`, as today).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.alerts import raise_alerts_from_select
from core.audit import Workflow, record_decision
from core.decision_labels import reason_data
from core.exceptions import DomainError, NotAllowed
from core.roles import ExternalRole, Role, has_role
from core.uploads import PDF, atomic_with_uploads, store_upload, validate_upload
from inspections import reason_texts as inspection_reasons
from inspections.models import (
    CustodyEvent,
    CustodyKind,
    Inspection,
    Lab,
    LabMember,
    Sample,
)
from products.models import Requirement

#: Days before the end of an accreditation that the reminders start.
REMINDER_DAYS = (60, 30, 7)
MAX_CSV_ROWS = 20_000
CSV_COLUMNS = ["sample_code", "sample", "test_item", "result", "value", "unit"]
# Shown to the lab beside the code in the template (the item's name and unit in the reader's
# language); the import reads the code and ignores this column, and files without it.
CSV_LABEL_COLUMN = "test_item_label"
TEMPLATE_COLUMNS = [*CSV_COLUMNS[:3], CSV_LABEL_COLUMN, *CSV_COLUMNS[3:]]
SAMPLE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

CUSTODY_FLOW = Workflow(
    "status",
    {
        CustodyKind.SEALED: {CustodyKind.SHIPPED},
        CustodyKind.SHIPPED: {CustodyKind.RECEIVED, CustodyKind.REFUSED},
        CustodyKind.RECEIVED: {CustodyKind.TESTED, CustodyKind.REFUSED},
        CustodyKind.TESTED: {CustodyKind.RETAINED, CustodyKind.DISPOSED},
        CustodyKind.RETAINED: {CustodyKind.DISPOSED},
        CustodyKind.REFUSED: {CustodyKind.DISPOSED},
    },
    labels=dict(CustodyKind.choices),
)
#: Who records which step: the platform seals and ships, the lab does the rest.
LAB_STEPS = {
    CustodyKind.RECEIVED,
    CustodyKind.TESTED,
    CustodyKind.RETAINED,
    CustodyKind.DISPOSED,
    CustodyKind.REFUSED,
}
STAFF_STEPS = {CustodyKind.SHIPPED, CustodyKind.RETAINED, CustodyKind.DISPOSED}


def _today() -> date:
    return timezone.localdate()


def _user(by):
    return by if getattr(by, "is_authenticated", False) else None


def lab_of(user) -> Lab | None:
    """The lab a lab user works for (None for anyone else)."""
    if not getattr(user, "is_authenticated", False) or not has_role(user, ExternalRole.LAB):
        return None
    cached = getattr(user, "_lab_cache", False)
    if cached is False:
        member = LabMember.objects.select_related("lab").filter(user=user).first()
        cached = member.lab if member else None
        user._lab_cache = cached
    return cached


# --- accreditation -------------------------------------------------------------------------
def accreditation_problem(lab: Lab, *, today: date | None = None) -> str | None:
    """Why this lab may not take samples or submit results now (None: it may)."""
    today = today or _today()
    if lab.status == Lab.Status.SUSPENDED:
        return _("%(lab)s is suspended: %(reason)s") % {
            "lab": lab.name,
            "reason": lab.status_reason_text or _("no reason given"),
        }
    if lab.valid_until < today:
        return _("The accreditation of %(lab)s expired on %(date)s.") % {
            "lab": lab.name,
            "date": lab.valid_until.isoformat(),
        }
    if lab.valid_from > today:
        return _("The accreditation of %(lab)s starts on %(date)s.") % {
            "lab": lab.name,
            "date": lab.valid_from.isoformat(),
        }
    return None


def _norm(method: str) -> str:
    return " ".join((method or "").split()).casefold()


def scope_gaps(lab: Lab, inspection: Inspection, requirements: Iterable[Requirement]) -> list:
    """The requirements whose test method (or category) the lab is not accredited for."""
    methods = {_norm(m) for m in lab.scope_methods or []}
    categories = set(lab.scope_categories.values_list("pk", flat=True))
    if categories and not ({inspection.category_id, inspection.category.parent_id} & categories):
        return list(requirements)
    return [r for r in requirements if r.test_method and _norm(r.test_method) not in methods]


def check_accredited(lab: Lab, inspection: Inspection, requirements=None) -> None:
    problem = accreditation_problem(lab)
    if problem:
        raise DomainError(problem, code="lab_not_accredited")
    requirements = (
        list(inspection.standard_version.requirements.all())
        if requirements is None
        else requirements
    )
    gaps = scope_gaps(lab, inspection, requirements)
    if gaps:
        raise DomainError(
            _("%(lab)s is not accredited for %(items)s.")
            % {
                "lab": lab.name,
                "items": ", ".join(
                    f"{r.code} ({r.test_method or inspection.category})" for r in gaps
                ),
            },
            code="outside_accreditation",
        )


@transaction.atomic
def suspend_lab(*, lab: Lab, reason: str = "", by, reason_code: str = "") -> Lab:
    """`reason`: staff's words; an action without words gives a code of
    inspections.reason_texts instead (rendered in each reader's language)."""
    reason = "" if reason_code else (reason or "").strip()
    if not (reason or reason_code):
        raise DomainError({"reason": _("Give the reason for this decision.")})
    lab = Lab.objects.select_for_update().get(pk=lab.pk)
    if lab.status == Lab.Status.SUSPENDED:
        raise DomainError(_("This lab is already suspended."), code="already_suspended")
    lab.status, lab.status_reason = Lab.Status.SUSPENDED, reason
    lab.status_reason_code, lab.status_reason_params = reason_code, {}
    lab.save(
        update_fields=["status", "status_reason", "status_reason_code", "status_reason_params"]
    )
    record_decision(
        lab,
        action="suspend",
        from_state="active",
        to_state="suspended",
        actor=by,
        reason=reason,
        data=reason_data(reason_code),
    )
    return lab


@transaction.atomic
def reinstate_lab(*, lab: Lab, by, note: str = "") -> Lab:
    """Lift a suspension; an expired accreditation must be renewed first."""
    lab = Lab.objects.select_for_update().get(pk=lab.pk)
    if lab.valid_until < _today():
        raise DomainError(
            {"valid_until": _("Record the renewed accreditation's validity first.")},
            code="accreditation_expired",
        )
    lab.status, lab.status_reason = Lab.Status.ACTIVE, ""
    lab.status_reason_code, lab.status_reason_params = "", {}
    lab.save(
        update_fields=["status", "status_reason", "status_reason_code", "status_reason_params"]
    )
    record_decision(
        lab, action="reinstate", from_state="suspended", to_state="active", actor=by, reason=note
    )
    return lab


_EXPIRING = """
    SELECT 'lab_accreditation_expiring',
           'lab_accreditation_expiring:' || %(days)s || ':' || l.valid_until || ':lab:' || l.id
           || ':group:' || %(group)s,
           NULL::bigint, %(group)s, %(ct)s, l.id::text,
           jsonb_build_object('lab', l.name, 'date', l.valid_until::text),
           %(url)s || l.id || '/'
    FROM inspections_lab l
    WHERE l.status = 'active' AND l.valid_until >= %(today)s AND l.valid_until <= %(until)s
"""


def sweep_accreditations(*, today: date | None = None) -> dict[str, int]:
    """Daily: remind Quality Management 60, 30 and 7 days before an accreditation ends
    (one alert per step), and suspend the labs whose accreditation has expired, in one
    UPDATE (the history trigger writes their rows; one decision each)."""
    today = today or _today()
    group = Group.objects.filter(name=Role.QUALITY_MANAGEMENT).first()
    reminded = 0
    if group is not None:
        ct = ContentType.objects.get_for_model(Lab).pk
        url = reverse("inspections:staff-labs")
        for days in REMINDER_DAYS:
            reminded += len(
                raise_alerts_from_select(
                    _EXPIRING,
                    {
                        "days": days,
                        "group": group.pk,
                        "ct": ct,
                        "url": url,
                        "today": today,
                        "until": today + timedelta(days=days),
                    },
                )
            )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE inspections_lab
               SET status = 'suspended', status_reason = '', status_reason_code = %s,
                   status_reason_params = '{}'::jsonb
            WHERE status = 'active' AND valid_until < %s
            RETURNING id
            """,
            [inspection_reasons.ACCREDITATION_EXPIRED, today],
        )
        suspended = [row[0] for row in cursor.fetchall()]
        for pk in suspended:
            record_decision(
                Lab(pk=pk),
                action="suspend",
                from_state="active",
                to_state="suspended",
                data=reason_data(inspection_reasons.ACCREDITATION_EXPIRED),
            )
    return {"reminded": reminded, "suspended": len(suspended)}


# --- samples and custody -------------------------------------------------------------------
def new_sample_code() -> str:
    return "S-" + "".join(secrets.choice(SAMPLE_ALPHABET) for _i in range(10))


@transaction.atomic
def assign_sample(*, inspection: Inspection, lab: Lab, by, seal_number: str = "") -> Sample:
    """The lot is sampled: the sealed sample gets a code and goes to an accredited lab (a
    suspended or expired lab, or one outside its scope, takes no new samples)."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status not in (Inspection.Status.DRAFT, Inspection.Status.RECORDED):
        raise DomainError(_("The verdict of this inspection is given."), code="decided")
    lab = Lab.objects.get(pk=lab.pk)
    check_accredited(lab, inspection)
    sample = Sample.objects.create(
        code=new_sample_code(),
        inspection=inspection,
        lab=lab,
        seal_number=(seal_number or "").strip()[:64],
    )
    CustodyEvent.objects.create(
        sample=sample,
        kind=CustodyKind.SEALED,
        at=timezone.now(),
        by=_user(by),
    )
    if not inspection.lab:
        inspection.lab = lab.name[:200]
        inspection.save(update_fields=["lab"])
    record_decision(sample, action="sealed", to_state=sample.status, actor=by)
    return sample


def _check_actor(sample: Sample, by, kind: str) -> None:
    lab = lab_of(by)
    if lab is not None:
        if lab.pk != sample.lab_id:
            raise NotAllowed(_("This sample is assigned to another lab."))
        if kind not in LAB_STEPS:
            raise NotAllowed(_("The platform records this step, not the lab."))
        return
    if not has_role(by, Role.QUALITY_MANAGEMENT):
        raise NotAllowed(_("Only Quality Management or the sample's lab may record custody."))
    if kind not in STAFF_STEPS:
        raise NotAllowed(_("The lab records this step."))


@transaction.atomic
def record_custody(
    *, sample: Sample, kind: str, by, note: str = "", condition: str = ""
) -> CustodyEvent:
    """One step of the chain of custody, in order; receipt records the sample's
    condition, a refusal its reason."""
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    if kind not in CustodyKind.values:
        raise DomainError({"kind": _("Unknown custody step.")})
    _check_actor(sample, by, kind)
    note = (note or "").strip()
    fields = []
    if kind == CustodyKind.RECEIVED:
        if condition not in Sample.Condition.values:
            raise DomainError({"condition": _("Record the sample's condition on receipt.")})
        sample.condition = condition
        fields.append("condition")
    if kind == CustodyKind.REFUSED:
        if not note:
            raise DomainError({"note": _("Give the reason for refusing the sample.")})
        sample.refusal_reason = note
        fields.append("refusal_reason")
    if kind == CustodyKind.TESTED and sample.results_submitted_at is None:
        raise DomainError(_("Submit the results before marking the sample tested."))
    CUSTODY_FLOW.apply(sample, kind, actor=by, reason=note, update_fields=fields)
    event = CustodyEvent.objects.create(
        sample=sample, kind=kind, at=timezone.now(), by=_user(by), note=note
    )
    if kind == CustodyKind.REFUSED:
        group = Group.objects.filter(name=Role.QUALITY_MANAGEMENT).first()
        if group is not None:
            from core.alerts import raise_alert

            raise_alert(
                kind="sample_refused",
                key=f"sample_refused:sample:{sample.pk}:group:{group.pk}",
                group=group,
                obj=sample,
                payload={"sample": sample.code, "lab": sample.lab.name, "reason": note},
                url=reverse("inspections:staff-samples", args=[sample.inspection_id]),
            )
    return event


# --- results from the lab ------------------------------------------------------------------
class LabResultsRejected(DomainError):
    """Bad rows: `errors` lists {row, column, message}; nothing was stored."""

    def __init__(self, errors: list[dict]):
        super().__init__(
            _("%(n)d errors; no result was stored.") % {"n": len(errors)}, code="bad_results"
        )
        self.errors = errors


#: Physically possible values per unit (inclusive); other units: not negative.
PHYSICAL_RANGE = {
    "%": (Decimal(0), Decimal(100)),
    "pH": (Decimal(0), Decimal(14)),
    "°C": (Decimal("-273.15"), Decimal(10000)),
    "℃": (Decimal("-273.15"), Decimal(10000)),
}
MAX_VALUE = Decimal("1e9")


def physical_range(unit: str) -> tuple[Decimal, Decimal]:
    return PHYSICAL_RANGE.get(unit, (Decimal(0), MAX_VALUE))


_PASSED = {"pass": True, "passed": True, "ok": True, "合格": True, "1": True, "true": True}
_FAILED = {"fail": False, "failed": False, "ng": False, "不合格": False, "0": False, "false": False}


def _as_passed(raw):
    if isinstance(raw, bool):
        return raw
    text = str(raw or "").strip().casefold()
    if text in _PASSED:
        return True
    if text in _FAILED:
        return False
    return None


def _parse_rows(lab: Lab, rows: list[Mapping], *, start: int) -> dict[int, list]:
    """Check rows {sample_code, sample, test_item, result, value, unit} (row numbers from
    `start`); return {inspection_id: [result rows for record_results]} or raise
    LabResultsRejected with each error's row and column."""
    errors: list[dict] = []

    def err(row, column, message):
        errors.append({"row": row, "column": column, "message": str(message)})

    codes = {str(r.get("sample_code") or "").strip() for r in rows}
    samples = {
        s.code: s
        for s in Sample.objects.filter(code__in=codes).select_related(
            "inspection__category", "inspection__standard_version"
        )
    }
    inspections = {s.inspection_id: s.inspection for s in samples.values() if s.lab_id == lab.pk}
    requirements: dict[int, dict[str, Requirement]] = {}
    version_ids = {i.standard_version_id for i in inspections.values()}
    by_version: dict[int, dict[str, Requirement]] = {v: {} for v in version_ids}
    for requirement in Requirement.objects.filter(version_id__in=version_ids):
        by_version[requirement.version_id][requirement.code] = requirement
    for pk, inspection in inspections.items():
        requirements[pk] = by_version[inspection.standard_version_id]
    problem = accreditation_problem(lab)
    if problem:
        raise DomainError(problem, code="lab_not_accredited")
    methods = {_norm(m) for m in lab.scope_methods or []}
    lab_categories = set(lab.scope_categories.values_list("pk", flat=True))
    seen: dict[tuple, int] = {}
    out: dict[int, list] = {}
    for offset, raw in enumerate(rows):
        number = start + offset
        code = str(raw.get("sample_code") or "").strip()
        sample = samples.get(code)
        if sample is None:
            err(number, "sample_code", _("Unknown sample code %(code)s.") % {"code": code})
            continue
        if sample.lab_id != lab.pk:
            err(number, "sample_code", _("Sample %(code)s is another lab's.") % {"code": code})
            continue
        if sample.status not in (CustodyKind.RECEIVED, CustodyKind.TESTED):
            err(
                number,
                "sample_code",
                _("Sample %(code)s is %(status)s; results are taken once it is received.")
                % {"code": code, "status": sample.get_status_display()},
            )
            continue
        inspection = sample.inspection
        if inspection.status not in (Inspection.Status.DRAFT, Inspection.Status.RECORDED):
            err(
                number,
                "sample_code",
                _("The verdict on sample %(code)s is given.") % {"code": code},
            )
            continue
        item = str(raw.get("test_item") or "").strip()
        requirement = requirements[inspection.pk].get(item)
        if requirement is None:
            err(
                number,
                "test_item",
                _("Unknown test item %(item)s: not in the standard version of this inspection.")
                % {"item": item},
            )
            continue
        if lab_categories and not (
            {inspection.category_id, inspection.category.parent_id} & lab_categories
        ):
            err(
                number,
                "test_item",
                _("%(lab)s is not accredited for the category %(category)s.")
                % {"lab": lab.name, "category": inspection.category},
            )
            continue
        if requirement.test_method and _norm(requirement.test_method) not in methods:
            err(
                number,
                "test_item",
                _("%(lab)s is not accredited for the test method %(method)s of %(item)s.")
                % {"lab": lab.name, "method": requirement.test_method, "item": item},
            )
            continue
        item_number = raw.get("sample")
        try:
            item_number = int(str(item_number).strip())
        except (TypeError, ValueError):
            item_number = None
        size = inspection.sampling_plans[requirement.severity]["sample_size"]
        if item_number is None or item_number < 1:
            err(number, "sample", _("The item number must be a whole number from 1."))
            continue
        if item_number > size:
            err(
                number,
                "sample",
                _("Item %(n)d is beyond the sample size of %(size)d for %(item)s.")
                % {"n": item_number, "size": size, "item": item},
            )
            continue
        key = (inspection.pk, item_number, requirement.pk)
        if key in seen:
            err(
                number,
                "test_item",
                _("Duplicate row: item %(n)d of %(item)s is already in row %(row)d.")
                % {"n": item_number, "item": item, "row": seen[key]},
            )
            continue
        seen[key] = number
        result = {"sample_number": item_number, "requirement": requirement.pk}
        if requirement.kind == Requirement.Kind.PASS_FAIL:
            passed = _as_passed(raw.get("result"))
            if passed is None:
                err(
                    number,
                    "result",
                    _("%(item)s is pass/fail: write pass or fail.") % {"item": item},
                )
                continue
            if str(raw.get("value") or "").strip():
                err(
                    number, "value", _("%(item)s is pass/fail and takes no value.") % {"item": item}
                )
                continue
            result.update(passed=passed, value=None, unit="")
        else:
            text = str(raw.get("value") or "").strip()
            try:
                value = Decimal(text)
                if not value.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                err(number, "value", _("%(value)s is not a number.") % {"value": text or '""'})
                continue
            unit = str(raw.get("unit") or "").strip() or requirement.unit
            if unit != requirement.unit:
                err(
                    number,
                    "unit",
                    _("%(item)s is measured in %(expected)s, not %(unit)s.")
                    % {"item": item, "expected": requirement.unit, "unit": unit},
                )
                continue
            low, high = physical_range(unit)
            if not low <= value <= high:
                err(
                    number,
                    "value",
                    _(
                        "%(value)s %(unit)s is outside the physically possible range "
                        "%(low)s to %(high)s."
                    )
                    % {"value": text, "unit": unit, "low": low, "high": high},
                )
                continue
            result.update(value=str(value), unit=unit)
        out.setdefault(inspection.pk, []).append(result)
    if errors:
        raise LabResultsRejected(errors)
    if not out:
        raise LabResultsRejected([{"row": start, "column": "", "message": _("No results given.")}])
    return out


@transaction.atomic
def submit_results(*, lab: Lab, rows: list[Mapping], by, start: int = 1) -> dict[str, int]:
    """Store a lab's results (grid, CSV or API rows), all or nothing. The lab must be
    accredited now and for each test item's method; each row must be of its own samples."""
    if not isinstance(rows, list):
        raise DomainError(_("Send a list of results."))
    if len(rows) > MAX_CSV_ROWS:
        raise DomainError(_("At most %(n)d results at once.") % {"n": MAX_CSV_ROWS})
    grouped = _parse_rows(lab, rows, start=start)
    from inspections.services import record_results

    stored = 0
    now = timezone.now()
    for inspection_id, results in grouped.items():
        try:
            stored += record_results(
                inspection=Inspection(pk=inspection_id), results=results, by=by
            )
        except DomainError as exc:
            detail = getattr(exc, "message_dict", None) or {"results": exc.messages}
            raise LabResultsRejected(
                [
                    {"row": start, "column": "", "message": str(m)}
                    for messages in detail.values()
                    for m in messages
                ]
            ) from None
    codes = {str(r.get("sample_code")).strip() for r in rows}
    Sample.objects.filter(code__in=codes, lab=lab).update(results_submitted_at=now)
    return {"stored": stored, "inspections": len(grouped)}


def parse_csv(data: bytes) -> list[dict]:
    """CSV (UTF-8, with or without BOM) with the template's header -> row dicts."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LabResultsRejected(
            [{"row": 1, "column": "", "message": _("The file is not UTF-8 text (CSV).")}]
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("sample_code", "sample", "test_item") if c not in header]
    unknown = [c for c in header if c not in TEMPLATE_COLUMNS]
    if missing or unknown:
        raise LabResultsRejected(
            [
                {
                    "row": 1,
                    "column": c,
                    "message": _("Missing column %(c)s.") % {"c": c}
                    if c in missing
                    else _("Unknown column %(c)s.") % {"c": c},
                }
                for c in missing + unknown
            ]
        )
    reader.fieldnames = header
    return [{k: v for k, v in row.items() if k != CSV_LABEL_COLUMN} for row in reader]


def import_csv(*, lab: Lab, data: bytes, by) -> dict[str, int]:
    """A CSV upload of results: row numbers in errors count the header as row 1."""
    return submit_results(lab=lab, rows=parse_csv(data), by=by, start=2)


def csv_template(samples: Iterable[Sample]) -> str:
    """The template to fill in: a row per sample, item and test item, values empty; beside
    the test item's code (what the import reads) its name and unit in the reader's language."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    for sample in samples:
        inspection = sample.inspection
        for requirement in inspection.standard_version.requirements.all():
            size = inspection.sampling_plans[requirement.severity]["sample_size"]
            label = requirement.label_with_unit
            for n in range(1, size + 1):
                writer.writerow([sample.code, n, requirement.code, label, "", "", requirement.unit])
    return out.getvalue()


@atomic_with_uploads()
def submit_report(*, sample: Sample, file, by) -> Sample:
    """The signed test report (a PDF through the validated upload path; its SHA-256 is
    kept on the sample) and a copy among the inspection's lab reports."""
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    lab = lab_of(by)
    if lab is not None and lab.pk != sample.lab_id:
        raise NotAllowed(_("This sample is assigned to another lab."))
    if lab is None and not has_role(by, Role.QUALITY_MANAGEMENT):
        raise NotAllowed(_("Only the sample's lab may submit its report."))
    try:
        checked = validate_upload(file)
    except ValidationError as exc:
        raise DomainError({"report": exc.messages}, code="bad_report") from None
    if checked.content_type != PDF:
        raise DomainError({"report": _("The report must be a PDF.")}, code="not_pdf")
    upload = store_upload(file, uploaded_by=by)
    sample.report, sample.report_sha256 = upload, upload.sha256
    sample.save(update_fields=["report", "report_sha256"])
    sample.inspection.attachments.add(upload)
    record_decision(
        sample, action="report", actor=by, data={"sha256": upload.sha256, "upload": str(upload.pk)}
    )
    return sample

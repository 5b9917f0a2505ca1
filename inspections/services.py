"""Inspections services: every write about plans, inspections, results, verdicts, the
switching state and objections. Views, admin, API and tasks call these."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import pgtrigger
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import policies
from core.alerts import AlertSpec, raise_alerts
from core.audit import Workflow, record_decision
from core.db import advisory_xact_lock
from core.decision_labels import reason_data
from core.exceptions import DomainError, NotAllowed
from core.roles import Role
from core.uploads import atomic_with_uploads, store_upload
from inspections import reason_texts as inspection_reasons
from inspections import switching
from inspections.models import (
    Inspection,
    InspectionPlan,
    Objection,
    SampleResult,
    Severity,
    SwitchingRecord,
)
from inspections.policies import OBJECTIONS, PLANNING, SAMPLING
from inspections.sampling import SamplingError, SamplingPlan, single_sampling_plan
from inspections.verdict import DEFECT_CLASSES, Verdict, lot_verdict
from merchants import reason_texts
from merchants.models import Membership, Merchant, Restriction
from merchants.selectors import merchant_of
from merchants.services import can_sell, lift, record_violation, restrict, withdraw_violation
from products.models import Lot, Product, Requirement
from products.services import (
    delist_listing,
    lot_reused_error,
    relist_after_reinspection,
    standard_version_for,
)

# The standing rule a rejected lot breaks (seeded in merchants 0003_standing).
LOT_REJECTED_RULE = "inspection_lot_rejected"

PLAN_FLOW = Workflow(
    "status",
    {
        InspectionPlan.Status.DUE: {
            InspectionPlan.Status.IN_PROGRESS,
            InspectionPlan.Status.CANCELLED,
        },
        InspectionPlan.Status.IN_PROGRESS: {InspectionPlan.Status.DONE},
    },
    labels=dict(InspectionPlan.Status.choices),
)
INSPECTION_FLOW = Workflow(
    "status",
    {
        Inspection.Status.DRAFT: {Inspection.Status.RECORDED},
        Inspection.Status.RECORDED: {Inspection.Status.ACCEPTED, Inspection.Status.REJECTED},
        Inspection.Status.REJECTED: {Inspection.Status.OVERTURNED},
    },
    labels=dict(Inspection.Status.choices),
)
OBJECTION_FLOW = Workflow(
    "status",
    {
        Objection.Status.SUBMITTED: {Objection.Status.RETEST_SCHEDULED},
        Objection.Status.RETEST_SCHEDULED: {Objection.Status.UPHELD, Objection.Status.DISMISSED},
    },
    labels=dict(Objection.Status.choices),
)
OPEN_RESULTS = (Inspection.Status.DRAFT, Inspection.Status.RECORDED)


# --- errors from the pure modules, translated ---------------------------------------------
def sampling_error(exc: SamplingError) -> DomainError:
    """The pure modules raise with a stable code and the offending value; say it in the
    user's language."""
    params = {name: str(value) for name, value in exc.params.items()}
    messages = {
        "invalid_lot_size": _(
            "The lot size must be a whole number of at least 1, got %(lot_size)s."
        ),
        "invalid_aql": _(
            "AQL %(aql)s is not in the ISO 2859-1 tables (0 for critical, or a column from "
            "0.010 to 1000); correct the sampling policy."
        ),
        "invalid_inspection_level": _(
            "Inspection level %(level)s is not in ISO 2859-1 Table 1; correct the sampling policy."
        ),
        "invalid_severity": _("Unknown inspection severity %(severity)s."),
        "inspection_discontinued": _(
            "Acceptance is stopped for this merchant and category after 5 lots rejected on "
            "tightened inspection; accept the corrective action first."
        ),
        "inspection_not_discontinued": _(
            "Inspection is not discontinued for this merchant and category."
        ),
    }
    field = "lot_size" if exc.code == "invalid_lot_size" else None
    try:
        text = messages[exc.code] % params
    except KeyError:
        text = _("The sampling rules refused this input: %(detail)s") % {"detail": exc.message}
    return DomainError({field: text} if field else text, code=exc.code)


def _today() -> date:
    return timezone.localdate()


def _user(by):
    return by if getattr(by, "is_authenticated", False) else None


# --- plans ---------------------------------------------------------------------------------
def _check_plan_scope(*, merchant: Merchant, category=None, product: Product | None = None):
    if product is not None and product.merchant_id != merchant.pk:
        raise DomainError({"product": _("This product belongs to another merchant.")})
    if product is not None and category is not None and product.category_id != category.pk:
        raise DomainError({"category": _("The product is not in this category.")})


@transaction.atomic
def create_plan(
    *,
    kind: str,
    merchant: Merchant,
    due_by: date,
    category=None,
    product: Product | None = None,
    period: str = "",
    reason: str = "",
    source: str = "",
    tightened: bool = False,
    retest_of: Inspection | None = None,
    by=None,
    reason_code: str = "",
    reason_params: dict | None = None,
) -> InspectionPlan:
    """Plan one inspection. `period` identifies it within the merchant and kind; a manual
    plan gets a unique one. Planning the same period twice is refused."""
    if kind not in InspectionPlan.Kind.values:
        raise DomainError({"kind": _("Unknown kind of inspection plan.")})
    if due_by < _today():
        raise DomainError({"due_by": _("An inspection cannot be due in the past.")})
    if kind == InspectionPlan.Kind.RETEST and product is None:
        raise DomainError({"product": _("A re-test is of one product.")})
    _check_plan_scope(merchant=merchant, category=category, product=product)
    try:
        with transaction.atomic():
            plan = InspectionPlan.objects.create(
                kind=kind,
                merchant=merchant,
                category=category or (product.category if product else None),
                product=product,
                period=period or f"manual:{uuid.uuid4().hex}",
                due_by=due_by,
                tightened=tightened or kind == InspectionPlan.Kind.PROBATION,
                reason="" if reason_code else reason,
                reason_code=reason_code,
                reason_params=reason_params or {},
                source=source,
                retest_of=retest_of,
                created_by=_user(by),
            )
    except IntegrityError:
        raise DomainError(
            _("%(merchant)s already has this inspection planned for %(period)s.")
            % {"merchant": merchant, "period": period},
            code="already_planned",
        ) from None
    # A reason the system words (reason_code) is rendered in each reader's language.
    record_decision(
        plan,
        action="plan",
        to_state=plan.status,
        actor=by,
        reason="" if reason_code else reason,
        data=reason_data(reason_code, reason_params),
    )
    return plan


@transaction.atomic
def schedule_risk_inspection(
    *,
    merchant: Merchant,
    source: str,
    reason: str = "",
    product=None,
    category=None,
    by=None,
    reason_code: str = "",
    reason_params: dict | None = None,
) -> InspectionPlan:
    """A substantiated false-advertising report or a complaint spike: an inspection within
    the policy's days (7 by default). Idempotent per source (one plan per cause). `reason`:
    staff's words; the system gives a code of a reason_texts module and its parameters."""
    if not (source or "").strip():
        raise DomainError(_("Name what triggered the inspection."))
    existing = InspectionPlan.objects.filter(
        merchant=merchant, kind=InspectionPlan.Kind.RISK_TRIGGERED, period=source
    ).first()
    if existing is not None:
        return existing
    days = policies.get(PLANNING)["risk_due_days"]
    return create_plan(
        kind=InspectionPlan.Kind.RISK_TRIGGERED,
        merchant=merchant,
        product=product,
        category=category,
        due_by=_today() + timedelta(days=days),
        period=source,
        source=source,
        reason=reason,
        reason_code=reason_code,
        reason_params=reason_params,
        by=by,
    )


@transaction.atomic
def cancel_plan(
    *, plan: InspectionPlan, by, reason: str = "", reason_code: str = ""
) -> InspectionPlan:
    """`reason`: staff's words; an action without words gives a code of
    inspections.reason_texts instead (rendered in each reader's language)."""
    if not ((reason or "").strip() or reason_code):
        raise DomainError({"reason": _("Give the reason for this decision.")})
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    PLAN_FLOW.apply(
        plan,
        InspectionPlan.Status.CANCELLED,
        actor=by,
        reason="" if reason_code else reason,
        data=reason_data(reason_code),
    )
    return plan


# --- the planner ------------------------------------------------------------------------
# Each kind is one INSERT ... SELECT ... ON CONFLICT DO NOTHING; the unique key (merchant,
# kind, period) makes a second run, a retried task or two overlapping beats harmless. The
# row history is written set-based in the same statement (the per-row pghistory trigger is
# skipped for it: at 100,000 merchants it is most of the time), with the task's context.
_PLAN_COLUMNS = (
    "kind, merchant_id, category_id, product_id, period, due_by, tightened, status, reason, "
    "reason_code, reason_params, source, retest_of_id, created_by_id, created_at"
)
# `clock.at` is the application's instant (timezone.now(), the first parameter), never the
# database's now(): plans and their history carry the time the rules compare against.
_WITH_HISTORY = f"""
    WITH clock AS (SELECT %s::timestamptz AS at),
    inserted AS (
        INSERT INTO inspections_inspectionplan ({_PLAN_COLUMNS})
        {{select}}
        ON CONFLICT (merchant_id, kind, period) DO NOTHING
        RETURNING id, {_PLAN_COLUMNS}
    )
    INSERT INTO inspections_inspectionplanevent
        (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, id, {_PLAN_COLUMNS})
    SELECT (SELECT at FROM clock), 'insert', id, (SELECT _pgh_attach_context()), id,
           {_PLAN_COLUMNS}
    FROM inserted
"""  # noqa: S608 - constant column list
_PERIODIC = _WITH_HISTORY.format(
    select="""
    SELECT 'periodic', m.id, NULL, NULL, %s, %s, false, 'due', '', %s, %s::jsonb,
           'planner', NULL, NULL, (SELECT at FROM clock)
    FROM merchants_merchant AS m
    WHERE m.status IN ('probation', 'active')
"""
)
_PROBATION = _WITH_HISTORY.format(
    select="""
    SELECT 'probation', m.id, NULL, NULL, 'probation',
           (m.went_live_at AT TIME ZONE %s)::date + %s, true, 'due', '', %s, %s::jsonb,
           'planner', NULL, NULL, (SELECT at FROM clock)
    FROM merchants_merchant AS m
    WHERE m.status = 'probation' AND m.went_live_at IS NOT NULL
"""
)
# The month's random sample is a deterministic hash order of the active merchants, so a
# second run the same month picks the same merchants (and inserts nothing).
_RANDOM = _WITH_HISTORY.format(
    select="""
    SELECT 'random', m.id, NULL, NULL, %s, %s, false, 'due', '', %s, %s::jsonb,
           'planner', NULL, NULL, (SELECT at FROM clock)
    FROM merchants_merchant AS m
    WHERE m.status = 'active'
    ORDER BY md5(m.id::text || ':' || %s)
    LIMIT (SELECT ceil(count(*) * %s / 100.0)::bigint
           FROM merchants_merchant WHERE status = 'active')
"""
)

# --- risk tiers feeding the planner (hook for a higher app) ---------------------------------
# A higher app (the reports app's risk score) registers a function returning a SELECT of
# (merchant_id, random_weight, monthly) rows, with values written into the SQL (no
# parameters). Merchants it lists weigh `random_weight` in the monthly random sample
# (weighted sampling without replacement, Efraimidis-Spirakis: order by -ln(u) / weight with
# u a deterministic hash in (0, 1), so a second run the same month picks the same merchants),
# and those with `monthly` also get a periodic check every month, not only every quarter.
# Registered at app start, so this app never imports upward.
RISK_SOURCES: list[Callable[[], str]] = []


def register_risk_source(source: Callable[[], str]) -> None:
    RISK_SOURCES[:] = [source]


_WEIGHTED_RANDOM = """
    SELECT 'random', m.id, NULL, NULL, %s, %s, false, 'due', '', %s, %s::jsonb,
           'planner', NULL, NULL, (SELECT at FROM clock)
    FROM merchants_merchant AS m
    LEFT JOIN ({risk}) AS risk ON risk.merchant_id = m.id
    WHERE m.status = 'active'
    ORDER BY -ln((('x' || substr(md5(m.id::text || ':' || %s), 1, 13))::bit(52)::bigint + 1)
                 / (2 ^ 52 + 1)) / greatest(coalesce(risk.random_weight, 1), 0.000001), m.id
    LIMIT (SELECT ceil(count(*) * %s / 100.0)::bigint
           FROM merchants_merchant WHERE status = 'active')
"""
_MONTHLY = """
    SELECT 'periodic', m.id, NULL, NULL, %s, %s, false, 'due', '', %s, %s::jsonb,
           'planner', NULL, NULL, (SELECT at FROM clock)
    FROM merchants_merchant AS m
    JOIN ({risk}) AS risk ON risk.merchant_id = m.id
    WHERE risk.monthly AND m.status IN ('probation', 'active')
"""


def quarter_of(day: date) -> tuple[str, date]:
    """("2026Q4", last day of that quarter)."""
    quarter = (day.month - 1) // 3 + 1
    end_month = quarter * 3
    next_first = date(day.year + (end_month == 12), end_month % 12 + 1, 1)
    return f"{day.year}Q{quarter}", next_first - timedelta(days=1)


def month_of(day: date) -> tuple[str, date]:
    """("2026-11", last day of that month)."""
    next_first = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return f"{day.year}-{day.month:02d}", next_first - timedelta(days=1)


def _coded(code: str, params: dict) -> tuple[str, str]:
    """The reason code and its parameters (JSON) of a planned row: the reader's language
    renders the words (inspections.reason_texts)."""
    return code, json.dumps(params)


@transaction.atomic
def plan_due_inspections(*, at: datetime | None = None) -> dict[str, int]:
    """Create the due plans, set-based: each live merchant once a quarter, each merchant on
    probation once (within 30 days of going live, tightened), and a share of the active
    merchants each month. Running it again creates nothing new."""
    advisory_xact_lock("inspections.planner")
    now = at or timezone.now()
    today = timezone.localdate(now)
    settings = policies.get(PLANNING, now)
    quarter, quarter_end = quarter_of(today)
    month, month_end = month_of(today)
    created = {}
    with (
        pgtrigger.ignore("inspections.InspectionPlan:insert_insert"),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            _PERIODIC,
            # (pgtrigger.ignore adds its own positional parameter: no named ones here.)
            [
                now,
                quarter,
                quarter_end,
                *_coded(inspection_reasons.PLAN_QUARTERLY, {"period": quarter}),
            ],
        )
        created["periodic"] = cursor.rowcount
        cursor.execute(
            _PROBATION,
            [
                now,
                timezone.get_current_timezone_name(),
                settings["probation_due_days"],
                *_coded(inspection_reasons.PLAN_PROBATION, {}),
            ],
        )
        created["probation"] = cursor.rowcount
        risk = RISK_SOURCES[0]() if RISK_SOURCES else None
        cursor.execute(
            _WITH_HISTORY.format(select=_WEIGHTED_RANDOM.format(risk=risk)) if risk else _RANDOM,
            [
                now,
                month,
                month_end,
                *_coded(inspection_reasons.PLAN_RANDOM, {"period": month}),
                month,
                settings["random_share_percent"],
            ],
        )
        created["random"] = cursor.rowcount
        if risk:
            cursor.execute(
                _WITH_HISTORY.format(select=_MONTHLY.format(risk=risk)),
                [
                    now,
                    month,
                    month_end,
                    *_coded(inspection_reasons.PLAN_MONTHLY, {"period": month}),
                ],
            )
            created["periodic"] += cursor.rowcount
    return created


# --- starting an inspection --------------------------------------------------------------
def _switching_record(*, merchant: Merchant, category, start_tightened: bool) -> SwitchingRecord:
    """The merchant's switching state in the category, locked; a new scheme starts on
    tightened inspection for a merchant on probation (§2), else on normal."""
    severity = Severity.TIGHTENED if start_tightened else Severity.NORMAL
    SwitchingRecord.objects.get_or_create(
        merchant=merchant, category=category, defaults={"severity": severity}
    )
    return SwitchingRecord.objects.select_for_update().get(merchant=merchant, category=category)


def _plans_for(*, lot_size, classes: Iterable[str], severity: str, policy: Mapping) -> dict:
    plans = {}
    for defect_class in classes:
        try:
            plan = single_sampling_plan(
                lot_size, policy[f"aql_{defect_class}"], level=policy["level"], severity=severity
            )
        except SamplingError as exc:
            raise sampling_error(exc) from None
        plans[defect_class] = dataclasses.asdict(plan)
    return plans


def stored_plans(inspection: Inspection) -> dict[str, SamplingPlan]:
    return {name: SamplingPlan(**plan) for name, plan in inspection.sampling_plans.items()}


@transaction.atomic
def start_inspection(
    *,
    plan: InspectionPlan,
    product: Product,
    lot_size,
    batch: str = "",
    lab: str = "",
    inspector=None,
    by=None,
    lot=None,
) -> Inspection:
    """Open the inspection of one lot: pin the standard version in force and the sampling
    policy, read the severity from the switching state and store one ISO 2859-1 plan per
    class of nonconformity the standard has requirements of."""
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != InspectionPlan.Status.DUE:
        raise DomainError(
            _("This plan is %(status)s; only a due plan can be started.")
            % {"status": plan.get_status_display()},
            code="plan_not_due",
        )
    if product.merchant_id != plan.merchant_id:
        raise DomainError({"product": _("This product belongs to another merchant.")})
    if plan.product_id and plan.product_id != product.pk:
        raise DomainError({"product": _("This plan is for another product.")})
    if plan.category_id and plan.category_id not in (
        product.category_id,
        product.category.parent_id,
    ):
        raise DomainError({"product": _("The product is not in the plan's category.")})
    batch = (batch or "").strip()
    if lot is not None:
        if lot.product_id != product.pk:
            raise DomainError({"lot": lot_reused_error(lot.number, lot.product)}, code="lot_reused")
        batch = batch or lot.number
    if not batch:
        raise DomainError({"batch": _("Name the batch (lot) inspected.")})
    if lot is None:
        # The lot named by the batch number, when the product's lots are known.
        lot = Lot.objects.filter(merchant_id=product.merchant_id, number=batch).first()
        if lot is not None and lot.product_id != product.pk:
            raise DomainError({"batch": lot_reused_error(batch, lot.product)}, code="lot_reused")
    version = standard_version_for(product.category)
    if version is None:
        raise DomainError(
            {
                "product": _("No published quality standard applies to %(category)s.")
                % {"category": product.category}
            },
            code="no_standard",
        )
    classes = [
        c
        for c in DEFECT_CLASSES
        if c in set(version.requirements.values_list("severity", flat=True))
    ]
    if not classes:
        raise DomainError(_("The standard version in force has no requirements."))
    original = plan.retest_of
    if original is not None:
        # A re-test repeats the disputed inspection's plan; it is not a lot of the scheme.
        severity = original.severity
    else:
        record = _switching_record(
            merchant=plan.merchant,
            category=product.category,
            start_tightened=plan.tightened or plan.merchant.status == Merchant.Status.PROBATION,
        )
        if record.severity == Severity.DISCONTINUED:
            raise sampling_error(switching.InspectionDiscontinued("discontinued"))
        severity = record.severity
    policy_version = policies.ensure_version(SAMPLING)
    policy = {**policies.REGISTRY[SAMPLING].defaults, **policy_version.value}
    sampling_plans = _plans_for(
        lot_size=lot_size, classes=classes, severity=severity, policy=policy
    )
    inspection = Inspection.objects.create(
        plan=plan,
        product=product,
        merchant=plan.merchant,
        category=product.category,
        lot_size=lot_size,
        batch=batch[:100],
        lot=lot,
        standard_version=version,
        severity=severity,
        level=policy["level"],
        sampling_policy=policy_version,
        sampling_plans=sampling_plans,
        sample_size=max(p["sample_size"] for p in sampling_plans.values()),
        inspector=_user(inspector) or _user(by),
        lab=(lab or "").strip()[:200],
    )
    record_decision(
        inspection,
        action="start",
        to_state=inspection.status,
        actor=by,
        data={"severity": severity, "standard_version": version.pk},
    )
    PLAN_FLOW.apply(plan, InspectionPlan.Status.IN_PROGRESS, actor=by)
    return inspection


@atomic_with_uploads()
def attach_lab_reports(*, inspection: Inspection, files, by=None) -> list:
    """Store lab reports (validated uploads) on an inspection; a bad file stores nothing."""
    uploads = [store_upload(file, uploaded_by=by) for file in files]
    inspection.attachments.add(*uploads)
    return uploads


# --- results -------------------------------------------------------------------------------
def expected_cells(inspection: Inspection) -> int:
    """Results a complete inspection has: each requirement on its class's n samples."""
    plans = inspection.sampling_plans
    return sum(
        plans[severity]["sample_size"] * count
        for severity, count in inspection.standard_version.requirements.values_list("severity")
        .annotate(n=Count("id"))
        .order_by()
    )


def _parse_value(raw) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        return None
    return value.quantize(Decimal("0.0001"))


def _item_name(requirement: Requirement) -> str:
    """A test item as an error names it: its label in the reader's language and its code
    (the code is what a pasted CSV row carries)."""
    return f"{requirement.label} ({requirement.code})"


def _check_row(index: int, row: Mapping, requirements: dict, plans: dict):
    """One result row -> (key, fields) or a list of translated errors for it."""
    errors = []
    prefix = _("Result %(n)d") % {"n": index}
    number = row.get("sample_number")
    requirement = requirements.get(row.get("requirement"))
    if requirement is None:
        errors.append(
            _(
                "%(row)s: requirement %(id)s is not part of the standard version pinned by "
                "this inspection."
            )
            % {"row": prefix, "id": row.get("requirement")}
        )
    if number.__class__ is bool or not isinstance(number, int) or number < 1:
        errors.append(
            _("%(row)s: the sample number must be a whole number from 1.") % {"row": prefix}
        )
    elif requirement is not None:
        size = plans[requirement.severity]["sample_size"]
        if number > size:
            errors.append(
                _(
                    "%(row)s: sample %(number)d is beyond the sample size of %(size)d for "
                    "%(class)s requirements."
                )
                % {
                    "row": prefix,
                    "number": number,
                    "size": size,
                    "class": requirement.get_severity_display(),
                }
            )
    if requirement is None or errors:
        return errors
    value, unit = row.get("value"), (row.get("unit") or "").strip()
    if requirement.kind == Requirement.Kind.PASS_FAIL:
        passed = row.get("passed")
        if not isinstance(passed, bool):
            errors.append(
                _("%(row)s: %(code)s is pass/fail; say whether the sample conforms.")
                % {"row": prefix, "code": _item_name(requirement)}
            )
        if value not in (None, "") or unit:
            errors.append(
                _("%(row)s: %(code)s is pass/fail and takes no measured value.")
                % {"row": prefix, "code": _item_name(requirement)}
            )
        return errors or ((number, requirement.pk), {"passed": passed, "value": None, "unit": ""})
    if value in (None, ""):
        errors.append(
            _("%(row)s: %(code)s needs the measured value.")
            % {"row": prefix, "code": _item_name(requirement)}
        )
        return errors
    parsed = _parse_value(value)
    if parsed is None:
        errors.append(_("%(row)s: %(value)s is not a number.") % {"row": prefix, "value": value})
    if not unit:
        errors.append(
            _("%(row)s: the measured value of %(code)s needs its unit (%(unit)s).")
            % {"row": prefix, "code": _item_name(requirement), "unit": requirement.unit}
        )
    elif unit != requirement.unit:
        errors.append(
            _("%(row)s: %(code)s is measured in %(expected)s, not %(unit)s.")
            % {
                "row": prefix,
                "code": _item_name(requirement),
                "expected": requirement.unit,
                "unit": unit,
            }
        )
    if errors:
        return errors
    passed = (requirement.min_value is None or parsed >= requirement.min_value) and (
        requirement.max_value is None or parsed <= requirement.max_value
    )
    return (number, requirement.pk), {"passed": passed, "value": parsed, "unit": unit}


@transaction.atomic
def record_results(*, inspection: Inspection, results: Iterable[Mapping], by=None) -> int:
    """Store results in bulk (a row per sample and requirement; a row given again replaces
    the earlier one). Every row is checked first: one bad row stores nothing, and the error
    names each bad row. Once every cell is filled the inspection is `recorded`."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status not in OPEN_RESULTS:
        raise DomainError(
            _("The verdict of this inspection is given; its results cannot change."),
            code="decided",
        )
    requirements = {r.pk: r for r in inspection.standard_version.requirements.all()}
    rows, errors = {}, []
    for index, row in enumerate(results, start=1):
        checked = _check_row(index, row, requirements, inspection.sampling_plans)
        if isinstance(checked, list):
            errors.extend(checked)
            continue
        key, fields = checked
        if key in rows:
            errors.append(
                _("Result %(n)d: sample %(number)d already has a result for this requirement.")
                % {"n": index, "number": key[0]}
            )
        rows[key] = fields
    if errors:
        raise DomainError({"results": errors}, code="bad_results")
    if not rows:
        raise DomainError({"results": [_("No results given.")]}, code="bad_results")
    now = timezone.now()
    SampleResult.objects.bulk_create(
        [
            SampleResult(
                inspection=inspection,
                sample_number=number,
                requirement_id=requirement_id,
                recorded_by=_user(by),
                recorded_at=now,
                **fields,
            )
            for (number, requirement_id), fields in rows.items()
        ],
        update_conflicts=True,
        unique_fields=["inspection", "sample_number", "requirement"],
        update_fields=["passed", "value", "unit", "recorded_by", "recorded_at"],
    )
    if (
        inspection.status == Inspection.Status.DRAFT
        and inspection.results.count() == expected_cells(inspection)
    ):
        INSPECTION_FLOW.apply(inspection, Inspection.Status.RECORDED, actor=by)
    return len(rows)


def nonconforming_counts(inspection: Inspection) -> dict[str, int]:
    """Nonconforming items per class: samples with at least one failed requirement of it."""
    counts = dict.fromkeys(inspection.sampling_plans, 0)
    failed = (
        inspection.results.filter(passed=False)
        .values_list("requirement__severity")
        .annotate(items=Count("sample_number", distinct=True))
        .order_by()
    )
    counts.update(dict(failed))
    return counts


# --- verdict, switching and consequences ---------------------------------------------------
@transaction.atomic
def decide_verdict(*, inspection: Inspection, by) -> Inspection:
    """Judge the lot from the Ac/Re numbers of its plans (any critical nonconformity
    rejects), update the switching state and act on the outcome."""
    inspection = Inspection.objects.select_for_update().select_related("plan").get(pk=inspection.pk)
    if inspection.status != Inspection.Status.RECORDED:
        if inspection.status == Inspection.Status.DRAFT:
            raise DomainError(
                _("Record every result first: %(done)d of %(expected)d results are in.")
                % {"done": inspection.results.count(), "expected": expected_cells(inspection)},
                code="incomplete",
            )
        raise DomainError(_("The verdict of this inspection is already given."), code="decided")
    plans = stored_plans(inspection)
    try:
        verdict = lot_verdict(plans, nonconforming_counts(inspection))
    except SamplingError as exc:
        raise sampling_error(exc) from None
    inspection.verdict_detail = {
        c.defect_class: {
            "nonconforming": c.nonconforming,
            "sample_size": c.sample_size,
            "accept": c.accept,
            "reject": c.reject,
            "accepted": c.accepted,
        }
        for c in verdict.classes
    }
    inspection.decided_by_class = verdict.decided_by or ""
    inspection.decided_by = _user(by)
    inspection.decided_at = timezone.now()
    INSPECTION_FLOW.apply(
        inspection,
        Inspection.Status.ACCEPTED if verdict.accepted else Inspection.Status.REJECTED,
        actor=by,
        action="verdict",
        data=inspection.verdict_detail,
        update_fields=["verdict_detail", "decided_by_class", "decided_by", "decided_at"],
    )
    _forget_public_record(inspection)
    plan = InspectionPlan.objects.select_for_update().get(pk=inspection.plan_id)
    PLAN_FLOW.apply(plan, InspectionPlan.Status.DONE, actor=by)
    inspection.plan = plan
    if plan.kind == InspectionPlan.Kind.RETEST:
        _conclude_retest(inspection, verdict, by=by)
    else:
        _update_switching(inspection, plans, verdict, by=by)
        if not verdict.accepted:
            _act_on_rejection(inspection, by=by)
    return inspection


def _forget_public_record(inspection: Inspection) -> None:
    """The public quality record shows verdicts: drop its cached pages after the commit."""
    from inspections import quality_record

    code = inspection.lot.code if inspection.lot_id else None
    product_id = inspection.product_id
    transaction.on_commit(lambda: quality_record.forget(product_id=product_id, lot_code=code))


def _state_of(record: SwitchingRecord) -> switching.SwitchingState:
    return switching.SwitchingState(
        severity=record.severity,
        lots=record.lots,
        recent_normal=tuple(record.recent_normal),
        switching_score=record.switching_score,
        consecutive_accepted=record.consecutive_accepted,
        rejected_on_tightened=record.rejected_on_tightened,
    )


def _save_state(record: SwitchingRecord, state: switching.SwitchingState, *, by) -> None:
    """Store the state; each switch goes to the record's history and its decisions."""
    now = timezone.now().isoformat()
    for transition in state.history:
        record.history.append(
            {
                "lot": transition.lot,
                "from_state": transition.from_state,
                "to_state": transition.to_state,
                "reason": transition.reason,
                "lot_ref": transition.lot_ref,
                "at": now,
            }
        )
        record_decision(
            record,
            action="switch",
            from_state=transition.from_state,
            to_state=transition.to_state,
            actor=by,
            data={
                "inspection": transition.lot_ref,
                "lot": transition.lot,
                **reason_data(inspection_reasons.SWITCH_RULE, {"rule": transition.reason}),
            },
        )
    record.severity = state.severity
    record.lots = state.lots
    record.recent_normal = list(state.recent_normal)
    record.switching_score = state.switching_score
    record.consecutive_accepted = state.consecutive_accepted
    record.rejected_on_tightened = state.rejected_on_tightened
    record.save()


def _update_switching(
    inspection: Inspection, plans: dict[str, SamplingPlan], verdict: Verdict, *, by
) -> SwitchingRecord:
    record = _switching_record(
        merchant=inspection.merchant,
        category=inspection.category,
        start_tightened=inspection.severity == Severity.TIGHTENED,
    )
    before = record.severity
    try:
        classes = [
            switching.class_result(plans[c.defect_class], c.nonconforming) for c in verdict.classes
        ]
        state = switching.next_state(
            _state_of(record), verdict.accepted, classes=classes, lot_ref=inspection.pk
        )
    except SamplingError as exc:
        raise sampling_error(exc) from None
    _save_state(record, state, by=by)
    if before != Severity.DISCONTINUED and record.severity == Severity.DISCONTINUED:
        restrict(
            merchant=inspection.merchant,
            category=inspection.category,
            kind=Restriction.Kind.SALES_RESTRICTION,
            reason=Restriction.Reason.INSPECTION,
            source=record.restriction_source,
            reason_code=reason_texts.INSPECTION_DISCONTINUED,
            by=by,
        )
    return record


# Higher apps act on a rejected lot too (complaints opens a quality incident): they register
# a listener taking the inspection, called once the rejection is committed.
LOT_REJECTED_LISTENERS: list = []


def on_lot_rejected(listener):
    if listener not in LOT_REJECTED_LISTENERS:
        LOT_REJECTED_LISTENERS.append(listener)
    return listener


def _after_lot_rejected(inspection_id: int) -> None:
    inspection = Inspection.objects.select_related("product", "lot", "merchant").get(
        pk=inspection_id
    )
    for listener in LOT_REJECTED_LISTENERS:
        listener(inspection)


def _act_on_rejection(inspection: Inspection, *, by) -> None:
    """A rejected lot: the product goes off sale for quality, the merchant gets the
    violation points of the rule, its owners and Quality Management are told."""
    product = Product.objects.get(pk=inspection.product_id)
    if product.status != Product.Status.DELISTED:
        delist_listing(
            product=product,
            by=by,
            reason_code=reason_texts.LOT_REJECTED_DELISTED,
            reason_params={
                "id": inspection.pk,
                "batch": inspection.batch,
                "class": inspection.decided_by_class,
            },
            evidence=f"inspections.inspection:{inspection.pk}",
            cause=Product.Cause.QUALITY,
        )
    record_violation(
        merchant=inspection.merchant,
        rule_code=LOT_REJECTED_RULE,
        evidence=inspection,
        recorded_by=by,
        occurred_at=inspection.decided_at,
        note_code=reason_texts.LOT_REJECTED,
        note_params={"id": inspection.pk, "batch": inspection.batch},
    )
    _alert_rejected(inspection)
    transaction.on_commit(lambda: _after_lot_rejected(inspection.pk))


def _alert_rejected(inspection: Inspection) -> None:
    payload = {"inspection": f"#{inspection.pk}", "product": str(inspection.product)}
    key = f"inspection_rejected:inspection:{inspection.pk}"
    owners = Membership.objects.filter(
        merchant_id=inspection.merchant_id, role=Membership.Role.OWNER
    ).values_list("user_id", flat=True)
    merchant_url = reverse("inspections:merchant-inspection", args=[inspection.pk])
    specs = [
        AlertSpec(
            kind="inspection_rejected",
            key=f"{key}:user:{user_id}",
            user_id=user_id,
            obj=inspection,
            payload=payload,
            url=merchant_url,
        )
        for user_id in owners
    ]
    group = Group.objects.filter(name=Role.QUALITY_MANAGEMENT).first()
    if group is not None:
        specs.append(
            AlertSpec(
                kind="inspection_rejected",
                key=f"{key}:group:{group.pk}",
                group_id=group.pk,
                obj=inspection,
                payload=payload,
                url=reverse("inspections:staff-record", args=[inspection.pk]),
            )
        )
    raise_alerts(specs)


def _conclude_retest(retest: Inspection, verdict: Verdict, *, by) -> None:
    """A passed re-test relists a product taken off sale for quality; when it answers an
    objection it also overturns the disputed verdict. A failed one dismisses the objection."""
    original = Inspection.objects.select_for_update().get(pk=retest.plan.retest_of_id)
    objection = Objection.objects.select_for_update().filter(retest_plan=retest.plan_id).first()
    if verdict.accepted:
        product = Product.objects.select_related("merchant", "category").get(pk=retest.product_id)
        # While the merchant may not sell in the category (acceptance stopped, a sanction)
        # the product stays off sale; the passed re-test stays on record for later.
        if (
            product.status_cause == Product.Cause.QUALITY
            and product.status != Product.Status.LISTED
            and can_sell(product.merchant, product.category)
        ):
            relist_after_reinspection(product=product, inspection_ref=f"#{retest.pk}", by=by)
        if objection is not None:
            if original.status == Inspection.Status.REJECTED:
                original.overturned_by = retest
                INSPECTION_FLOW.apply(
                    original,
                    Inspection.Status.OVERTURNED,
                    actor=by,
                    action="overturn",
                    data=reason_data(inspection_reasons.RETEST_ACCEPTED, {"id": retest.pk}),
                    update_fields=["overturned_by"],
                )
                withdraw_violation(
                    evidence=original,
                    rule_code=LOT_REJECTED_RULE,
                    by=by,
                    reason_code=reason_texts.RETEST_OVERTURNED,
                    reason_params={"id": retest.pk},
                )
            _close_objection(
                objection,
                Objection.Status.UPHELD,
                by=by,
                code=inspection_reasons.OBJECTION_UPHELD,
                retest=retest,
            )
        return
    _alert_rejected(retest)
    if objection is not None:
        _close_objection(
            objection,
            Objection.Status.DISMISSED,
            by=by,
            code=inspection_reasons.OBJECTION_DISMISSED,
            retest=retest,
        )


def _close_objection(objection: Objection, to: str, *, by, code: str, retest) -> None:
    """The re-test decides the objection; its words are a code, shown in each reader's
    language on the objection and its decision."""
    objection.decided_at = timezone.now()
    objection.decision_code = code
    objection.decision_params = {"id": retest.pk}
    OBJECTION_FLOW.apply(
        objection,
        to,
        actor=by,
        data=reason_data(code, objection.decision_params),
        update_fields=["decided_at", "decision_code", "decision_params"],
    )


@transaction.atomic
def accept_corrective_action(
    *, record: SwitchingRecord, by, note: str = "", note_code: str = ""
) -> SwitchingRecord:
    """The merchant's corrective action is accepted: inspection resumes on tightened
    inspection and the category restriction is lifted. `note`: staff's words; an action
    without words gives a code of inspections.reason_texts instead."""
    if not ((note or "").strip() or note_code):
        raise DomainError({"note": _("Describe the corrective action accepted.")})
    record = SwitchingRecord.objects.select_for_update().get(pk=record.pk)
    try:
        state = switching.resume_after_correction(_state_of(record), lot_ref=None)
    except SamplingError as exc:
        raise sampling_error(exc) from None
    _save_state(record, state, by=by)
    lift(
        merchant=record.merchant,
        reason=Restriction.Reason.INSPECTION,
        source=record.restriction_source,
        by=by,
        note=note,
        reason_code=note_code,
    )
    return record


# --- objections ----------------------------------------------------------------------------
def objection_deadline(inspection: Inspection) -> datetime | None:
    if inspection.decided_at is None:
        return None
    days = policies.get(OBJECTIONS, inspection.decided_at)["objection_days"]
    return inspection.decided_at + timedelta(days=days)


@transaction.atomic
def submit_objection(*, inspection: Inspection, reason: str, by) -> Objection:
    """The merchant objects to a rejected lot within the window (15 days by default) and
    asks for a re-test; the re-test is planned at once (Product Quality Law)."""
    inspection = Inspection.objects.select_for_update().select_related("plan").get(pk=inspection.pk)
    merchant = merchant_of(by)
    if merchant is None or merchant.pk != inspection.merchant_id:
        raise NotAllowed(_("Only the merchant of this inspection may object to it."))
    if inspection.status != Inspection.Status.REJECTED or inspection.plan.kind == (
        InspectionPlan.Kind.RETEST
    ):
        raise DomainError(
            _("Only the rejection of a lot can be objected to, and a re-test is final."),
            code="not_objectable",
        )
    deadline = objection_deadline(inspection)
    if timezone.now() > deadline:
        raise DomainError(
            _("The objection window closed on %(date)s.")
            % {"date": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
            code="objection_too_late",
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": _("Give the grounds of the objection.")})
    if Objection.objects.filter(inspection=inspection).exists():
        raise DomainError(_("This inspection already has an objection."), code="duplicate")
    objection = Objection.objects.create(
        inspection=inspection, merchant=merchant, reason=reason, submitted_by=_user(by)
    )
    record_decision(objection, action="submit", to_state=objection.status, actor=by, reason=reason)
    days = policies.get(OBJECTIONS)["retest_due_days"]
    objection.retest_plan = create_plan(
        kind=InspectionPlan.Kind.RETEST,
        merchant=inspection.merchant,
        product=inspection.product,
        due_by=_today() + timedelta(days=days),
        period=f"objection:{inspection.pk}",
        source=f"inspections.objection:{objection.pk}",
        reason_code=inspection_reasons.RETEST_REQUESTED,
        reason_params={"id": inspection.pk},
        retest_of=inspection,
        by=by,
    )
    OBJECTION_FLOW.apply(
        objection,
        Objection.Status.RETEST_SCHEDULED,
        actor=by,
        update_fields=["retest_plan"],
    )
    group = Group.objects.filter(name=Role.QUALITY_MANAGEMENT).first()
    if group is not None:
        raise_alerts(
            [
                AlertSpec(
                    kind="inspection_objection",
                    key=f"inspection_objection:objection:{objection.pk}",
                    group_id=group.pk,
                    obj=objection,
                    payload={"inspection": f"#{inspection.pk}", "merchant": str(merchant)},
                    url=reverse("inspections:staff-queue"),
                )
            ]
        )
    return objection


@transaction.atomic
def plan_reinspection(*, inspection: Inspection, by, reason: str) -> InspectionPlan:
    """After a rejected lot stands, the merchant fixes the product and asks to sell it
    again: a re-inspection (a passed one relists the product)."""
    if inspection.status != Inspection.Status.REJECTED:
        raise DomainError(_("Only a rejected lot needs a re-inspection."))
    days = policies.get(OBJECTIONS)["retest_due_days"]
    return create_plan(
        kind=InspectionPlan.Kind.RETEST,
        merchant=inspection.merchant,
        product=inspection.product,
        due_by=_today() + timedelta(days=days),
        period=f"reinspection:{inspection.pk}:{uuid.uuid4().hex[:8]}",
        source=f"inspections.inspection:{inspection.pk}",
        reason=reason,
        retest_of=inspection,
        by=by,
    )

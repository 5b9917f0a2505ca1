# ruff: noqa: RUF001 - Chinese demo texts use Chinese punctuation
"""Demo data: the planner's due plans; merchant A on normal inspection with an accepted
lot; merchant B (on probation, so tightened) with a rejected lot, its product delisted and
an open objection waiting for the re-test."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from inspections import labs, services
from inspections.models import CustodyKind, Inspection, InspectionPlan, Lab, LabMember, Sample
from products.models import Product, Requirement


def _passing_value(requirement: Requirement) -> Decimal:
    low, high = requirement.min_value, requirement.max_value
    if low is not None and high is not None:
        return (low + high) / 2
    return high / 2 if high is not None else low + 1


def _failing_value(requirement: Requirement) -> Decimal:
    return (
        requirement.max_value + 1
        if requirement.max_value is not None
        else requirement.min_value - 1
    )


def demo_results(inspection: Inspection, failing: dict[str, int]) -> list[dict]:
    """Every cell of the inspection; `failing` = requirement code -> items failing it."""
    rows = []
    for requirement in inspection.standard_version.requirements.all():
        size = inspection.sampling_plans[requirement.severity]["sample_size"]
        for number in range(1, size + 1):
            fails = number <= failing.get(requirement.code, 0)
            row = {"sample_number": number, "requirement": requirement.pk}
            if requirement.kind == Requirement.Kind.MEASURED:
                value = _failing_value(requirement) if fails else _passing_value(requirement)
                row |= {"value": value, "unit": requirement.unit}
            else:
                row["passed"] = not fails
            rows.append(row)
    return rows


def _inspect(*, plan, product, batch, lot_size, failing, qm, lab):
    inspection = services.start_inspection(
        plan=plan, product=product, lot_size=lot_size, batch=batch, lab=lab, inspector=qm, by=qm
    )
    services.record_results(inspection=inspection, results=demo_results(inspection, failing), by=qm)
    return services.decide_verdict(inspection=inspection, by=qm)


def _plan(merchant, kind):
    return (
        InspectionPlan.objects.filter(
            merchant=merchant, kind=kind, status=InspectionPlan.Status.DUE
        )
        .order_by("due_by")
        .first()
    )


@transaction.atomic
def seed(log):
    User = get_user_model()
    qm = User.objects.filter(username="qm").first()
    owner_b = User.objects.filter(username="merchant_b").select_related("membership").first()
    created = services.plan_due_inspections()
    log(f"  inspection plans created: {created}")
    tea = Product.objects.filter(sku="A-TEA-01").select_related("merchant").first()
    cable = Product.objects.filter(sku="B-CABLE-05").select_related("merchant").first()
    if qm is None or owner_b is None or tea is None or cable is None:
        log("  inspections: demo users or products missing, skipped")
        return

    if not Inspection.objects.filter(batch="DEMO-A-2026-001").exists():
        plan = _plan(tea.merchant, InspectionPlan.Kind.PERIODIC)
        if plan is not None:
            inspection = _inspect(
                plan=plan,
                product=tea,
                batch="DEMO-A-2026-001",
                lot_size=1200,
                failing={"LABEL": 2},
                qm=qm,
                lab="福建省产品质量检验研究院",
            )
            log(f"  inspection #{inspection.pk} {tea.sku}: {inspection.status} (normal)")

    if not Inspection.objects.filter(batch="DEMO-B-2026-001").exists():
        plan = _plan(cable.merchant, InspectionPlan.Kind.PROBATION) or _plan(
            cable.merchant, InspectionPlan.Kind.PERIODIC
        )
        if plan is not None:
            inspection = _inspect(
                plan=plan,
                product=cable,
                batch="DEMO-B-2026-001",
                lot_size=500,
                failing={"CCC": 1, "STANDBY": 4},
                qm=qm,
                lab="中国电子技术标准化研究院",
            )
            services.submit_objection(
                inspection=inspection,
                reason="送检样品的 CCC 标志为印刷批次差异，证书有效（证书号 2023010901234567），"
                "申请复检。",
                by=owner_b,
            )
            log(
                f"  inspection #{inspection.pk} {cable.sku}: {inspection.status} (tightened), "
                "product delisted, objection open with a re-test planned"
            )


def _seed_labs(qm, tea, log):
    """One accredited lab (the demo `lab` user works there) with a sealed, shipped sample of
    merchant A's tea waiting for receipt, and one lab whose accreditation has expired."""
    today = timezone.localdate()
    cti, _created = Lab.objects.get_or_create(
        name="华测检测认证集团股份有限公司",
        defaults={
            "cnas_number": "CNAS L2618",
            "cma_number": "CMA 160012345678",
            "scope_methods": ["GB 5009.12", "GB/T 191", "GB 7718"],
            "valid_from": today - timedelta(days=200),
            "valid_until": today + timedelta(days=500),
            "contact_email": "lab@demo.example",
        },
    )
    Lab.objects.get_or_create(
        name="旧城产品检验所",
        defaults={
            "cnas_number": "CNAS L0999",
            "valid_from": date(2021, 1, 1),
            "valid_until": today - timedelta(days=30),
        },
    )
    lab_user = get_user_model().objects.filter(username="lab").first()
    if lab_user is not None:
        LabMember.objects.get_or_create(user=lab_user, defaults={"lab": cti})
    if not Sample.objects.filter(inspection__batch="DEMO-A-2026-002").exists():
        plan, _created = InspectionPlan.objects.get_or_create(
            merchant=tea.merchant,
            period="demo:lab-sample",
            defaults={
                "kind": InspectionPlan.Kind.RANDOM,
                "due_by": today + timedelta(days=14),
                "reason": "随机抽检：送第三方检测机构",
            },
        )
        if plan.status == InspectionPlan.Status.DUE:
            inspection = services.start_inspection(
                plan=plan, product=tea, lot_size=800, batch="DEMO-A-2026-002", by=qm
            )
            # The lab is accredited for every test method of the tea's standard.
            methods = inspection.standard_version.requirements.values_list("test_method", flat=True)
            cti.scope_methods = sorted(set(cti.scope_methods) | {m for m in methods if m})
            cti.save(update_fields=["scope_methods"])
            sample = labs.assign_sample(
                inspection=inspection, lab=cti, by=qm, seal_number="QM-0427"
            )
            labs.record_custody(sample=sample, kind=CustodyKind.SHIPPED, by=qm)
            log(f"  lab sample {sample.code}: shipped to {cti.name}, waiting for receipt")


@transaction.atomic
def seed_late(log):
    """Labs once every app has its examples."""
    qm = get_user_model().objects.filter(username="qm").first()
    tea = Product.objects.filter(sku="A-TEA-01").select_related("merchant").first()
    if qm is None or tea is None:
        log("  labs: demo users or products missing, skipped")
        return
    _seed_labs(qm, tea, log)

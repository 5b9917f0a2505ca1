from decimal import Decimal

import pytest

from inspections import services
from inspections.models import Inspection
from products.models import Requirement
from tests.factories.core import CategoryFactory
from tests.factories.inspections import (
    InspectionPlanFactory,
    MeasuredRequirementFactory,
    PassFailRequirementFactory,
    PublishedVersionFactory,
)
from tests.factories.merchants import sells_in
from tests.factories.products import ProductFactory, QualityStandardFactory


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English source messages."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def food(db):
    return CategoryFactory(code="t-food", name_en="Food", name_zh="食品")


@pytest.fixture
def version(food):
    """The food standard in force: one requirement per class, one of them measured."""
    version = PublishedVersionFactory(standard=QualityStandardFactory(category=food))
    PassFailRequirementFactory(version=version, code="PB", severity=Requirement.Severity.CRITICAL)
    MeasuredRequirementFactory(version=version, code="NET", severity=Requirement.Severity.MAJOR)
    PassFailRequirementFactory(version=version, code="LABEL", severity=Requirement.Severity.MINOR)
    return version


@pytest.fixture
def qm(role_user):
    return role_user("quality_management")


@pytest.fixture
def product_a(merchant_a, food, version):
    sells_in(merchant_a, food)
    return ProductFactory(merchant=merchant_a, category=food, title="Rice A")


@pytest.fixture
def product_b(merchant_b, food, version):
    sells_in(merchant_b, food)
    return ProductFactory(merchant=merchant_b, category=food, title="Rice B")


def all_results(inspection: Inspection, failures: dict[str, int] | None = None) -> list[dict]:
    """A complete result set; `failures` = nonconforming items per class (the first ones)."""
    failures = failures or {}
    rows = []
    for requirement in inspection.standard_version.requirements.all():
        size = inspection.sampling_plans[requirement.severity]["sample_size"]
        for number in range(1, size + 1):
            fails = number <= failures.get(requirement.severity, 0)
            row = {"sample_number": number, "requirement": requirement.pk}
            if requirement.kind == Requirement.Kind.MEASURED:
                row |= {"value": Decimal("480") if fails else Decimal("500"), "unit": "g"}
            else:
                row["passed"] = not fails
            rows.append(row)
    return rows


@pytest.fixture
def inspect(qm):
    """Run one inspection of a product end to end through the services."""

    def run(product, *, lot_size=500, failures=None, plan=None, by=None):
        plan = plan or InspectionPlanFactory(merchant=product.merchant)
        inspection = services.start_inspection(
            plan=plan, product=product, lot_size=lot_size, batch="B-1", by=by or qm
        )
        services.record_results(
            inspection=inspection, results=all_results(inspection, failures), by=by or qm
        )
        return services.decide_verdict(inspection=inspection, by=by or qm)

    return run

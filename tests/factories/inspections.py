from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from inspections.models import InspectionPlan
from products.models import Requirement, StandardVersion
from tests.factories.merchants import MerchantFactory
from tests.factories.products import RequirementFactory, StandardVersionFactory


class PublishedVersionFactory(StandardVersionFactory):
    """A published standard version in force since yesterday."""

    status = StandardVersion.Status.PUBLISHED
    effective_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    published_at = factory.LazyFunction(timezone.now)


class PassFailRequirementFactory(RequirementFactory):
    kind = Requirement.Kind.PASS_FAIL


class MeasuredRequirementFactory(RequirementFactory):
    kind = Requirement.Kind.MEASURED
    description = "净含量"
    description_en = "Net content"
    unit = "g"
    min_value = Decimal("495")
    max_value = Decimal("505")


class InspectionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectionPlan

    kind = InspectionPlan.Kind.PERIODIC
    merchant = factory.SubFactory(MerchantFactory)
    period = factory.Sequence(lambda n: f"test:{n}")
    due_by = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    reason = "Spot check"


class LabFactory(factory.django.DjangoModelFactory):
    """An active lab accredited for a year around today, for any category."""

    class Meta:
        model = "inspections.Lab"

    name = factory.Sequence(lambda n: f"Lab {n}")
    cnas_number = factory.Sequence(lambda n: f"CNAS L{1000 + n}")
    cma_number = factory.Sequence(lambda n: f"CMA {2000 + n}")
    scope_methods = factory.LazyFunction(lambda: ["GB 5009.12", "GB/T 191"])
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=180))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=180))

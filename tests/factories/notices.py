"""Quality incidents made directly (the incident services are built elsewhere), with their
buyers, for the buyer notice and quality notice tests."""

import factory
from django.utils import timezone

from complaints.models import QualityIncident
from tests.factories.products import ProductFactory


class QualityIncidentFactory(factory.django.DjangoModelFactory):
    """A confirmed (resolved) counterfeit incident by default."""

    class Meta:
        model = QualityIncident

    reference = factory.Sequence(lambda n: f"QI-TEST-{n:06d}")
    kind = QualityIncident.Kind.COUNTERFEIT
    status = QualityIncident.Status.RESOLVED
    source = QualityIncident.Source.COMPLAINT
    product = factory.SubFactory(ProductFactory)
    merchant = factory.SelfAttribute("product.merchant")
    summary = "Buyers report fake goods."
    findings = "The goods are not genuine."
    opened_at = factory.LazyFunction(timezone.now)
    resolved_at = factory.LazyFunction(timezone.now)


def lot_of(product, number="L-001"):
    from products.services.supply import register_lot

    return register_lot(product=product, number=number)

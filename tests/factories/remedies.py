"""Remedies (granted through the service) and a plain quality incident to hang them on."""

from datetime import timedelta

import factory
from django.utils import timezone

from complaints.models import QualityIncident, Remedy
from complaints.services import remedies as services
from tests.factories.products import ProductFactory


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualityIncident

    reference = factory.Sequence(lambda n: f"QI-T{n:06d}")
    kind = QualityIncident.Kind.COUNTERFEIT
    source = QualityIncident.Source.STAFF
    product = factory.SubFactory(ProductFactory)
    merchant = factory.SelfAttribute("product.merchant")
    summary = "Counterfeit kettles reported."
    opened_at = factory.LazyFunction(timezone.now)


class RemedyFactory(factory.Factory):
    """Grants a remedy through complaints.services.remedies.grant_remedy."""

    class Meta:
        model = Remedy

    by = None
    kind = Remedy.Kind.REFUND
    amount = "50.00"
    payer = Remedy.Payer.MERCHANT
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.grant_remedy(**kwargs)

"""Shared pieces of the quality incident tests: a listed product of merchant A and a
counterfeit complaint about it filed through the intake service."""

from datetime import timedelta

from django.utils import timezone

from complaints import services
from complaints.models import Case, QualityIncident
from tests.factories.core import CategoryFactory
from tests.factories.merchants import sells_in
from tests.factories.products import ProductFactory


def listed_product(merchant, title="Handbag A"):
    category = CategoryFactory()
    sells_in(merchant, category)
    return ProductFactory(merchant=merchant, category=category, title=title)


def file_complaint(about, complaint_type=Case.ComplaintType.COUNTERFEIT, **fields):
    defaults = {
        "merchant": about.merchant,
        "product": about,
        "consumer_name": "Li Na",
        "consumer_email": "li@example.test",
        "description": "The logo is wrong and the stitching is cheap: a fake.",
        "complaint_type": complaint_type,
        "order_number": "ORD-1",
        "delivered_at": timezone.now() - timedelta(days=2),
    }
    return services.file_case(**(defaults | fields))


def incident_of(case) -> QualityIncident:
    return QualityIncident.objects.get(cases=case)

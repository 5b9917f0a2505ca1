from datetime import timedelta

import factory
from django.utils import timezone

from complaints import services
from complaints.models import BusinessCalendar, Case, CaseKind, Priority
from tests.factories.merchants import MerchantFactory


class BusinessCalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessCalendar

    name = factory.Sequence(lambda n: f"Office hours {n}")


class CaseFactory(factory.Factory):
    """Files a case through the service, so deadlines and the pinned policy are real."""

    class Meta:
        model = Case

    kind = CaseKind.COMPLAINT
    merchant = factory.SubFactory(MerchantFactory)
    consumer_name = "Li Na"
    consumer_email = factory.Sequence(lambda n: f"consumer{n}@example.test")
    description = "The kettle leaks after two days."
    complaint_type = Case.ComplaintType.QUALITY_DEFECT
    desired_remedy = Case.Remedy.REFUND
    order_number = factory.Sequence(lambda n: f"ORD-{n:08d}")
    delivered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
    priority = Priority.NORMAL

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.file_case(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("Cases are only made through complaints.services.file_case")

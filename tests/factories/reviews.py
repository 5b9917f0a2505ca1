from datetime import timedelta

import factory
from django.utils import timezone

from reviews.models import ProductReview, Purchase, ServiceRating
from tests.factories.products import ProductFactory


class PurchaseFactory(factory.django.DjangoModelFactory):
    """A delivered order line."""

    class Meta:
        model = Purchase

    order_number = factory.Sequence(lambda n: f"ORD-{n:08d}")
    line = 1
    consumer = factory.Sequence(lambda n: f"buyer{n}@shop.test")
    product = factory.SubFactory(ProductFactory)
    merchant = factory.SelfAttribute("product.merchant")
    quantity = 1
    paid_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))
    delivered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))


class ProductReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductReview

    purchase = factory.SubFactory(PurchaseFactory)
    product = factory.SelfAttribute("purchase.product")
    merchant = factory.SelfAttribute("purchase.merchant")
    reviewer = factory.SelfAttribute("purchase.consumer")
    verified = True
    stars = 5
    text = factory.Sequence(lambda n: f"Review number {n}: fine.")
    channel = ProductReview.Channel.LINK


class ServiceRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRating

    purchase = factory.SubFactory(PurchaseFactory)
    merchant = factory.SelfAttribute("purchase.merchant")
    reviewer = factory.SelfAttribute("purchase.consumer")
    description_accuracy = 5
    service_attitude = 5
    logistics = 5
    channel = ProductReview.Channel.LINK

from decimal import Decimal

import factory

from products.models import Product
from tests.factories.core import CategoryFactory
from tests.factories.merchants import MerchantFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    merchant = factory.SubFactory(MerchantFactory)
    category = factory.SubFactory(CategoryFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    title = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("99.00")

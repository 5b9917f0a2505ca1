from decimal import Decimal

import factory

from products.models import ClaimFlag, Product, QualityStandard, Requirement, StandardVersion
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


class QualityStandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualityStandard

    category = factory.SubFactory(CategoryFactory)
    code = factory.Sequence(lambda n: f"std-{n}")
    name_zh = factory.Sequence(lambda n: f"质量标准{n}")
    name_en = factory.Sequence(lambda n: f"Standard {n}")


class StandardVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StandardVersion

    standard = factory.SubFactory(QualityStandardFactory)
    number = factory.Sequence(lambda n: n + 1)


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    version = factory.SubFactory(StandardVersionFactory)
    code = factory.Sequence(lambda n: f"R{n:03d}")
    description = "标签标明生产者名称和地址"
    description_en = "Label shows the producer's name and address"
    kind = Requirement.Kind.PASS_FAIL
    severity = Requirement.Severity.MAJOR


class ClaimFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimFlag

    product = factory.SubFactory(ProductFactory)
    field = ClaimFlag.Field.TITLE
    term_text = "最佳"
    category = "superlative"
    start = 0
    end = 2
    matched = "最佳"
    excerpt = "最佳"
    context_key = factory.Sequence(lambda n: f"k{n}")

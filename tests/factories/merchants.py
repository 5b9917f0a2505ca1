import datetime

import factory
from django.utils import timezone

from merchants.credit_code import ALPHABET, check_character
from merchants.models import Membership, Merchant
from tests.factories.core import UserFactory


def credit_code(n: int) -> str:
    body = "9131000" + "".join(ALPHABET[(n // 31**i) % 31] for i in range(10))
    return body + check_character(body)


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    legal_name = factory.Sequence(lambda n: f"Merchant {n} Co., Ltd.")
    credit_code = factory.Sequence(credit_code)
    contact_name = "Zhang Wei"
    contact_email = factory.Sequence(lambda n: f"merchant{n}@example.test")
    status = Merchant.Status.ACTIVE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    merchant = factory.SubFactory(MerchantFactory)
    role = Membership.Role.OWNER


# --- onboarding -----------------------------------------------------------------------------
def _stored_pdf():
    from core.uploads import store_upload
    from tests import files

    return store_upload(files.pdf())


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "merchants.Application"

    merchant = factory.SubFactory(MerchantFactory, status=Merchant.Status.ONBOARDING)
    status = "draft"


class DocumentFactory(factory.django.DjangoModelFactory):
    """An accepted business licence unless told otherwise."""

    class Meta:
        model = "merchants.Document"

    merchant = factory.SubFactory(MerchantFactory)
    document_type = "business_licence"
    category = None
    number = factory.Sequence(lambda n: f"DOC-{n:06d}")
    issuer = "Market Supervision Bureau"
    issued_on = datetime.date(2024, 1, 1)
    expires_on = datetime.date(2030, 1, 1)
    file = factory.LazyFunction(_stored_pdf)
    status = "accepted"
    verified_at = factory.LazyFunction(timezone.now)


class AgreementVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "merchants.AgreementVersion"

    version = factory.Sequence(lambda n: n + 1)
    title_zh = "商家入驻协议"
    title_en = "Merchant agreement"
    text_zh = "商家对其销售商品的质量承担法律责任。"
    text_en = "The merchant is legally responsible for the quality of the goods it sells."
    published_at = factory.LazyFunction(timezone.now)


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "merchants.TrainingSession"

    title = "Onboarding training"
    starts_at = factory.LazyFunction(timezone.now)
    location = "Online"
    is_onboarding = True


def sells_in(merchant, *categories):
    """Let a merchant sell in categories the way the platform does: each category its own,
    with an accepted test report (what `can_sell` asks for)."""
    merchant.categories.add(*categories)
    for category in categories:
        DocumentFactory(merchant=merchant, document_type="test_report", category=category)
    return merchant

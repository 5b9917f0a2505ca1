import factory

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

"""Demo merchants: two with logins (A and B) and others in different states."""

from django.db import transaction
from django.utils import timezone

from core.demo import DEMO_PASSWORD, user
from core.models import Category
from merchants.models import Membership, Merchant

MERCHANTS = [
    # credit code, name, status, login
    ("91350100M000100Y43", "福州优品食品有限公司", Merchant.Status.ACTIVE, "merchant_a"),
    ("91110000802100433B", "北京星辰数码科技有限公司", Merchant.Status.PROBATION, "merchant_b"),
    ("91310115MA1H7GQK2B", "上海织锦服饰有限公司", Merchant.Status.ONBOARDING, None),
    ("91440300MA5DC9XN4E", "深圳快达电器有限公司", Merchant.Status.SUSPENDED, None),
]
CATEGORY_CODES = {
    "merchant_a": ["food", "fresh", "snacks"],
    "merchant_b": ["electronics", "phones", "small-appliances"],
}


@transaction.atomic
def seed(log):
    from merchants.credit_code import check_character

    for code, name, status, login in MERCHANTS:
        code = code[:17] + check_character(code[:17])
        merchant, created = Merchant.objects.get_or_create(
            credit_code=code,
            defaults={
                "legal_name": name,
                "contact_name": "张伟",
                "status": status,
                "contact_email": f"contact-{code[-4:].lower()}@demo.example",
            },
        )
        if created and merchant.is_live:
            merchant.went_live_at = timezone.now() - timezone.timedelta(days=20)
            merchant.save(update_fields=["went_live_at"])
        if login:
            account = user(login, first_name=name)
            Membership.objects.get_or_create(
                user=account, defaults={"merchant": merchant, "role": Membership.Role.OWNER}
            )
            merchant.categories.add(*Category.objects.filter(code__in=CATEGORY_CODES[login]))
            log(f"  {login:<10} {DEMO_PASSWORD}  merchant owner: {name}")

"""Demo data for the kernel: one user per department, a quality manager, an admin."""

from core.models import Category
from core.roles import Role

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - demo logins printed by `make run`

# Demo people have names (a case page says who answered, not which department); the
# department label is what `make run` prints next to the login.
STAFF_USERS = [
    ("admin", None, "Platform administrator", "马骏"),
    ("mm", Role.MERCHANT_MANAGEMENT, "Merchant Management", "周敏"),
    ("qm", Role.QUALITY_MANAGEMENT, "Quality Management", "陈刚"),
    ("cs", Role.CONSUMER_SERVICE, "Consumer Service", "刘洋"),
    ("cs2", Role.CONSUMER_SERVICE, "Consumer Service", "赵丽"),
    ("da", Role.DATA_ANALYSIS, "Data Analysis", "孙浩"),
    ("manager", Role.QUALITY_MANAGER, "Quality manager", "吴静"),
]

# Outside parties (not platform staff): a testing lab's user (their lab comes with the
# inspections demo) and an external assessor.
EXTERNAL_USERS = [
    ("lab", "lab", "Testing lab (CTI)", "郑华"),
    ("assessor", "external_assessor", "External assessor", "何平"),
]

CATEGORIES = [
    # code, parent, zh, en, excluded from 7-day no-reason return
    ("food", None, "食品", "Food", False),
    ("fresh", "food", "生鲜", "Fresh produce", True),
    ("snacks", "food", "休闲零食", "Snacks", False),
    ("electronics", None, "数码家电", "Electronics", False),
    ("phones", "electronics", "手机", "Mobile phones", False),
    ("small-appliances", "electronics", "小家电", "Small appliances", False),
    ("apparel", None, "服饰", "Apparel", False),
    ("custom-apparel", "apparel", "定制服装", "Made-to-order apparel", True),
    ("books", None, "图书报刊", "Books and periodicals", False),
    ("periodicals", "books", "报纸期刊", "Newspapers and periodicals", True),
]


def user(username, *, email=None, staff=False, superuser=False, role=None, first_name=""):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    account, created = User.objects.get_or_create(
        username=username,
        defaults={
            "email": email or f"{username}@demo.example",
            "is_staff": staff,
            "is_superuser": superuser,
            "first_name": first_name,
        },
    )
    if created:
        account.set_password(DEMO_PASSWORD)
        account.save()
    if role:
        account.groups.add(Group.objects.get(name=role))
    return account


def seed(log):
    for username, role, label, name in STAFF_USERS:
        user(username, staff=True, superuser=role is None, role=role, first_name=name)
        log(f"  {username:<10} {DEMO_PASSWORD}  {label} ({name})")
    for username, role, label, name in EXTERNAL_USERS:
        user(username, role=role, first_name=name)
        log(f"  {username:<10} {DEMO_PASSWORD}  {label} ({name})")
    by_code = {}
    for code, parent, zh, en, excluded in CATEGORIES:
        by_code[code], _ = Category.objects.update_or_create(
            code=code,
            defaults={
                "parent": by_code.get(parent),
                "name_zh": zh,
                "name_en": en,
                "excluded_from_no_reason_return": excluded,
            },
        )

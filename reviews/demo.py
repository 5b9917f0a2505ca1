# ruff: noqa: RUF001 - demo texts are Chinese, with Chinese punctuation
"""Demo purchases and reviews for the demo merchants: steady reviews, a burst on one
product, near-duplicate texts, an unverified review, and merchant B's service slipping
below the warning threshold. Idempotent: purchases are upserted, reviewed lines skipped."""

from datetime import timedelta

import pgtrigger
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.demo import user
from core.models import Category
from merchants.models import Membership
from products.models import Lot, Product, Supplier
from products.services import supply
from reviews import services
from reviews.models import ProductReview, Purchase, ServiceRating

PRODUCTS = {
    "merchant_a": [
        ("DEMO-R-A1", "有机草莓礼盒 500g", "fresh"),
        ("DEMO-R-A2", "坚果混合装", "snacks"),
    ],
    "merchant_b": [
        ("DEMO-R-B1", "无线降噪耳机", "electronics"),
        ("DEMO-R-B2", "电热水壶", "small-appliances"),
    ],
}
GOOD = [
    "包装很好，草莓很新鲜。",
    "味道不错，下次还会买。",
    "物流快，客服回复及时。",
    "性价比高，推荐。",
]
MEDIOCRE = ["发货有点慢，东西还行。", "客服回复慢，描述和实物有差距。", "包装破损，但商品能用。"]
DUPLICATE = "质量非常好，物流很快，卖家态度也很好，五星好评！强烈推荐给大家购买！"
DUPLICATES = [
    DUPLICATE,
    DUPLICATE + "！",
    "质量非常好，物流很快，卖家态度也很好，五星好评！强烈推荐给大家购买",
]


def _products(login, merchant):
    products = []
    for sku, title, category_code in PRODUCTS[login]:
        category = Category.objects.filter(code=category_code).first()
        product, _ = Product.objects.get_or_create(
            merchant=merchant,
            sku=sku,
            defaults={"title": title, "category": category, "price": "59.00"},
        )
        products.append(product)
    return products


def _storefront(log):
    account = user("storefront", first_name="Storefront")
    account.user_permissions.add(Permission.objects.get(codename="import_purchases"))
    token, _ = Token.objects.get_or_create(user=account)
    log(f"  {'storefront':<10} API token {token.key}  (purchases import)")
    return account


def _batch(prefix, products, count, now, *, days):
    rows = []
    region = {"A": 1, "B": 2}[prefix[-1]]
    for n in range(count):
        product = products[n % len(products)]
        paid = now - timedelta(days=days - (n * days) // count, hours=3)
        rows.append(
            {
                "order_number": f"{prefix}-{n:04d}",
                "line": 1,
                "consumer": f"1390{region}{n:06d}",
                "product": product.pk,
                "merchant": product.merchant_id,
                "quantity": 1 + n % 3,
                "paid_at": paid.isoformat(),
                "delivered_at": (paid + timedelta(days=2)).isoformat(),
            }
        )
    return rows


def _review(purchase, *, stars, text, scores, at):
    review, rating = services.review_purchase(
        purchase=purchase,
        stars=stars,
        text=text,
        photos=[],
        description_accuracy=scores[0],
        service_attitude=scores[1],
        logistics=scores[2],
        channel=ProductReview.Channel.LINK,
    )
    # Demo history: date them when the consumer would have written them.
    ProductReview.objects.filter(pk=review.pk).update(created_at=at)
    # Ratings are partitioned by month: an earlier date moves the row to another partition,
    # which PostgreSQL does as a delete plus an insert, so the never-deleted guard steps aside.
    with pgtrigger.ignore("reviews.ServiceRating:never_deleted"):
        ServiceRating.objects.filter(pk=rating.pk).update(created_at=at)


@transaction.atomic
def seed(log):
    owners = {
        m.user.username: m.merchant
        for m in Membership.objects.filter(user__username__in=PRODUCTS).select_related(
            "merchant", "user"
        )
    }
    if set(owners) != set(PRODUCTS):
        return
    storefront = _storefront(log)
    now = timezone.now()
    a_products = _products("merchant_a", owners["merchant_a"])
    b_products = _products("merchant_b", owners["merchant_b"])
    services.import_purchases(rows=_batch("DEMO-A", a_products, 60, now, days=80), by=storefront)
    services.import_purchases(rows=_batch("DEMO-B", b_products, 30, now, days=60), by=storefront)

    if not Purchase.objects.filter(order_number__startswith="DEMO-", review__isnull=False).exists():
        _reviews(a_products, b_products, storefront, now)
    rolling = services.compute_rolling_ratings()
    raised = services.compute_signals()
    log(
        f"  reviews: {ProductReview.objects.count()} reviews, rolling figures for "
        f"{rolling.merchants} merchants, new signals {raised}"
    )


def _reviews(a_products, b_products, storefront, now):
    unreviewed = Purchase.objects.filter(review__isnull=True, service_rating__isnull=True)
    # Merchant A: steady good reviews of the strawberries, then a burst on the nuts today.
    steady = list(unreviewed.filter(order_number__startswith="DEMO-A", product=a_products[0]))
    for n, purchase in enumerate(steady):
        _review(
            purchase,
            stars=5 - n % 2,
            text=GOOD[n % len(GOOD)],
            scores=(5, 5 - n % 2, 4 + n % 2),
            at=purchase.delivered_at + timedelta(days=1),
        )
    burst = list(unreviewed.filter(order_number__startswith="DEMO-A", product=a_products[1]))
    for n, purchase in enumerate(burst[-14:]):
        text = DUPLICATES[n % 3] if n < 6 else f"{GOOD[n % len(GOOD)]}（第{n}位）"
        _review(purchase, stars=5, text=text, scores=(5, 5, 5), at=now - timedelta(minutes=7 * n))
    # Merchant B: service slipping (about 3.8 over 20+ ratings: a warning).
    for n, purchase in enumerate(unreviewed.filter(order_number__startswith="DEMO-B")):
        scores = (4, 4, 4) if n % 5 else (3, 3, 2)
        scores = (4, 3, 4) if n % 3 == 0 else scores
        _review(
            purchase,
            stars=3 + n % 2,
            text=MEDIOCRE[n % len(MEDIOCRE)],
            scores=scores,
            at=purchase.delivered_at + timedelta(days=1),
        )
    services.write_review(
        product=b_products[0],
        reviewer="walk-in@demo.example",
        stars=1,
        text="耳机完全不能用，千万别买，差评差评差评！",
        channel=ProductReview.Channel.API,
        by=storefront,
    )


def _seed_supply(qm, nuts, log):
    """Two suppliers (one approved, one still in screening) and two lots of merchant A's
    mixed nuts, with the demo purchases of the nuts spread over them."""
    today = timezone.localdate()
    approved, created = Supplier.objects.get_or_create(
        name="临安山核桃食品有限公司",
        defaults={
            "licence_number": "92350782MA2XYZ123K",
            "licence_valid_until": today + timedelta(days=700),
            "certificates": "SC 11435078200123; 有机产品认证",
            "factory_audit_date": today - timedelta(days=40),
            "factory_audit_passed": True,
        },
    )
    if created:
        approved = supply.approve_supplier(supplier=approved, by=qm, note="资料齐全，现场审核通过")
    Supplier.objects.get_or_create(
        name="安溪铁观音茶厂", defaults={"licence_number": "91350524MA31ABC45Q"}
    )
    lots = list(Lot.objects.filter(product=nuts).order_by("number"))
    if not lots:
        supply.link_supplier(product=nuts, supplier=approved)
        lots = [
            supply.register_lot(
                product=nuts,
                number=number,
                production_date=today - timedelta(days=days),
                quantity=2000,
                supplier=approved,
            )
            for number, days in (("LA-2026-03", 120), ("LA-2026-07", 45))
        ]
    # The storefront's re-import (seeding again) sends its lines without lots: spread again.
    purchases = list(
        Purchase.objects.filter(product=nuts, lot=None).order_by("pk").values_list("pk", flat=True)
    )
    for index, lot in enumerate(lots):
        Purchase.objects.filter(pk__in=purchases[index :: len(lots)]).update(lot=lot)
    log(f"  suppliers: 2 ({approved.name} approved); lots of {nuts.sku}: {len(lots)}")


@transaction.atomic
def seed_late(log):
    """Suppliers and lots once every app has its examples (the lots take the purchases)."""
    qm = get_user_model().objects.filter(username="qm").first()
    nuts = Product.objects.filter(sku="DEMO-R-A2").first()  # has the demo purchases
    if qm is None or nuts is None:
        log("  supply: demo users or products missing, skipped")
        return
    _seed_supply(qm, nuts, log)

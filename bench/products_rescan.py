"""Bulk ad-claim rescan over 200,000 products.

    DATABASE_URL=... REDIS_URL=... python -m bench.products_rescan [count]

Builds the products set-based (one INSERT ... SELECT generate_series), one in four carrying
a claim, then times a full rescan twice: the first creates the flags, the second
finds them all again and changes nothing (idempotent). Everything runs in one transaction
that is rolled back at the end, so the database is left as it was.
"""

import os
import sys
import time

TITLES = [
    "五常大米 10斤装 今年新米",
    "阳光玫瑰青提 2斤装 顺丰冷链",
    "手工黄油曲奇 400g 罐装",
    "USB-C 编织数据线 1m 100W快充",
    "空气炸锅 5L 可视窗口",
    "纯棉短袖T恤 男款 100%纯棉",
    "第一次养猫 新手猫砂盆套装",
    "Stainless steel bottle 1000 ml leak-proof",
    "开封后最佳赏味期3天 鲜切水果",
    "最大功率2000W 负离子吹风机",
    "Wireless mouse, silent clicks, 2.4G",
    "桌面小风扇 第一代升级款 静音",
    "全网最低价 电动牙刷 声波",  # claim
    "顶 级 羊绒大衣 双面呢",  # claim, evasive
    "No.1 rated robot vacuum",  # claim
    "本店销量第一 风干牛肉干",  # claim, own range
]
DESCRIPTION = "详情见图。支持七天无理由退货。Ships within 48 hours."


class Rollback(Exception):
    pass


def main(count: int = 200_000) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import pgtrigger
    from django.db import connection, transaction

    from core.models import Category
    from merchants.models import Merchant
    from products.models import ClaimFlag, ScanRun
    from products.services import run_rescan

    try:
        with transaction.atomic():
            category = Category.objects.create(code="bench-rescan", name_zh="基准", name_en="Bench")
            merchant = Merchant.objects.create(
                legal_name="Bench merchant",
                credit_code="91350100M000100Y43"[:17] + "0",
                contact_name="Bench",
                contact_email="bench@example.test",
                status=Merchant.Status.ACTIVE,
            )
            started = time.perf_counter()
            # Bench rows need no row history: skip the insert-history trigger.
            with pgtrigger.ignore("products.Product:insert_insert"), connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO products_product
                        (merchant_id, category_id, sku, title, description, price, status,
                         status_cause, status_reason, status_evidence, created_at, updated_at)
                    SELECT %(merchant)s, %(category)s, 'B-' || g,
                           (%(titles)s::text[])[1 + g %% %(n)s] || ' #' || g,
                           %(description)s, 99.00, 'listed', '', '', '', now(), now()
                    FROM generate_series(1, %(count)s) AS g
                    """,
                    {
                        "merchant": merchant.pk,
                        "category": category.pk,
                        "titles": TITLES,
                        "n": len(TITLES),
                        "description": DESCRIPTION,
                        "count": count,
                    },
                )
            print(f"built {count:,} products in {time.perf_counter() - started:.1f} s")
            for label in ("first rescan", "second rescan (idempotent)"):
                run = ScanRun.objects.create(total=count)
                started = time.perf_counter()
                run = run_rescan(run.pk)
                elapsed = time.perf_counter() - started
                print(
                    f"{label}: {run.processed:,} products in {elapsed:.1f} s "
                    f"({run.processed / elapsed:,.0f}/s); hits {run.flags_seen:,}, "
                    f"new flags {run.flags_new:,}, closed {run.flags_closed:,}"
                )
            print(f"flags stored: {ClaimFlag.objects.count():,}")
            raise Rollback
    except Rollback:
        print("rolled back")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)

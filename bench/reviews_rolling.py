"""Rolling ratings on millions of ratings, and purchase-import throughput.

    DATABASE_URL=... REDIS_URL=... python bench/reviews_rolling.py [ratings] [import_lines]
    (or through the bench runner, `python -m bench reviews_rolling`, which calls main())

Builds, set-based with generate_series, `ratings` service ratings (default 5,000,000) on as
many purchases, plus a fifth as many product reviews, for ratings/2,500 merchants of mixed
quality (a fifth of them below the restriction threshold), all inside the last 90 days.
Then times the rolling-ratings task (first run: figures, standings, restrictions and
alerts; second run: the same day refreshed), and the purchases import: a fresh batch of
`import_lines` lines (default 100,000) through the service, the same batch again (all
unchanged), and a fresh batch end to end through the HTTP endpoint with the storefront
token. Standalone, it works in a throwaway database `bench_<db>` that it drops afterwards.

Measured 2026-11-23 on the 2-core dev box under load from other work (load average ~7):
  5,000,000 ratings + 1,000,000 reviews, 2,000 merchants: build 543 s; rolling task 13.9 s
  (first run, incl. 697 restrictions and the warnings' alerts), 3.6 s rerun (figures only).
  Import of one 100,000-line batch: 17.7 s (5,640 lines/s); the same batch again 3.6 s;
  100,000 lines over HTTP in 20,000-line requests 22.3 s (4,494 lines/s).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

try:
    from bench import Figure
except ImportError:  # standalone, before the shared bench package exists

    @dataclass(frozen=True)
    class Figure:
        figure: str
        goal: str
        value: float
        unit: str = "s"
        met: bool | None = None


RATINGS = 5_000_000
IMPORT_LINES = 100_000


def _sql(cursor, sql, params=()):
    started = time.perf_counter()
    cursor.execute(sql, params)
    return time.perf_counter() - started


def build(ratings: int) -> float:
    """Merchants, products, purchases, ratings and reviews; returns the seconds it took."""
    from django.db import connection

    from core.models import Category

    category, _ = Category.objects.get_or_create(
        code="bench-reviews", defaults={"name_zh": "基准", "name_en": "Bench"}
    )
    merchants = max(ratings // 2_500, 10)
    reviews = ratings // 5
    seconds = 0.0
    with connection.cursor() as cursor:
        # Bulk build only: skip the history triggers (and FK triggers) for generated rows.
        cursor.execute("SET session_replication_role = replica")
        seconds += _sql(
            cursor,
            """
            INSERT INTO merchants_merchant (legal_name, credit_code, contact_name, contact_email,
                contact_phone, status, created_at)
            SELECT 'Bench merchant ' || m, 'B' || lpad(m::text, 17, '0'), 'Bench',
                   'm' || m || '@bench.test', '', 'active', now()
            FROM generate_series(1, %s) m
            """,
            [merchants],
        )
        seconds += _sql(
            cursor,
            """
            INSERT INTO products_product (merchant_id, category_id, sku, title, description,
                price, status, status_cause, status_reason, status_evidence, created_at,
                updated_at)
            SELECT id, %s, 'BENCH-' || id, 'Bench product ' || id, '', 10, 'listed', '', '', '',
                   now(), now()
            FROM merchants_merchant WHERE credit_code LIKE 'B%%'
            """,
            [category.pk],
        )
        seconds += _sql(
            cursor,
            """
            INSERT INTO reviews_purchase (order_number, line, consumer, product_id, merchant_id,
                quantity, paid_at, delivered_at, imported_at, updated_at)
            SELECT 'BR' || n, 1, 'c' || (n %% 400000) || '@bench.test', p.id, p.merchant_id, 1,
                   now() - (n %% 88 + 2) * interval '1 day',
                   now() - (n %% 88 + 1) * interval '1 day', now(), now()
            FROM generate_series(1, %s) n
            JOIN (SELECT id, merchant_id, row_number() OVER (ORDER BY id) - 1 AS k
                  FROM products_product WHERE sku LIKE 'BENCH-%%') p ON p.k = n %% %s
            """,
            [ratings, merchants],
        )
        # Merchant quality from 2.75 to 5: scores scatter around it.
        seconds += _sql(
            cursor,
            """
            INSERT INTO reviews_servicerating (purchase_id, merchant_id, reviewer,
                description_accuracy, service_attitude, logistics, channel, created_at)
            SELECT p.id, p.merchant_id, p.consumer, s.a, s.b, s.c, 'link',
                   p.delivered_at + interval '12 hours'
            FROM reviews_purchase p
            CROSS JOIN LATERAL (
                SELECT least(5, greatest(1, round(q + random() * 2 - 1)))::int AS a,
                       least(5, greatest(1, round(q + random() * 2 - 1)))::int AS b,
                       least(5, greatest(1, round(q + random() * 2 - 1)))::int AS c
                FROM (SELECT 2.75 + (p.merchant_id %% 10) * 0.25 AS q) x
            ) s
            WHERE p.order_number LIKE 'BR%%'
            """,
        )
        seconds += _sql(
            cursor,
            """
            INSERT INTO reviews_productreview (product_id, merchant_id, purchase_id, reviewer,
                verified, stars, text, channel, created_at, folded, fold_reason, reply)
            SELECT p.product_id, p.merchant_id, p.id, p.consumer, true,
                   1 + (p.id * 7919 %% 5), 'bench review ' || (p.id %% 1000), 'link',
                   p.delivered_at + interval '12 hours', false, '', ''
            FROM reviews_purchase p
            WHERE p.order_number LIKE 'BR%%' AND hashint4(p.id::int) %% 5 = 0
            LIMIT %s
            """,
            [reviews],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        seconds += _sql(cursor, "ANALYZE")
    return seconds


def _rows(products, start: int, count: int) -> list[dict]:
    from django.utils import timezone

    paid = timezone.now() - timedelta(days=3)
    return [
        {
            "order_number": f"IMP-{n}",
            "line": 1 + n % 3,
            "consumer": f"buyer{n % 50_000}@bench.test",
            "product": products[n % len(products)][0],
            "merchant": products[n % len(products)][1],
            "quantity": 1 + n % 4,
            "paid_at": paid.isoformat(),
            "delivered_at": (paid + timedelta(days=1)).isoformat(),
        }
        for n in range(start, start + count)
    ]


def bench_import(lines: int) -> list[Figure]:
    from django.contrib.auth.models import Permission
    from django.db import transaction
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from core.models import User
    from products.models import Product
    from reviews.api import API_MAX_BATCH
    from reviews.services import import_purchases

    storefront = User.objects.create_user("bench-storefront")
    storefront.user_permissions.add(Permission.objects.get(codename="import_purchases"))
    products = list(
        Product.objects.filter(sku__startswith="BENCH-").values_list("pk", "merchant_id")[:500]
    )
    figures = Figures()
    batch = _rows(products, 0, lines)
    started = time.perf_counter()
    with transaction.atomic():
        result = import_purchases(rows=batch, by=storefront)
    seconds = time.perf_counter() - started
    assert result.created == lines, result
    figures.append(Figure(f"import {lines:,} new lines (service)", "-", round(seconds, 2)))
    figures.append(
        Figure(f"import throughput ({lines:,} lines)", "-", round(lines / seconds), "lines/s")
    )
    started = time.perf_counter()
    with transaction.atomic():
        again = import_purchases(rows=batch, by=storefront)
    seconds = time.perf_counter() - started
    assert again.unchanged == lines and again.created == again.updated == 0
    figures.append(Figure(f"re-import the same {lines:,} lines (no-op)", "-", round(seconds, 2)))

    client = APIClient(SERVER_NAME="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=storefront).key}")
    per_request = min(API_MAX_BATCH, lines)
    seconds = 0.0
    for start in range(lines, 2 * lines, per_request):
        payload = {"purchases": _rows(products, start, min(per_request, 2 * lines - start))}
        started = time.perf_counter()
        response = client.post("/api/v1/purchases/import/", payload, format="json")
        seconds += time.perf_counter() - started
        assert response.status_code == 200, response.content[:500]
    figures.append(
        Figure(
            f"import {lines:,} new lines through the HTTP API ({per_request:,} per request)",
            "-",
            round(seconds, 2),
        )
    )
    figures.append(Figure("HTTP import throughput", "-", round(lines / seconds), "lines/s"))
    return figures


def report(figure: Figure) -> Figure:
    mark = "" if figure.met is None else (" ok" if figure.met else " MISSED")
    print(f"{figure.figure:<90} {figure.goal:>8}  {figure.value:g} {figure.unit}{mark}", flush=True)
    return figure


class Figures(list):
    """Figures printed as they come, so a long run shows its progress."""

    def append(self, figure: Figure) -> None:
        report(figure)
        super().append(figure)


def _partitions() -> Figure:
    """Ratings are partitioned by month (core.partitioning): how many months hold them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT tableoid), count(*) FILTER (WHERE tableoid = "
            "'reviews_servicerating_pdefault'::regclass) FROM reviews_servicerating"
        )
        months, stray = cursor.fetchone()
    return Figure(
        f"rating partitions holding rows ({stray:,} rows in the default one)", "-", months, unit=""
    )


def main(ratings: int | None = None, import_lines: int | None = None) -> list[Figure]:
    from reviews.models import MerchantRatingStanding
    from reviews.tasks import compute_rolling_ratings

    ratings = ratings or int(os.environ.get("BENCH_RATINGS", RATINGS))
    import_lines = import_lines or int(os.environ.get("BENCH_IMPORT_LINES", IMPORT_LINES))
    figures = Figures()
    figures.append(Figure(f"build {ratings:,} ratings set-based", "-", round(build(ratings), 1)))
    started = time.perf_counter()
    first = compute_rolling_ratings.apply().get()
    seconds = time.perf_counter() - started
    figures.append(
        Figure(
            f"rolling ratings, {ratings:,} ratings + {ratings // 5:,} reviews "
            f"({first['merchants']:,} merchants, {len(first['restricted'])} restricted)",
            "< 60 s",
            round(seconds, 2),
            met=seconds < 60,
        )
    )
    started = time.perf_counter()
    compute_rolling_ratings.apply().get()
    seconds = time.perf_counter() - started
    figures.append(
        Figure("rolling ratings rerun (same day, no new actions)", "-", round(seconds, 2))
    )
    assert MerchantRatingStanding.objects.filter(state="restricted").count() == len(
        first["restricted"]
    )
    figures.append(_partitions())
    figures.extend(bench_import(import_lines))
    return list(figures)


def _standalone(argv: list[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_databases, teardown_databases

    from config.celery import app

    app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    database = settings.DATABASES["default"]
    database["TEST"] = {**database.get("TEST", {}), "NAME": f"bench_{database['NAME']}"}
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        main(*[int(a.replace("_", "")) for a in argv])
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    _standalone(sys.argv[1:])

"""Benchmark: buyer notices of a quality incident (issue 18, item 4).

A confirmed incident on a product with 100,000 verified buyers in the look-back (one in ten
known only by a phone number, so recorded as 'no contact'), next to 50,000 purchases that
must not be told (other products, paid before the look-back, not delivered). Measures the
creation of the notices (one INSERT ... SELECT; the statement count must not depend on the
buyers), a second run (idempotent: nothing added) and the delivery of batches through the
locmem mail backend (statements per batch, batch time).

Builds its data in one transaction that is rolled back at the end: the purchases with one
INSERT ... SELECT over generate_series.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench buyer_notices
"""

import os
import time

from bench import Figure, within

BUYERS = int(os.environ.get("BENCH_NOTICE_BUYERS", 100_000))
NOISE = BUYERS // 2
BATCH = 500
BATCHES = 5


class _Rollback(Exception):
    pass


def _build_purchases(cursor, *, product, other, now) -> None:
    cursor.execute(
        """
        INSERT INTO reviews_purchase (order_number, line, consumer, product_id, merchant_id,
            quantity, paid_at, delivered_at, imported_at, updated_at)
        SELECT 'NOTICE-' || n, 1,
               CASE WHEN n %% 10 = 0 THEN '1380000' || lpad(n::text, 6, '0')
                    ELSE 'buyer' || n || '@bench.test' END,
               %(product)s, %(merchant)s, 1,
               %(now)s - interval '2 days' - (n %% 170) * interval '1 day',
               %(now)s - interval '1 day' - (n %% 170) * interval '1 day', %(now)s, %(now)s
        FROM generate_series(1, %(n)s) n
        """,
        {"product": product.pk, "merchant": product.merchant_id, "now": now, "n": BUYERS},
    )
    # Noise: another product, purchases paid before the look-back, and undelivered ones.
    cursor.execute(
        """
        INSERT INTO reviews_purchase (order_number, line, consumer, product_id, merchant_id,
            quantity, paid_at, delivered_at, imported_at, updated_at)
        SELECT 'NOISE-' || n, 1, 'other' || n || '@bench.test',
               CASE WHEN n %% 3 = 0 THEN %(other)s ELSE %(product)s END, %(merchant)s, 1,
               CASE WHEN n %% 3 = 1 THEN %(now)s - interval '200 days'
                    ELSE %(now)s - interval '3 days' END,
               CASE WHEN n %% 3 = 2 THEN NULL ELSE %(now)s - interval '1 day' END,
               %(now)s, %(now)s
        FROM generate_series(1, %(n)s) n
        """,
        {
            "product": product.pk,
            "other": other.pk,
            "merchant": product.merchant_id,
            "now": now,
            "n": NOISE,
        },
    )


def main() -> list[Figure]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from complaints.models import BuyerNotice
    from complaints.policies import BUYER_NOTICES
    from complaints.selectors import buyer_notice_counts
    from complaints.services import buyer_notices
    from core import policies
    from tests.factories.merchants import MerchantFactory
    from tests.factories.notices import QualityIncidentFactory
    from tests.factories.products import ProductFactory

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    results: dict = {}
    try:
        with transaction.atomic():
            merchant = MerchantFactory(status="active", legal_name="Bench Dairy Ltd")
            product = ProductFactory(merchant=merchant, title="Bench formula 900g")
            other = ProductFactory(merchant=merchant)
            incident = QualityIncidentFactory(product=product)
            with connection.cursor() as cursor:
                _build_purchases(cursor, product=product, other=other, now=timezone.now())
                cursor.execute("ANALYZE reviews_purchase")
            policies.ensure_version(BUYER_NOTICES)

            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                added = buyer_notices.notify_buyers(incident=incident)
                results["create_seconds"] = time.perf_counter() - started
            results["create_statements"] = len(queries)
            results["added"] = added
            counts = buyer_notice_counts(incident)
            results["no_contact"] = counts["no_contact"]

            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                results["again"] = buyer_notices.notify_buyers(incident=incident)
                results["again_seconds"] = time.perf_counter() - started
            results["again_statements"] = len(queries)
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {BuyerNotice._meta.db_table}")

            per_batch, seconds = [], []
            for _ in range(BATCHES):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    sent = buyer_notices.deliver_queued(batch=BATCH, max_batches=1)
                    seconds.append(time.perf_counter() - started)
                assert sent == BATCH, sent
                per_batch.append(len(queries))
            results["batch_statements"] = max(per_batch)
            results["batch_seconds"] = sorted(seconds)[len(seconds) // 2]
            results["mails"] = len(mail.outbox)
            raise _Rollback
    except _Rollback:
        pass

    return [
        within(
            f"buyer notices created, {results['added']:,} buyers "
            f"({results['no_contact']:,} without e-mail)",
            results["create_seconds"],
            10,
        ),
        Figure(
            "buyer notices created: SQL statements (constant)",
            "constant",
            results["create_statements"],
            "",
            results["create_statements"] <= 10,
        ),
        Figure(
            f"second run adds nothing ({results['again']} added; "
            f"{results['again_statements']} statements)",
            "-",
            round(results["again_seconds"], 3),
            "s",
            results["again"] == 0,
        ),
        Figure(
            f"delivery, one batch of {BATCH} e-mails (median of {BATCHES})",
            "-",
            round(results["batch_seconds"], 3),
            "s",
        ),
        Figure(
            f"delivery: SQL statements per batch of {BATCH}",
            "constant",
            results["batch_statements"],
            "",
            results["batch_statements"] <= 6,
        ),
    ]

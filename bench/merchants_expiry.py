"""Daily document sweep on 100,000 documents: time and query count.

    DATABASE_URL=... REDIS_URL=... python -m bench.merchants_expiry
    (BENCH_MERCHANTS=10000 for a smaller book)

Run it against a scratch database. It builds 50,000 live merchants (one owner each), a
business licence and a test report each (100,000 documents), two listings each in the
bench category (100,000 listings, which the selling-rights listener restricts when the
merchant is), expiry dates spread from five
days ago to 55 days ahead and licence verifications spread over eight months, all with
set-based INSERT ... SELECT. The build skips row-history triggers (session_replication_role
= replica: pghistory's per-row trigger opens a subtransaction, which makes a single
100,000-row build transaction crawl) and is committed, as in production. Then the sweep runs
three times: the first run catches up on the whole book (a quarter of the merchants get
restricted at once, which only happens on the first deployment), the second finds nothing
new, the third is the next day (a normal daily run). It prints wall time and query count;
the sweep's own writes go through the normal row-history triggers. The bench rows are
removed at the end.
"""

import os
import time

MARK = "BENCH"


def _build(cursor, merchants: int, category_id: int, upload_id: str, now) -> None:
    """The bench rows, stamped with the application's `now` (and its local date for the
    expiry dates), never the database clock, like the sweep that reads them."""
    from django.utils import timezone

    today = timezone.localdate(now)
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute(
        """
        INSERT INTO merchants_merchant (legal_name, credit_code, contact_name, contact_email,
            contact_phone, status, created_at)
        SELECT 'Bench ' || g, %s || lpad(g::text, 13, '0'), 'x', 'bench' || g || '@example.test',
               '', 'active', %s
        FROM generate_series(1, %s) g
        """,
        [MARK, now, merchants],
    )
    cursor.execute(
        """
        INSERT INTO core_user (password, is_superuser, username, first_name, last_name, email,
            is_staff, is_active, date_joined, preferred_language)
        SELECT '!', false, 'bench-owner-' || m.id, '', '', '', false, true, %s, 'zh-hans'
        FROM merchants_merchant m WHERE m.credit_code LIKE %s
        """,
        [now, MARK + "%"],
    )
    cursor.execute(
        """
        INSERT INTO merchants_membership (user_id, merchant_id, role, handles_cases, created_at)
        SELECT u.id, substring(u.username from 13)::bigint, 'owner', false, %s
        FROM core_user u WHERE u.username LIKE 'bench-owner-%%'
        """,
        [now],
    )
    cursor.execute(
        """
        INSERT INTO merchants_document (merchant_id, document_type, category_id, number, issuer,
            issued_on, expires_on, file_id, status, reason_code, review_note, verified_at,
            created_at)
        SELECT m.id, t.type, CASE WHEN t.type = 'test_report' THEN %s::bigint END,
               t.type || '-' || m.id, 'AMR', DATE '2020-01-01',
               %s::date + ((m.id %% 60) - 5)::int + t.shift, %s::uuid, 'accepted', '', '',
               %s - ((m.id %% 240) || ' days')::interval, %s
        FROM merchants_merchant m
        CROSS JOIN (VALUES ('business_licence', 0), ('test_report', 3)) t(type, shift)
        WHERE m.credit_code LIKE %s
        """,
        [category_id, today, upload_id, now, now, MARK + "%"],
    )
    cursor.execute(
        """
        INSERT INTO merchants_merchant_categories (merchant_id, category_id)
        SELECT m.id, %s FROM merchants_merchant m WHERE m.credit_code LIKE %s
        """,
        [category_id, MARK + "%"],
    )
    cursor.execute(
        """
        INSERT INTO products_product (sku, title, description, price, status, status_reason,
            status_evidence, status_cause, created_at, updated_at, category_id, merchant_id)
        SELECT 'BENCH-' || n, 'Bench product ' || n, '', 9.90, 'listed', '', '', '', %s,
               %s, %s, m.id
        FROM merchants_merchant m CROSS JOIN generate_series(1, 2) n
        WHERE m.credit_code LIKE %s
        """,
        [now, now, category_id, MARK + "%"],
    )


def _clean(cursor) -> None:
    cursor.execute("ANALYZE")  # the sweep just added tens of thousands of rows
    cursor.execute("SET LOCAL session_replication_role = replica")
    bench = "SELECT id FROM merchants_merchant WHERE credit_code LIKE %s"
    like = [MARK + "%"]
    # The decisions about the bench's restrictions and products: one block per app label.
    for app_label, table in (
        ("merchants", "merchants_restriction"),
        ("products", "products_product"),
    ):
        cursor.execute(
            f"""DELETE FROM core_decision WHERE content_type_id IN (
                    SELECT id FROM django_content_type WHERE app_label = %s)
                AND object_id IN (SELECT id::text FROM {table}
                                  WHERE merchant_id IN ({bench}))""",
            [app_label, *like],
        )
    cursor.execute(
        f"""DELETE FROM core_alert WHERE recipient_user_id IN (
                SELECT user_id FROM merchants_membership WHERE merchant_id IN ({bench}))
            OR payload->>'document' LIKE 'Bench %%'""",
        like,
    )
    for table in (
        "products_productevent",
        "products_product",
        "merchants_merchant_categories",
        "merchants_restrictionevent",
        "merchants_restriction",
        "merchants_document",
    ):
        cursor.execute(f"DELETE FROM {table} WHERE merchant_id IN ({bench})", like)
    cursor.execute(
        "DELETE FROM core_alert WHERE kind = 'document_expired' AND payload->>'document' "
        "LIKE 'Bench %%'"
    )
    cursor.execute(
        "DELETE FROM core_alert WHERE kind IN ('licence_reverification_due', "
        "'probation_review_due') AND payload->>'merchant' LIKE 'Bench %%'"
    )
    cursor.execute(f"DELETE FROM merchants_membership WHERE merchant_id IN ({bench})", like)
    cursor.execute("DELETE FROM core_user WHERE username LIKE 'bench-owner-%%'")
    cursor.execute("DELETE FROM merchants_merchant WHERE credit_code LIKE %s", like)


def main(merchants: int | None = None) -> None:
    merchants = merchants or int(os.environ.get("BENCH_MERCHANTS", "50000"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from core.models import Category, Upload
    from merchants.services import run_daily_sweep

    category, _ = Category.objects.get_or_create(
        code="bench-category", defaults={"name_zh": "基准", "name_en": "Bench"}
    )
    upload = Upload.objects.create(
        original_name="bench.pdf", content_type="application/pdf", size=1, sha256="0" * 64
    )
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    try:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            _build(cursor, merchants, category.pk, str(upload.pk), now)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"built {merchants:,} merchants and {2 * merchants:,} documents "
            f"in {time.perf_counter() - started:.1f}s"
        )
        runs = [
            ("catch-up (first run on the whole book)", now),
            ("same day again (nothing new)", now),
            ("next day (one day of new expiries)", now + timedelta(days=1)),
        ]
        from functools import partial
        from unittest import mock

        from bench import Figure, within
        from core.tasks import deliver_alerts
        from products.models import Product

        figures = []
        for index, (label, at) in enumerate(runs):
            # The sweep asks for delivery on commit; in production that is a task on a
            # worker (the mail queue), not part of the sweep. The bench runs tasks eagerly,
            # so the request is held here and delivery is timed on its own below.
            delivery = []
            connection.queries_log.clear()  # a full log (delivery's queries) counts as 0
            with (
                CaptureQueriesContext(connection) as queries,
                mock.patch.object(deliver_alerts, "delay", partial(delivery.append, True)),
            ):
                started = time.perf_counter()
                result = run_daily_sweep(now=at)
                elapsed = time.perf_counter() - started
            print(
                f"sweep, {label}: {elapsed:.2f}s, {len(queries)} queries; "
                f"reminders={result.reminders} expired_alerts={result.expired_alerts} "
                f"restricted_merchants={result.restricted} "
                f"reverification_alerts={result.reverification_alerts}"
            )
            if index == 0:
                restricted = Product.objects.filter(
                    merchant__credit_code__startswith=MARK, status="restricted"
                ).count()
                print(f"    listings restricted by the listener: {restricted:,}")
                size = f"{merchants:,} merchants / {2 * merchants:,} documents"
                figures += [
                    within(f"sweep catch-up with listings, {size}", elapsed, 15),
                    Figure(f"sweep catch-up statements, {size}", "constant", len(queries), ""),
                ]
            slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:8]
            for query in slowest:
                print(f"    {float(query['time']):7.2f}s  {' '.join(query['sql'].split())[:90]}")
            if delivery:
                started = time.perf_counter()
                delivered = deliver_alerts()
                print(
                    f"    then alert delivery (a worker's task): {delivered:,} alerts "
                    f"in {time.perf_counter() - started:.2f}s"
                )
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            _clean(cursor)
        upload.delete()
    return figures


if __name__ == "__main__":
    for f in main():
        print(f"{f.figure}: {f.value:g} {f.unit} (goal {f.goal})")

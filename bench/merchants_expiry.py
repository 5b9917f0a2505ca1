"""Daily document sweep on 100,000 documents: time and query count.

    DATABASE_URL=... REDIS_URL=... python -m bench.merchants_expiry

Builds 50,000 live merchants (one owner each), a business licence and a test report each,
with expiry dates spread over the next 60 days (some already expired), all with set-based
INSERT ... SELECT; then runs the sweep twice (the second run finds the work done) and prints
wall time and query count. Everything is created inside a transaction that is rolled back.
"""

import os
import time


def main(merchants: int = 50_000) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from core.models import Category, Upload
    from merchants.services import run_daily_sweep

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            category, _ = Category.objects.get_or_create(
                code="bench-category", defaults={"name_zh": "基准", "name_en": "Bench"}
            )
            upload = Upload.objects.create(
                original_name="bench.pdf", content_type="application/pdf", size=1, sha256="0" * 64
            )
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO merchants_merchant (legal_name, credit_code, contact_name,
                        contact_email, contact_phone, status, created_at)
                    SELECT 'Bench ' || g, 'BENCH' || lpad(g::text, 13, '0'), 'x',
                           'bench' || g || '@example.test', '', 'active', now()
                    FROM generate_series(1, %s) g
                    """,
                    [merchants],
                )
                cursor.execute(
                    """
                    INSERT INTO core_user (password, is_superuser, username, first_name,
                        last_name, email, is_staff, is_active, date_joined, preferred_language)
                    SELECT '!', false, 'bench-owner-' || m.id, '', '', '', false, true, now(), ''
                    FROM merchants_merchant m WHERE m.credit_code LIKE 'BENCH%%'
                    """
                )
                cursor.execute(
                    """
                    INSERT INTO merchants_membership (user_id, merchant_id, role, created_at)
                    SELECT u.id, substring(u.username from 13)::bigint, 'owner', now()
                    FROM core_user u WHERE u.username LIKE 'bench-owner-%%'
                    """
                )
                cursor.execute(
                    """
                    INSERT INTO merchants_document (merchant_id, document_type, category_id,
                        number, issuer, issued_on, expires_on, file_id, status, reason_code,
                        review_note, verified_at, created_at)
                    SELECT m.id, t.type, CASE WHEN t.type = 'test_report' THEN %s END,
                           t.type || '-' || m.id, 'AMR', DATE '2020-01-01',
                           current_date + ((m.id %% 60) - 5)::int + t.shift, %s, 'accepted',
                           '', '', now() - ((m.id %% 240) || ' days')::interval, now()
                    FROM merchants_merchant m
                    CROSS JOIN (VALUES ('business_licence', 0), ('test_report', 3)) t(type, shift)
                    WHERE m.credit_code LIKE 'BENCH%%'
                    """,
                    [category.pk, str(upload.pk)],
                )
                cursor.execute("ANALYZE merchants_document")
            built = time.perf_counter() - started
            documents = 2 * merchants
            print(f"built {merchants:,} merchants and {documents:,} documents in {built:.1f}s")
            for run in (1, 2):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    result = run_daily_sweep()
                    elapsed = time.perf_counter() - started
                print(
                    f"sweep run {run}: {elapsed:.2f}s, {len(queries)} queries; "
                    f"reminders={result.reminders} expired_alerts={result.expired_alerts} "
                    f"restricted_merchants={result.restricted} "
                    f"reverification_alerts={result.reverification_alerts}"
                )
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()

"""The inspection planner on 100,000 merchants.

    DATABASE_URL=... REDIS_URL=... python -m bench.inspections_planner [count]

Builds the merchants set-based (one INSERT ... SELECT generate_series: 80 % active, 10 % on
probation, the rest onboarding or suspended), then times the planner twice: the first run
creates the quarter's periodic plans, the probation plans and the month's random share;
the second creates nothing (every insert hits ON CONFLICT DO NOTHING). Everything runs in
one transaction that is rolled back, so the database is left as it was.
"""

import os
import sys
import time


class Rollback(Exception):
    pass


def main(count: int = 100_000) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import pgtrigger
    from django.db import connection, transaction

    from inspections.models import InspectionPlan
    from inspections.services import plan_due_inspections

    try:
        with transaction.atomic():
            started = time.perf_counter()
            # Bench rows need no row history: skip the merchants' insert-history trigger.
            with pgtrigger.ignore("merchants.Merchant:insert_insert"), connection.cursor() as cur:
                cur.execute(
                    """
                    INSERT INTO merchants_merchant
                        (legal_name, credit_code, contact_name, contact_email, contact_phone,
                         status, went_live_at, probation_ends_at, created_at)
                    SELECT 'Bench merchant ' || g, 'BENCH' || lpad(g::text, 13, '0'),
                           'Bench', 'bench' || g || '@example.test', '',
                           CASE WHEN g %% 10 < 8 THEN 'active'
                                WHEN g %% 10 = 8 THEN 'probation'
                                WHEN g %% 20 = 9 THEN 'onboarding' ELSE 'suspended' END,
                           CASE WHEN g %% 10 <= 8 THEN now() - (g %% 90) * interval '1 day' END,
                           NULL, now()
                    FROM generate_series(1, %s) AS g
                    """,
                    [count],
                )
            built = time.perf_counter() - started
            print(f"merchants built: {count:,} in {built:.2f} s")
            for run in ("first", "second"):
                started = time.perf_counter()
                created = plan_due_inspections()
                elapsed = time.perf_counter() - started
                total = sum(created.values())
                print(f"planner {run} run: {elapsed:.2f} s, plans created {total:,} {created}")
            print(f"plans in the table: {InspectionPlan.objects.count():,}")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

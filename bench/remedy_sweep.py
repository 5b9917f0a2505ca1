"""Remedy due-date sweep over 1,000,000 remedy records of which 10,000 fall due.

Builds the rows set-based (one INSERT ... SELECT FROM generate_series): BENCH_REPEATS sets
of 10,000 promised remedies falling due ten minutes apart (half merchant-paid refunds, which
the platform takes over with a recovery; half repairs, which only alert), and the rest done
or promised for later. Sweeps at each set's instant, timed (and timed again with the
deferred foreign-key checks its commit would run), then once more with nothing left.
Everything is rolled back. Goal: under 2 s, a constant number of statements.

    DATABASE_URL=... REDIS_URL=... python -m bench remedy_sweep
    BENCH_REMEDIES=100000 BENCH_OVERDUE=1000 BENCH_REPEATS=3 (smaller runs)
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

from bench import Figure, bench_merchant, within

REMEDIES = int(os.environ.get("BENCH_REMEDIES", 1_000_000))
OVERDUE = int(os.environ.get("BENCH_OVERDUE", 10_000))
REPEATS = int(os.environ.get("BENCH_REPEATS", 3))
LIMIT_S = 2.0
SET_SPACING = timedelta(minutes=10)


class _Rollback(Exception):
    pass


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def build(cursor, *, merchant_id: int, case_id: int, now, total: int, overdue: int, sets: int):
    """`sets` sets of `overdue` promised remedies, set s due at now + s * SET_SPACING; the
    other rows: two in three done long ago, the rest promised for next month."""
    cursor.execute("SET LOCAL session_replication_role = replica")  # no history triggers
    cursor.execute(
        """
        INSERT INTO complaints_remedy (
            case_id, merchant_id, kind, amount, currency, payer, due_at, status, note,
            proof_reference, failure_reason, platform_paid_first, platform_reason,
            above_order_reason, granted_at, done_at)
        SELECT %(case)s, %(merchant)s,
               CASE WHEN n %% 2 = 0 THEN 'refund' ELSE 'repair' END,
               CASE WHEN n %% 2 = 0 THEN 50.00 END, 'CNY', 'merchant',
               g.due, g.status, '',
               CASE WHEN g.status = 'done' THEN 'TX-' || n ELSE '' END, '', false, '', '',
               g.due - interval '3 days',
               CASE WHEN g.status = 'done' THEN g.due - interval '1 day' END
        FROM generate_series(1, %(total)s) AS n
        CROSS JOIN LATERAL (
            SELECT CASE WHEN n <= %(overdue_rows)s
                        THEN %(now)s + (n - 1) / %(overdue)s * %(spacing)s
                                     - interval '1 minute'
                        WHEN n %% 3 = 0 THEN %(now)s + interval '30 days'
                        ELSE %(now)s - interval '60 days' END AS due,
                   CASE WHEN n <= %(overdue_rows)s OR n %% 3 = 0 THEN 'promised'
                        ELSE 'done' END AS status
        ) AS g
        """,
        {
            "case": case_id,
            "merchant": merchant_id,
            "total": total,
            "overdue": overdue,
            "overdue_rows": overdue * sets,
            "now": now,
            "spacing": SET_SPACING,
        },
    )
    cursor.execute("SET LOCAL session_replication_role = origin")
    cursor.execute("ANALYZE complaints_remedy")


def _bench_case(merchant):
    from complaints import services

    return services.file_case(
        merchant=merchant,
        consumer_name="Bench consumer",
        consumer_phone="13800000000",
        description="bench",
        complaint_type="quality_defect",
    )


def main() -> list[Figure]:
    _setup_django()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from complaints.models import Recovery
    from complaints.remedy_sweep import sweep_remedies

    runs, with_fk, statements, raised = [], [], set(), set()
    try:
        with transaction.atomic():
            now = timezone.now()
            merchant = bench_merchant()
            case = _bench_case(merchant)
            sweep_remedies(now=now - timedelta(days=3650))  # warm: content types
            started = time.perf_counter()
            with connection.cursor() as cursor:
                build(
                    cursor,
                    merchant_id=merchant.pk,
                    case_id=case.pk,
                    now=now,
                    total=REMEDIES,
                    overdue=OVERDUE,
                    sets=REPEATS,
                )
            build_s = time.perf_counter() - started
            for n in range(REPEATS):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    raised.add(sweep_remedies(now=now + n * SET_SPACING))
                    runs.append(time.perf_counter() - started)
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would check
                    with_fk.append(time.perf_counter() - started)
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                statements.add(len(queries))
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                second = sweep_remedies(now=now + (REPEATS - 1) * SET_SPACING)
                idle_s = time.perf_counter() - started
            idle_statements = len(queries)
            recoveries = Recovery.objects.filter(merchant=merchant).count()
            raise _Rollback
    except _Rollback:
        pass

    load = os.getloadavg()[0]
    ms = ", ".join(f"{v * 1000:.0f}" for v in runs)
    fk = ", ".join(f"{v * 1000:.0f}" for v in with_fk)
    print(f"remedies:              {REMEDIES:,} (built in {build_s:.1f} s)")
    print(f"falling due:           {OVERDUE:,} per sweep, {REPEATS} sweeps")
    print(f"sweep runs (ms):       {ms}")
    print(f"  + commit FK checks:  {fk}")
    print(f"  statements:          {sorted(statements)}, raised {sorted(raised)}")
    print(f"  recoveries opened:   {recoveries:,}")
    print(f"second sweep:          {idle_s * 1000:.0f} ms, {idle_statements} statements, {second}")
    print(f"load average:          {load:.1f} on {os.cpu_count()} CPUs")

    size = f"{REMEDIES:,} remedies, {OVERDUE:,} due"
    return [
        within(f"remedy sweep, {size} (median of {REPEATS})", statistics.median(runs), LIMIT_S),
        within(
            f"remedy sweep + commit-time FK checks, {size} (median of {REPEATS})",
            statistics.median(with_fk),
            LIMIT_S,
        ),
        Figure(
            f"SQL statements per remedy sweep ({OVERDUE:,} due / none)",
            "constant",
            max(statements),
            "statements",
            len(statements) == 1 and max(statements) == idle_statements,
        ),
        Figure(
            "overdue alerts per sweep, each once",
            f"= {OVERDUE:,}",
            max(raised),
            "alerts",
            raised == {OVERDUE} and second == 0 and recoveries == REPEATS * OVERDUE // 2,
        ),
        Figure("load average during the run", "-", round(load, 1), f"on {os.cpu_count()} CPUs"),
    ]


if __name__ == "__main__":
    main()

"""SLA sweep over 1,000,000 open cases of which 10,000 cross a threshold.

Builds the rows set-based (one INSERT ... SELECT FROM generate_series), runs the sweep,
prints its time and statement count, then rolls everything back: the database is left as
it was found. Goal: under 2 s, a constant number of statements.

    DATABASE_URL=... REDIS_URL=... python -m bench sla_sweep
"""

import os
import time
from datetime import timedelta

OPEN_CASES = int(os.environ.get("BENCH_CASES", 1_000_000))
CROSSING = int(os.environ.get("BENCH_CROSSING", 10_000))


class _Rollback(Exception):
    pass


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _build(cursor, *, merchant_id, policy_id, now):
    """Four groups of CROSSING/4 cases each crossing exactly one threshold (response at
    risk, response breach, resolution at risk, merchant answer breach), paused cases long
    past due (must stay silent), and the rest comfortably on time."""
    quarter = CROSSING // 4
    paused = CROSSING // 2
    # Loading without triggers (row history, FK checks): this is fixture data, not a write
    # path. The sweep itself runs with triggers on, as in production.
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute(
        """
        INSERT INTO complaints_case (
            kind, reference, channel, status, priority, consumer_name, consumer_email,
            consumer_phone, order_number, merchant_id, complaint_type, description,
            desired_remedy, advertised_claim, claim_seen_at, escalated, outcome,
            outcome_reason, policy_id, response_due_at, response_at_risk_at,
            resolution_due_at, resolution_at_risk_at, merchant_answer_due_at,
            merchant_answer_at_risk_at, paused_at, paused_seconds, first_responded_at,
            reopen_count, merchant_request_count, tracking_token_hash, satisfaction_comment,
            created_at)
        SELECT
            'complaint', 'BENCH-' || n, 'web', g.status, 2, 'Bench consumer', '', '13800000000',
            'ORD-' || n, %(merchant)s, 'quality_defect', 'bench', '', '', '', false, '', '',
            %(policy)s, g.filed + interval '24 hours', g.filed + interval '18 hours',
            g.filed + interval '72 hours', g.filed + interval '54 hours',
            g.merchant_due, g.merchant_due - interval '6 hours',
            CASE WHEN g.status = 'awaiting_consumer' THEN g.filed END, 0, g.responded, 0, 1,
            md5(n::text) || md5('t' || n::text), '', g.filed
        FROM generate_series(1, %(total)s) AS n
        CROSS JOIN LATERAL (
            SELECT
                CASE WHEN n <= %(q)s THEN %(now)s - interval '18 hours 30 seconds'
                     WHEN n <= 2 * %(q)s THEN %(now)s - interval '24 hours 30 seconds'
                     WHEN n <= 3 * %(q)s THEN %(now)s - interval '54 hours 30 seconds'
                     WHEN n <= 4 * %(q)s THEN %(now)s - interval '2 hours'
                     WHEN n <= 4 * %(q)s + %(paused)s THEN %(now)s - interval '100 hours'
                     ELSE %(now)s - (n %% 600) * interval '1 minute'
                END AS filed,
                CASE WHEN n <= 3 * %(q)s OR n > 4 * %(q)s + %(paused)s THEN 'assigned'
                     WHEN n <= 4 * %(q)s THEN 'awaiting_merchant'
                     ELSE 'awaiting_consumer'
                END AS status,
                CASE WHEN n > 2 * %(q)s AND n <= 4 * %(q)s THEN %(now)s - interval '1 hour'
                END AS responded,
                CASE WHEN n > 3 * %(q)s AND n <= 4 * %(q)s THEN %(now)s - interval '1 minute'
                END AS merchant_due
        ) AS g
        """,
        {
            "merchant": merchant_id,
            "policy": policy_id,
            "total": OPEN_CASES,
            "q": quarter,
            "paused": paused,
            "now": now,
        },
    )
    # The sweep's clocks, as services.sync_clocks would write them. A clock already past
    # its deadline had its at-risk alert from an earlier sweep (stage 1).
    cursor.execute(
        """
        INSERT INTO complaints_slaclock (case_id, target, due_at, at_risk_at, running, stage,
                                         cycle)
        SELECT c.id, t.target, t.due, t.at_risk,
               t.running AND c.status IN ('new', 'assigned', 'awaiting_merchant'),
               CASE WHEN t.due <= %(now)s THEN 1 ELSE 0 END, t.cycle
        FROM complaints_case AS c
        CROSS JOIN LATERAL (VALUES
            ('response', c.response_due_at, c.response_at_risk_at,
             c.first_responded_at IS NULL, 0),
            ('resolution', c.resolution_due_at, c.resolution_at_risk_at, true, 0),
            ('merchant_answer', c.merchant_answer_due_at, c.merchant_answer_at_risk_at,
             c.status = 'awaiting_merchant', c.merchant_request_count)
        ) AS t (target, due, at_risk, running, cycle)
        WHERE c.merchant_id = %(merchant)s AND t.due IS NOT NULL
        """,
        {"now": now, "merchant": merchant_id},
    )
    cursor.execute("SET LOCAL session_replication_role = origin")
    cursor.execute("ANALYZE complaints_case")
    cursor.execute("ANALYZE complaints_slaclock")


def main() -> None:
    _setup_django()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from complaints import services
    from complaints.models import CaseKind, Priority
    from complaints.sweep import sweep
    from core.models import Alert
    from merchants.models import Merchant

    results = {}
    try:
        with transaction.atomic():
            now = timezone.now()
            merchant, _created = Merchant.objects.get_or_create(
                credit_code="91310000MA1FL0BE2X",
                defaults={
                    "legal_name": "Bench merchant",
                    "contact_name": "Bench",
                    "contact_email": "bench@example.test",
                    "status": "active",
                },
            )
            policy = services.policy_in_force(kind=CaseKind.COMPLAINT, priority=Priority.NORMAL)
            alerts_before = Alert.objects.count()
            # Warm the process as a long-running worker is (translations, content types):
            # a sweep at an instant where nothing is due.
            sweep(now=now - timedelta(days=3650))
            started = time.perf_counter()
            with connection.cursor() as cursor:
                _build(cursor, merchant_id=merchant.pk, policy_id=policy.pk, now=now)
            results["build_s"] = time.perf_counter() - started

            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                first = sweep(now=now)
                results["sweep_s"] = time.perf_counter() - started
            results["statements"] = len(queries)
            if os.environ.get("BENCH_VERBOSE"):
                for q in queries.captured_queries:
                    print(q["time"], q["sql"][:150].replace("\n", " "))
            results["raised"] = first.total
            results["by_threshold"] = first.raised

            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                second = sweep(now=now)
                results["idle_sweep_s"] = time.perf_counter() - started
            results["idle_statements"] = len(queries)
            results["second_raised"] = second.total
            results["alerts_created"] = Alert.objects.count() - alerts_before
            raise _Rollback
    except _Rollback:
        pass

    print(f"open cases:            {OPEN_CASES:,} (built in {results['build_s']:.1f} s)")
    print(f"crossing a threshold:  {CROSSING:,} (+ {CROSSING // 2:,} paused, past due)")
    print(
        f"sweep:                 {results['sweep_s'] * 1000:.0f} ms, "
        f"{results['statements']} SQL statements, {results['raised']:,} alerts raised"
    )
    print(f"  per threshold:       {results['by_threshold']}")
    print(
        f"second sweep:          {results['idle_sweep_s'] * 1000:.0f} ms, "
        f"{results['idle_statements']} SQL statements, {results['second_raised']} raised"
    )
    print(f"load average:          {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"alerts in table:       {results['alerts_created']:,} (rolled back)")
    ok = results["sweep_s"] < 2 and results["raised"] == CROSSING
    print("goal (< 2 s, every crossing alerted once):", "met" if ok else "NOT MET")


if __name__ == "__main__":
    main()

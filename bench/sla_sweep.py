"""SLA sweep over 1,000,000 open cases of which 10,000 cross a threshold.

Builds the rows set-based (one INSERT ... SELECT FROM generate_series) with BENCH_REPEATS
sets of 10,000 cases crossing ten minutes apart, then sweeps at each set's instant (every
sweep raises exactly its 10,000, see build()) and reports the minimum and the median: the
machine is shared, a single figure says more about the neighbours than about the sweep.
Each run is timed twice: the sweep's statements, and the same plus the foreign-key checks
its commit would run (the alert and decision FKs are DEFERRABLE INITIALLY DEFERRED, so
they fire at COMMIT; `SET CONSTRAINTS ALL IMMEDIATE` fires them inside the timing). At the
end everything is rolled back: the database is left as it was found. Goal: under 2 s, a
constant number of statements.

    DATABASE_URL=... REDIS_URL=... python -m bench sla_sweep
    BENCH_CASES=100000 BENCH_CROSSING=1000 BENCH_REPEATS=3 (smaller runs), BENCH_VERBOSE=1
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import datetime, timedelta

from bench import Figure, bench_merchant, within

OPEN_CASES = int(os.environ.get("BENCH_CASES", 1_000_000))
CROSSING = int(os.environ.get("BENCH_CROSSING", 10_000))
REPEATS = int(os.environ.get("BENCH_REPEATS", 5))
LIMIT_S = 2.0


class _Rollback(Exception):
    pass


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


SET_SPACING = timedelta(minutes=10)


def build(
    cursor,
    *,
    merchant_id,
    policy_id,
    now,
    total=None,
    crossing=None,
    sets=1,
    breaches_only=False,
):
    """`sets` sets of `crossing` cases, set s crossing at `now + s * SET_SPACING` (and not
    before): four groups of crossing/4 cases each crossing exactly one threshold (response
    at risk, response breach, resolution at risk, merchant answer breach). Then crossing/2
    paused cases long past due (must stay silent), and the rest comfortably on time.

    Each timed sweep takes a set of its own: rows in pages no earlier sweep touched, as in
    production, where every sweep commits and pruning/VACUUM clear the old row versions.
    (Rolling a sweep back and sweeping the same rows again inside the bench's one
    transaction would find the pages full of the aborted versions, which nothing can prune
    while that transaction is open, and time a sweep that never happens.)

    `breaches_only`: every crossing case is a response breach instead (24 h after filing,
    its at-risk alert already raised), so every crossing escalates; that is the one
    threshold django-helpdesk's escalate_tickets knows (bench/helpdesk_compare.py)."""
    total = OPEN_CASES if total is None else total
    crossing = CROSSING if crossing is None else crossing
    quarter = crossing // 4
    paused = crossing // 2
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
            language, created_at)
        SELECT
            'complaint', 'BENCH-' || n, 'web', g.status, 2, 'Bench consumer', '', '13800000000',
            'ORD-' || n, %(merchant)s, 'quality_defect', 'bench', '', '', '', false, '', '',
            %(policy)s, g.filed + interval '24 hours', g.filed + interval '18 hours',
            g.filed + interval '72 hours', g.filed + interval '54 hours',
            g.merchant_due, g.merchant_due - interval '6 hours',
            CASE WHEN g.status = 'awaiting_consumer' THEN g.filed END, 0, g.responded, 0, 1,
            md5(n::text) || md5('t' || n::text), '', 'zh-hans', g.filed
        FROM generate_series(1, %(total)s) AS n
        CROSS JOIN LATERAL (
            -- 1 response at risk, 2 response breach, 3 resolution at risk, 4 merchant
            -- answer breach, 5 paused long past due, 0 on time; `at`: when the set crosses.
            SELECT CASE WHEN n <= %(crossing_rows)s AND %(breaches_only)s THEN 2
                        WHEN n <= %(crossing_rows)s THEN (n - 1) %% (4 * %(q)s) / %(q)s + 1
                        WHEN n <= %(crossing_rows)s + %(paused)s THEN 5
                        ELSE 0
                   END AS grp,
                   %(now)s + CASE WHEN n <= %(crossing_rows)s
                                  THEN (n - 1) / (4 * %(q)s) * %(spacing)s
                                  ELSE interval '0' END AS at
        ) AS h
        CROSS JOIN LATERAL (
            SELECT
                CASE h.grp WHEN 1 THEN h.at - interval '18 hours 30 seconds'
                           WHEN 2 THEN h.at - interval '24 hours 30 seconds'
                           WHEN 3 THEN h.at - interval '54 hours 30 seconds'
                           WHEN 4 THEN h.at - interval '2 hours'
                           WHEN 5 THEN h.at - interval '100 hours'
                           ELSE h.at - (n %% 600) * interval '1 minute'
                END AS filed,
                CASE h.grp WHEN 4 THEN 'awaiting_merchant'
                           WHEN 5 THEN 'awaiting_consumer'
                           ELSE 'assigned'
                END AS status,
                CASE WHEN h.grp IN (3, 4) THEN h.at - interval '1 hour' END AS responded,
                CASE WHEN h.grp = 4 THEN h.at - interval '1 minute' END AS merchant_due
        ) AS g
        """,
        {
            "merchant": merchant_id,
            "policy": policy_id,
            "total": total,
            "q": quarter,
            "paused": paused,
            "now": now,
            "breaches_only": breaches_only,
            "crossing_rows": sets * 4 * quarter,
            "spacing": SET_SPACING,
        },
    )
    # The sweep's clocks, as services.sync_clocks would write them. A clock already past
    # its deadline when its set crosses had its at-risk alert from an earlier sweep (stage
    # 1); no other deadline falls before the last set's instant.
    cursor.execute(
        """
        INSERT INTO complaints_slaclock (case_id, target, due_at, at_risk_at, running, stage,
                                         cycle)
        SELECT c.id, t.target, t.due, t.at_risk,
               t.running AND c.status IN ('new', 'assigned', 'awaiting_merchant'),
               CASE WHEN t.due <= %(last)s THEN 1 ELSE 0 END, t.cycle
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
        {"last": now + (sets - 1) * SET_SPACING, "merchant": merchant_id},
    )
    cursor.execute("SET LOCAL session_replication_role = origin")
    cursor.execute("ANALYZE complaints_case")
    cursor.execute("ANALYZE complaints_slaclock")


def bench_merchant_and_policy():
    from complaints import services
    from complaints.models import CaseKind, Priority

    merchant = bench_merchant()
    policy = services.policy_in_force(kind=CaseKind.COMPLAINT, priority=Priority.NORMAL)
    return merchant, policy


def timed_sweeps(sweep, *, now: datetime, repeats: int, verbose: bool = False) -> dict:
    """Sweep the `repeats` sets that build() made, one at a time at their instants, each
    timed, and then once more at the last instant (nothing left to raise)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    runs, with_fk, statements, raised, by_threshold = [], [], set(), set(), None
    for n in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = sweep(now=now + n * SET_SPACING)
            runs.append(time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would check
            with_fk.append(time.perf_counter() - started)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as they were declared
        statements.add(len(queries))
        raised.add(result.total)
        by_threshold = result.raised
        if verbose:
            for q in queries.captured_queries:
                print(q["time"], q["sql"][:150].replace("\n", " "))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        second = sweep(now=now + (repeats - 1) * SET_SPACING)
        idle_s = time.perf_counter() - started
    return {
        "runs": runs,
        "with_fk": with_fk,
        "statements": statements,
        "raised": raised,
        "by_threshold": by_threshold,
        "idle_s": idle_s,
        "idle_statements": len(queries),
        "second_raised": second.total,
    }


def _ms(values) -> str:
    return ", ".join(f"{v * 1000:.0f}" for v in values)


def main() -> list[Figure]:
    _setup_django()
    from django.db import connection, transaction
    from django.utils import timezone

    from complaints.sweep import sweep
    from core.models import Alert

    try:
        with transaction.atomic():
            now = timezone.now()
            merchant, policy = bench_merchant_and_policy()
            alerts_before = Alert.objects.count()
            # Warm the process as a long-running worker is (translations, content types):
            # a sweep at an instant where nothing is due.
            sweep(now=now - timedelta(days=3650))
            started = time.perf_counter()
            with connection.cursor() as cursor:
                build(
                    cursor,
                    merchant_id=merchant.pk,
                    policy_id=policy.pk,
                    now=now,
                    sets=REPEATS,
                )
            build_s = time.perf_counter() - started
            r = timed_sweeps(
                sweep, now=now, repeats=REPEATS, verbose=bool(os.environ.get("BENCH_VERBOSE"))
            )
            alerts_created = Alert.objects.count() - alerts_before
            raise _Rollback
    except _Rollback:
        pass

    load = os.getloadavg()[0]
    print(f"open cases:            {OPEN_CASES:,} (built in {build_s:.1f} s)")
    print(
        f"crossing a threshold:  {CROSSING:,} per sweep, {REPEATS} sweeps "
        f"(+ {CROSSING // 2:,} paused, past due)"
    )
    print(f"sweep runs (ms):       {_ms(r['runs'])}")
    print(f"  + commit FK checks:  {_ms(r['with_fk'])}")
    print(f"  statements:          {sorted(r['statements'])}, raised {sorted(r['raised'])}")
    print(f"  per threshold:       {r['by_threshold']}")
    print(
        f"second sweep:          {r['idle_s'] * 1000:.0f} ms, "
        f"{r['idle_statements']} SQL statements, {r['second_raised']} raised"
    )
    print(f"load average:          {load:.1f} on {os.cpu_count()} CPUs")
    print(f"alerts in table:       {alerts_created:,} (rolled back)")

    size = f"{OPEN_CASES:,} open cases, {CROSSING:,} crossing"
    statements = max(r["statements"])
    constant = len(r["statements"]) == 1 and statements == r["idle_statements"]
    return [
        within(f"sweep, {size} (median of {REPEATS})", statistics.median(r["runs"]), LIMIT_S),
        Figure(f"sweep, {size} (min of {REPEATS})", "-", round(min(r["runs"]), 3)),
        within(
            f"sweep + commit-time FK checks, {size} (median of {REPEATS})",
            statistics.median(r["with_fk"]),
            LIMIT_S,
        ),
        Figure(
            f"SQL statements per sweep ({CROSSING:,} crossing / none)",
            "constant",
            statements,
            "statements",
            constant,
        ),
        Figure(
            "alerts raised per sweep, each once",
            f"= {CROSSING:,}",
            max(r["raised"]),
            "alerts",
            r["raised"] == {CROSSING}
            and r["second_raised"] == 0
            and alerts_created == REPEATS * CROSSING,
        ),
        Figure("load average during the run", "-", round(load, 1), f"on {os.cpu_count()} CPUs"),
    ]


if __name__ == "__main__":
    main()

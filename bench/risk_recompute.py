"""The daily risk recompute on 100,000 merchants.

    DATABASE_URL=... REDIS_URL=... python -m bench risk_recompute

Builds the figures set-based (INSERT ... SELECT over generate_series, triggers off for the
fixture rows): 100,000 merchants (90 % live), 5 orders each, a complaint for every other
merchant (with a merchant-answer clock on 40 % of them, a quarter breached), a
substantiated ad report for 1 in 50, a rolling rating figure each, a decided inspection lot
for 1 in 10 (a third rejected) and a past-due document restriction for 1 in 20. Then times
the recompute twice (the first inserts every score, the second updates them in place) and
the spike check, counting SQL statements. Everything is rolled back.
Goal: under 60 s and a constant handful of statements however many merchants.
"""

import os
import time

from bench import Figure, within

MERCHANTS = int(os.environ.get("BENCH_MERCHANTS", 100_000))


class _Rollback(Exception):
    pass


_BENCH = "m.legal_name LIKE 'Risk bench %%'"


def _build(cursor, *, policy_id: int, sampling_id: int, now) -> None:
    cursor.execute("SET LOCAL session_replication_role = replica")  # fixture rows only
    cursor.execute(
        """
        INSERT INTO merchants_merchant
            (legal_name, credit_code, contact_name, contact_email, contact_phone, status,
             went_live_at, probation_ends_at, created_at)
        SELECT 'Risk bench ' || g, 'RISKB' || lpad(g::text, 13, '0'), 'Bench',
               'risk' || g || '@example.test', '',
               CASE WHEN g %% 10 < 7 THEN 'active' WHEN g %% 10 = 7 THEN 'probation'
                    WHEN g %% 10 = 8 THEN 'suspended' ELSE 'onboarding' END,
               now() - interval '200 days', NULL, now()
        FROM generate_series(1, %(n)s) AS g
        """,
        {"n": MERCHANTS},
    )
    cursor.execute(
        f"""
        INSERT INTO reviews_purchase
            (order_number, line, consumer, product_id, merchant_id, quantity, paid_at,
             delivered_at, imported_at, updated_at)
        SELECT 'RB-' || m.id || '-' || g, 1, 'buyer' || g, m.id, m.id, 1,
               %(now)s - (g * 7) * interval '1 day', NULL, now(), now()
        FROM merchants_merchant AS m CROSS JOIN generate_series(1, 5) AS g
        WHERE {_BENCH}
        """,
        {"now": now},
    )
    cursor.execute(
        f"""
        INSERT INTO complaints_case (
            kind, reference, channel, status, priority, consumer_name, consumer_email,
            consumer_phone, order_number, merchant_id, complaint_type, description,
            desired_remedy, advertised_claim, claim_seen_at, escalated, outcome,
            outcome_reason, policy_id, response_due_at, response_at_risk_at,
            resolution_due_at, resolution_at_risk_at, paused_seconds, reopen_count,
            merchant_request_count, tracking_token_hash, satisfaction_comment, language, created_at)
        SELECT CASE WHEN m.id %% 50 = 0 THEN 'ad_report' ELSE 'complaint' END,
               'RB-' || m.id, 'web', 'assigned', 2, 'Bench', '', '13800000000', '', m.id,
               'quality_defect', 'bench', '', '', '', false,
               CASE WHEN m.id %% 50 = 0 THEN 'substantiated' ELSE '' END, '', %(policy)s,
               c.filed + interval '24 hours', c.filed + interval '18 hours',
               c.filed + interval '72 hours', c.filed + interval '54 hours', 0, 0, 0,
               md5('rb' || m.id), '', 'zh-hans', c.filed
        FROM merchants_merchant AS m
        CROSS JOIN LATERAL (SELECT %(now)s - (m.id %% 60) * interval '1 day' AS filed) AS c
        WHERE {_BENCH} AND m.id %% 2 = 0
        """,
        {"now": now, "policy": policy_id},
    )
    cursor.execute(
        """
        INSERT INTO complaints_slaclock (case_id, target, due_at, at_risk_at, running, stage,
                                         cycle)
        SELECT c.id, 'merchant_answer', c.created_at + interval '48 hours',
               c.created_at + interval '36 hours', false,
               CASE WHEN c.id %% 4 = 0 THEN 2 ELSE 0 END, 1
        FROM complaints_case AS c
        WHERE c.reference LIKE 'RB-%%' AND c.id %% %(five)s < 2
        """,
        {"five": 5},
    )
    cursor.execute(
        f"""
        INSERT INTO reviews_merchantratingfigure
            (merchant_id, as_of, window_days, rating_count, description_accuracy_sum,
             service_attitude_sum, logistics_sum, description_accuracy, service_attitude,
             logistics, overall, computed_at)
        SELECT m.id, %(today)s, 90, 10 + m.id %% 40, 0, 0, 0, r.v, r.v, r.v, r.v, now()
        FROM merchants_merchant AS m
        CROSS JOIN LATERAL (SELECT 3.0 + (m.id %% 20) / 10.0 AS v) AS r
        WHERE {_BENCH}
        """,
        {"today": now.date()},
    )
    cursor.execute(
        f"""
        INSERT INTO inspections_inspection
            (plan_id, product_id, merchant_id, category_id, lot_size, batch,
             standard_version_id, severity, level, sampling_policy_id, sampling_plans,
             sample_size, lab, status, verdict_detail, decided_by_class, decided_at,
             created_at)
        SELECT m.id, m.id, m.id, 1, 50, 'B', 1, 'normal', 'II', %(sampling)s, '{{}}', 8, '',
               CASE WHEN m.id %% 3 = 0 THEN 'rejected' ELSE 'accepted' END, '{{}}', '',
               %(now)s - (m.id %% 300) * interval '1 day', now()
        FROM merchants_merchant AS m
        WHERE {_BENCH} AND m.id %% 10 = 0
        """,
        {"now": now, "sampling": sampling_id},
    )
    cursor.execute(
        f"""
        INSERT INTO merchants_restriction
            (merchant_id, kind, reason, detail, reason_code, reason_params, source, starts_at,
             created_at)
        SELECT m.id, 'sales_restriction', 'document_expired', '', '', '{{}}',
               'merchants.document:business_licence:-', now(), now()
        FROM merchants_merchant AS m
        WHERE {_BENCH} AND m.id %% %(twenty)s = 0
        """,
        {"twenty": 20},
    )
    cursor.execute("SET LOCAL session_replication_role = origin")
    for table in (
        "merchants_merchant",
        "reviews_purchase",
        "complaints_case",
        "complaints_slaclock",
        "reviews_merchantratingfigure",
        "inspections_inspection",
        "merchants_restriction",
    ):
        cursor.execute(f"ANALYZE {table}")


def main() -> list[Figure]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from complaints import services as complaints
    from complaints.models import CaseKind, Priority
    from core import policies
    from inspections.policies import SAMPLING
    from reports.models import RiskScore
    from reports.services.risk import detect_spikes, recompute_scores

    results = {}
    try:
        with transaction.atomic():
            now = timezone.now()
            policy = complaints.policy_in_force(kind=CaseKind.COMPLAINT, priority=Priority.NORMAL)
            sampling = policies.ensure_version(SAMPLING)
            recompute_scores()  # warm: policy versions, content types
            started = time.perf_counter()
            with connection.cursor() as cursor:
                _build(cursor, policy_id=policy.pk, sampling_id=sampling.pk, now=now)
            results["build"] = time.perf_counter() - started
            for run in ("first", "second"):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    outcome = recompute_scores()
                    results[run] = time.perf_counter() - started
                results[f"{run}_statements"] = len(queries)
                results[f"{run}_scored"] = outcome.scored
                results[f"{run}_recorded"] = outcome.recorded
            results["tiers"] = dict(RiskScore.objects.values_list("tier").annotate(n=Count("pk")))
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                detect_spikes()
                results["spikes"] = time.perf_counter() - started
            results["spike_statements"] = len(queries)
            raise _Rollback
    except _Rollback:
        pass

    print(f"merchants built:   {MERCHANTS:,} in {results['build']:.1f} s (rolled back)")
    for run in ("first", "second"):
        print(
            f"recompute {run}:   {results[run]:.2f} s, {results[f'{run}_statements']} "
            f"statements, {results[f'{run}_scored']:,} scores, "
            f"{results[f'{run}_recorded']:,} history rows"
        )
    print(f"tiers:             {results['tiers']}")
    print(f"spike check:       {results['spikes']:.2f} s, {results['spike_statements']} statements")
    print(f"load average:      {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    n = f"{MERCHANTS:,} merchants"
    return [
        within(f"risk recompute, first run ({n})", results["first"], 60),
        within(f"risk recompute, second run ({n})", results["second"], 60),
        Figure(
            f"risk recompute statements ({n})",
            "constant (<= 10)",
            results["second_statements"],
            "statements",
            results["second_statements"] <= 10,
        ),
        within(f"spike check ({n})", results["spikes"], 10),
    ]


if __name__ == "__main__":
    main()

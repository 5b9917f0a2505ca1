"""Quarterly snapshot and report over 1,000,000 complaints, 100,000 inspections and
5,000,000 ratings (4,000,000 product reviews + 1,000,000 service ratings).

Builds one quarter of data set-based (INSERT ... SELECT FROM generate_series) and commits it
to the bench's throwaway database, then runs the worker's job in a fresh subprocess, as a
Celery worker would: compute and freeze the snapshot (reports.services.snapshots.generate)
and render the four staff downloads (CSV and PDF, Chinese and English) from it. The
subprocess reports its time and its peak RSS (getrusage), so the memory figure is the
worker's own, not the data builder's. Goals: under 60 s, under 500 MB.

    DATABASE_URL=... REDIS_URL=... python -m bench quarterly_report
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from urllib.parse import quote

from bench import Figure, within

COMPLAINTS = int(os.environ.get("BENCH_COMPLAINTS", 1_000_000))
INSPECTIONS = int(os.environ.get("BENCH_INSPECTIONS", 100_000))
REVIEWS = int(os.environ.get("BENCH_REVIEWS", 4_000_000))
SERVICE_RATINGS = int(os.environ.get("BENCH_SERVICE_RATINGS", 1_000_000))
MERCHANTS = int(os.environ.get("BENCH_MERCHANTS", 2_000))
PRODUCTS_PER_MERCHANT = 10
MEMORY_LIMIT_MB = 500
TIME_LIMIT_S = 60


def _build(cursor, *, start, end, policy_id, sampling_id, product_type, rule_id, rule_code):
    """One quarter [start, end) of activity. Rows spread evenly over the quarter;
    outcomes vary by row number so every figure has something to count."""
    params = {
        "start": start,
        "seconds": int((end - start).total_seconds()),
        "merchants": MERCHANTS,
        "per": PRODUCTS_PER_MERCHANT,
        "complaints": COMPLAINTS,
        "inspections": INSPECTIONS,
        "reviews": REVIEWS,
        "ratings": SERVICE_RATINGS,
        "policy": policy_id,
        "sampling": sampling_id,
        "product_type": product_type,
        "rule": rule_id,
        "rule_code": rule_code,
    }
    # Fixture data, not a write path: no row-history triggers, no FK checks.
    cursor.execute("SET session_replication_role = replica")
    statements = [
        """
        INSERT INTO core_category (code, name_zh, name_en, excluded_from_no_reason_return,
                                   no_reason_return_opened_only, no_reason_return_overrides,
                                   active)
        VALUES ('bench', '基准类目', 'Bench category', false, false, false, true)
        """,
        """
        INSERT INTO merchants_merchant (legal_name, credit_code, contact_name, contact_email,
                                        contact_phone, status, created_at)
        SELECT '基准商家 ' || n || ' Co.', 'BENCH' || lpad(n::text, 13, '0'), 'Bench contact',
               'bench' || n || '@example.test', '', 'active', %(start)s
        FROM generate_series(1, %(merchants)s) AS n
        """,
        """
        INSERT INTO products_product (sku, title, description, price, status, status_reason,
                                      status_evidence, status_cause, created_at, updated_at,
                                      category_id, merchant_id)
        SELECT 'SKU-' || n, 'Bench product ' || n, '', 99, 'listed', '', '', '',
               %(start)s, %(start)s, (SELECT id FROM core_category WHERE code = 'bench'),
               m.id
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM merchants_merchant) m
        CROSS JOIN generate_series(1, %(per)s) AS n
        """,
        """
        CREATE TEMP TABLE bench_products AS
        SELECT id, merchant_id, category_id, row_number() OVER (ORDER BY id) AS r
        FROM products_product
        """,
        # Without these the planner knows nothing of the temp table and may nest-loop it.
        "ALTER TABLE bench_products ADD PRIMARY KEY (r)",
        "ANALYZE bench_products",
        """
        INSERT INTO complaints_case (
            kind, reference, channel, status, priority, consumer_name, consumer_email,
            consumer_phone, order_number, merchant_id, complaint_type, description,
            desired_remedy, advertised_claim, claim_seen_at, escalated, outcome,
            outcome_reason, policy_id, response_due_at, response_at_risk_at,
            resolution_due_at, resolution_at_risk_at, paused_seconds, first_responded_at,
            resolved_at, reopen_count, merchant_request_count, tracking_token_hash,
            satisfaction_comment, language, created_at)
        SELECT
            CASE WHEN n %% 50 = 0 THEN 'ad_report' ELSE 'complaint' END,
            'BENCH-' || n, 'web',
            CASE WHEN n %% 10 < 8 THEN 'resolved' ELSE 'assigned' END, 2,
            'Bench consumer', '', '', 'ORD-' || n, p.merchant_id,
            'quality_defect', 'bench', '', '', '', false,
            CASE WHEN n %% 10 >= 8 THEN '' WHEN n %% 50 = 0 THEN 'substantiated'
                 ELSE 'refund' END,
            '', %(policy)s, f.filed + interval '24 hours', f.filed + interval '18 hours',
            f.filed + interval '72 hours', f.filed + interval '54 hours', 0,
            f.filed + (n %% 40) * interval '1 hour',
            CASE WHEN n %% 10 < 8 THEN f.filed + (n %% 100) * interval '1 hour' END,
            0, 0, md5(n::text) || md5('t' || n::text), '', 'zh-hans', f.filed
        FROM generate_series(1, %(complaints)s) AS n
        JOIN bench_products p ON p.r = 1 + n %% (%(merchants)s * %(per)s)
        CROSS JOIN LATERAL (
            SELECT %(start)s + ((n::bigint * 7919) %% %(seconds)s) * interval '1 second'
                AS filed
        ) f
        """,
        """
        INSERT INTO products_qualitystandard (code, name_zh, name_en, created_at, category_id)
        SELECT 'bench', '基准标准', 'Bench standard', %(start)s, id
        FROM core_category WHERE code = 'bench'
        """,
        """
        INSERT INTO products_standardversion (number, status, effective_from, note,
                                              published_at, created_at, standard_id)
        SELECT 1, 'published', %(start)s, '', %(start)s, %(start)s, id
        FROM products_qualitystandard WHERE code = 'bench'
        """,
        """
        INSERT INTO inspections_inspectionplan (kind, period, due_by, tightened, status,
                                                reason, source, created_at, merchant_id)
        SELECT 'periodic', 'bench', %(start)s::date, false, 'done', 'bench', 'bench',
               %(start)s, min(id)
        FROM merchants_merchant
        """,
        """
        INSERT INTO inspections_inspection (
            plan_id, product_id, merchant_id, category_id, lot_size, batch,
            standard_version_id, severity, level, sampling_policy_id, sampling_plans,
            sample_size, lab, status, verdict_detail, decided_by_class, decided_at,
            created_at)
        SELECT (SELECT max(id) FROM inspections_inspectionplan), p.id, p.merchant_id,
               p.category_id, 500, 'B-' || n,
               (SELECT max(id) FROM products_standardversion), 'normal', 'II',
               %(sampling)s, '{}', 50, '',
               CASE WHEN n %% 10 = 0 THEN 'rejected' WHEN n %% 97 = 0 THEN 'draft'
                    ELSE 'accepted' END,
               '{}', '',
               CASE WHEN n %% 97 <> 0 THEN
                   %(start)s + ((n::bigint * 104729) %% %(seconds)s) * interval '1 second'
               END,
               %(start)s
        FROM generate_series(1, %(inspections)s) AS n
        JOIN bench_products p ON p.r = 1 + (n * 13) %% (%(merchants)s * %(per)s)
        """,
        """
        INSERT INTO core_decision (content_type_id, object_id, action, from_state, to_state,
                                   actor_label, reason, data, created_at)
        SELECT %(product_type)s, p.id::text, 'delist', 'listed', 'delisted', 'system', 'bench',
               '{}', %(start)s + ((p.r * 31) %% %(seconds)s) * interval '1 second'
        FROM bench_products p WHERE p.r %% 4 = 0
        """,
        """
        INSERT INTO merchants_sanction (merchant_id, evidence_id, kind, product_id, origin,
                                        status, step_points, points_at_imposition, reason,
                                        starts_at, appeal_until, end_reason, created_at)
        SELECT m.id, '', k.kind,
               -- a delisting names the listing it takes down (sanction_product_for_delisting)
               CASE WHEN k.kind = 'product_delisting' THEN
                   (SELECT p.id FROM products_product p WHERE p.merchant_id = m.id
                    ORDER BY p.id LIMIT 1) END,
               'ladder', 'active', 12, 12, 'bench', f.at, f.at + interval '15 days', '', f.at
        FROM merchants_merchant m
        CROSS JOIN LATERAL (SELECT (ARRAY['warning', 'sales_restriction', 'product_delisting',
                                          'suspension', 'termination'])[1 + m.id %% 5]
                                   AS kind) k
        CROSS JOIN LATERAL (SELECT %(start)s + ((m.id * 7717) %% %(seconds)s)
                                   * interval '1 second' AS at) f
        """,
        """
        INSERT INTO merchants_violationentry (evidence_type_id, evidence_id, merchant_id,
                                              rule_id, rule_code, points, occurred_at,
                                              expires_at, status, note, recorded_at,
                                              appeal_until, withdrawal_reason)
        SELECT %(product_type)s, p.id::text, p.merchant_id, %(rule)s, %(rule_code)s, 6,
               f.at, f.at + interval '365 days', 'active', '', f.at, f.at + interval '15 days',
               ''
        FROM bench_products p
        CROSS JOIN LATERAL (SELECT %(start)s + ((p.r * 3571) %% %(seconds)s)
                                   * interval '1 second' AS at) f
        WHERE p.r %% 2 = 0
        """,
        """
        INSERT INTO reviews_productreview (reviewer, verified, stars, text, channel,
                                           created_at, folded, fold_reason, reply,
                                           merchant_id, product_id)
        SELECT 'buyer' || n, false, 1 + (n * 7) %% 5, '', 'link',
               %(start)s + ((n::bigint * 6007) %% %(seconds)s) * interval '1 second',
               n %% 100 = 0, CASE WHEN n %% 100 = 0 THEN 'spam' ELSE '' END, '',
               p.merchant_id, p.id
        FROM generate_series(1, %(reviews)s) AS n
        JOIN bench_products p ON p.r = 1 + n %% (%(merchants)s * %(per)s)
        """,
        """
        INSERT INTO reviews_purchase (order_number, line, consumer, quantity, paid_at,
                                      delivered_at, imported_at, updated_at, merchant_id,
                                      product_id)
        SELECT 'BENCH-ORD-' || n, 1, 'buyer' || n, 1, %(start)s, %(start)s, %(start)s,
               %(start)s, p.merchant_id, p.id
        FROM generate_series(1, %(ratings)s) AS n
        JOIN bench_products p ON p.r = 1 + n %% (%(merchants)s * %(per)s)
        """,
        """
        INSERT INTO reviews_servicerating (reviewer, description_accuracy, service_attitude,
                                           logistics, channel, created_at, merchant_id,
                                           purchase_id)
        SELECT u.consumer, 1 + u.id %% 5, 1 + (u.id / 3) %% 5, 1 + (u.id / 7) %% 5, 'link',
               %(start)s + ((u.id * 4001) %% %(seconds)s) * interval '1 second',
               u.merchant_id, u.id
        FROM reviews_purchase u WHERE u.order_number LIKE 'BENCH-ORD-%%'
        """,
    ]
    for statement in statements:
        cursor.execute(statement, params)
    cursor.execute("SET session_replication_role = origin")
    for table in (
        "complaints_case",
        "inspections_inspection",
        "reviews_productreview",
        "reviews_servicerating",
        "core_decision",
        "merchants_sanction",
        "merchants_violationentry",
    ):
        cursor.execute(f"ANALYZE {table}")


WORKER = r"""
import json, os, resource, sys, time
import django
django.setup()
from reports.services import render, snapshots
from reports.models.snapshots import Snapshot

snapshot_id = int(sys.argv[1])
started = time.perf_counter()
snapshots.generate(snapshot_id=snapshot_id)
computed = time.perf_counter() - started
snapshot = Snapshot.objects.get(pk=snapshot_id)
document = snapshots.document(snapshot)
sizes = {}
for file_format in render.FORMATS:
    for language in render.LANGUAGES:
        data = render.render(document, file_format=file_format, language=language,
                             audience=render.STAFF)
        sizes[f"{file_format}-{language}"] = len(data)
total = time.perf_counter() - started
print(json.dumps({
    "compute_s": computed,
    "total_s": total,
    "render_s": total - computed,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "state": snapshot.state,
    "merchants": len(snapshot.figures["merchants"]),
    "platform": snapshot.figures["platform"],
    "sizes": sizes,
}))
"""


def _database_url(settings_dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = quote(settings_dict.get("HOST") or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"


def main() -> list[Figure]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from complaints import services as complaints
    from complaints.models import CaseKind, Priority
    from core import policies
    from merchants.models import ViolationRule
    from products.models import Product
    from reports.models.snapshots import Snapshot
    from reports.services.figures import quarter_of

    period = quarter_of(timezone.now()).previous()
    started = time.perf_counter()
    with transaction.atomic():
        policy = complaints.policy_in_force(kind=CaseKind.COMPLAINT, priority=Priority.NORMAL)
        sampling = policies.ensure_version("inspections.sampling")
        rule = ViolationRule.objects.order_by("id").first()
        with connection.cursor() as cursor:
            _build(
                cursor,
                start=period.start,
                end=period.end,
                policy_id=policy.pk,
                sampling_id=sampling.pk,
                product_type=ContentType.objects.get_for_model(Product).pk,
                rule_id=rule.pk,
                rule_code=rule.code,
            )
        snapshot = Snapshot.objects.create(
            year=period.year, quarter=period.quarter, trigger=Snapshot.Trigger.ON_DEMAND
        )
    built = time.perf_counter() - started

    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}
    run = subprocess.run(
        [sys.executable, "-c", WORKER, str(snapshot.pk)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=os.getcwd(),
    )
    if run.returncode != 0:
        print(run.stderr, file=sys.stderr)
        raise RuntimeError("the worker subprocess failed")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    platform = result["platform"]
    print(
        f"data:      {COMPLAINTS:,} cases, {INSPECTIONS:,} inspections, "
        f"{REVIEWS + SERVICE_RATINGS:,} ratings, {MERCHANTS:,} merchants "
        f"(built in {built:.1f} s)"
    )
    print(
        f"worker:    snapshot {result['compute_s']:.1f} s + 4 downloads "
        f"{result['render_s']:.1f} s = {result['total_s']:.1f} s, "
        f"peak RSS {result['peak_rss_mb']:.0f} MB, {result['merchants']:,} scorecards"
    )
    print(f"downloads: {result['sizes']}")
    print(
        f"figures:   filed {platform['complaints_filed']:,}, resolved "
        f"{platform['complaints_resolved']:,}, inspections {platform['inspections_done']:,}, "
        f"reviews {platform['review_count']:,}, service ratings "
        f"{platform['service_rating_count']:,}"
    )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return [
        within(
            "snapshot (7 figure groups x 2 quarters), 1M complaints",
            result["compute_s"],
            TIME_LIMIT_S,
        ),
        within("snapshot + CSV and PDF, zh and en", result["total_s"], TIME_LIMIT_S),
        Figure(
            "worker peak RSS",
            f"< {MEMORY_LIMIT_MB} MB",
            round(result["peak_rss_mb"], 1),
            "MB",
            result["peak_rss_mb"] < MEMORY_LIMIT_MB,
        ),
    ]

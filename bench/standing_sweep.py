"""Benchmark: the daily standing sweep over 1,000,000 ledger entries.

Builds (set-based, generate_series) 2,000 merchants with 500 entries each spread over the
last 400 days (so about 9 % are past their 365 days), a held ladder step per merchant and
one time-boxed ladder sanction with its restriction per merchant, half of them over, and
commits them (as in production, the ledger was written long before the sweep). Then times
the sweep in its own transaction with the task's audit context, runs it a second time (must
find nothing), and deletes what it built.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench.standing_sweep
"""

import os
import time

ENTRIES = int(os.environ.get("BENCH_ENTRIES", 1_000_000))
MERCHANTS = 2_000
PREFIX = "B0"  # bench merchants' credit codes: B + 17 digits


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from core.audit import system_context
    from core.models import Upload
    from merchants.models import Sanction, ViolationEntry, ViolationRule
    from merchants.services import sweep_standing

    rule = ViolationRule.objects.get(code="sla_breach_merchant", version=1)
    upload_ct = ContentType.objects.get_for_model(Upload).pk
    _clean_up()
    try:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            # A bulk load: without the history triggers. The sweep runs with them.
            cursor.execute("SET LOCAL session_replication_role = replica")
            _build(cursor, rule, upload_ct)
        with connection.cursor() as cursor:
            for table in ("violationentry", "merchantstanding", "sanction", "restriction"):
                cursor.execute(f"ANALYZE merchants_{table}")
        built = time.perf_counter() - started
        due = ViolationEntry.objects.filter(status="active", expires_at__lte=_now()).count()
        total = ViolationEntry.objects.count()
        print(f"built {total:,} ledger entries in {built:.1f} s ({due:,} past expiry)")

        # Both runs sweep as of the same instant, so the second must find nothing.
        now = _now()
        timings = []
        started = time.perf_counter()
        with connection.execute_wrapper(_timed(timings)), system_context("bench"):
            first = sweep_standing(now=now)
        first_time = time.perf_counter() - started
        print(
            f"sweep 1: {first_time:.2f} s - expired {first.entries_expired:,} entries, "
            f"lowered {first.standings_lowered:,} held steps, "
            f"ended {first.sanctions_ended:,} sanctions"
        )
        for seconds, sql in timings:
            if seconds > 0.05:
                print(f"    {seconds:7.2f} s  {sql}")
        started = time.perf_counter()
        with system_context("bench"):
            second = sweep_standing(now=now)
        second_time = time.perf_counter() - started
        print(
            f"sweep 2: {second_time:.2f} s - expired {second.entries_expired}, "
            f"lowered {second.standings_lowered}, ended {second.sanctions_ended}"
        )
        assert second.entries_expired == second.sanctions_ended == 0
        assert not Sanction.objects.filter(status="active", ends_at__lte=now).exists()
    finally:
        _clean_up()
        print("cleaned up: the bench rows are gone")


def _build(cursor, rule, upload_ct) -> None:
    cursor.execute(
        """
        INSERT INTO merchants_merchant
            (legal_name, credit_code, contact_name, contact_email, contact_phone, status,
             created_at)
        SELECT 'Bench merchant ' || i, 'B' || lpad(i::text, 17, '0'), 'Bench',
               'bench' || i || '@example.test', '', 'active', now()
        FROM generate_series(1, %s) AS i
        """,
        [MERCHANTS],
    )
    cursor.execute(
        "SELECT min(id) FROM merchants_merchant WHERE credit_code LIKE %s", [f"{PREFIX}%"]
    )
    first_merchant = cursor.fetchone()[0]
    cursor.execute(
        """
        INSERT INTO merchants_violationentry
            (merchant_id, rule_id, rule_code, points, evidence_type_id, evidence_id,
             occurred_at, expires_at, status, note, recorded_at, appeal_until,
             withdrawal_reason)
        SELECT %(first)s + (i %% %(merchants)s), %(rule)s, %(code)s, 2, %(ct)s, 'bench-' || i,
               at, at + interval '365 days', 'active', '', at, at + interval '15 days', ''
        FROM (
            SELECT i, now() - make_interval(days => (i %% 400)::int, secs => (i %% 86400)) AS at
            FROM generate_series(1, %(entries)s) AS i
        ) AS g
        """,
        {
            "first": first_merchant,
            "merchants": MERCHANTS,
            "rule": rule.pk,
            "code": rule.code,
            "ct": upload_ct,
            "entries": ENTRIES,
        },
    )
    cursor.execute(
        """
        INSERT INTO merchants_merchantstanding (merchant_id, ladder_step, updated_at)
        SELECT id, 48, now() FROM merchants_merchant WHERE credit_code LIKE %s
        """,
        [f"{PREFIX}%"],
    )
    cursor.execute(
        """
        WITH s AS (
            INSERT INTO merchants_sanction
                (merchant_id, kind, origin, status, step_points, points_at_imposition, reason,
                 starts_at, ends_at, appeal_until, evidence_id, end_reason, created_at)
            SELECT id, 'sales_restriction', 'ladder', 'active', 12, 12, 'bench',
                   now() - interval '10 days',
                   now() - interval '10 days'
                       + make_interval(days => CASE WHEN id %% 2 = 0 THEN 7 ELSE 14 END),
                   now() + interval '5 days', '', '', now()
            FROM merchants_merchant WHERE credit_code LIKE %(prefix)s
            RETURNING id, merchant_id, starts_at, ends_at
        ), r AS (
            INSERT INTO merchants_restriction
                (merchant_id, kind, reason, detail, source, starts_at, ends_at, created_at)
            SELECT merchant_id, 'sales_restriction', 'sanction', 'bench',
                   'merchants.sanction:' || id, starts_at, ends_at, now()
            FROM s RETURNING id, source
        )
        UPDATE merchants_sanction SET restriction_id = r.id
        FROM r WHERE r.source = 'merchants.sanction:' || merchants_sanction.id
        """,
        {"prefix": f"{PREFIX}%"},
    )


def _clean_up() -> None:
    from django.db import connection, transaction

    merchants = "SELECT id FROM merchants_merchant WHERE credit_code LIKE %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, column in (
            ("merchants_violationentryevent", "merchant_id"),
            ("merchants_violationentry", "merchant_id"),
            ("merchants_merchantstanding", "merchant_id"),
            ("merchants_sanctionevent", "merchant_id"),
            ("merchants_sanction", "merchant_id"),
            ("merchants_restriction", "merchant_id"),
            ("merchants_merchant", "id"),
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({merchants})", [f"{PREFIX}%"])


def _timed(timings):
    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - started, " ".join(sql.split())[:70]))

    return wrapper


def _now():
    from django.utils import timezone

    return timezone.now()


if __name__ == "__main__":
    main()

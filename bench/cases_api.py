"""The complaints API case list over many cases: keyset pages stay fast however deep.

Builds BENCH_API_CASES cases (default 500,000; a year of them, 15 % still open) for 200
merchants set-based (one INSERT ... SELECT FROM generate_series), then times GET requests
through the whole stack (authentication, permissions, filters, serializer) as Consumer
Service staff and as a merchant user: the newest page, a page 20 cursors deep, the open
queue by nearest deadline (first and deep), the breached filter, and the queries per page.
Everything is rolled back: the database is left as it was found.

    DATABASE_URL=... REDIS_URL=... python -m bench cases_api

Measured 2026-11-23 on the 2-core dev box under load from other work (load average ~15),
300,000 cases: newest page 0.13 s, 20 cursors deep 0.11 s, open queue by deadline 0.14 s
(20 deep 0.14 s), breached filter 0.09 s, a merchant's newest page 0.12 s; one statement a
page; both orderings read their index.
"""

from __future__ import annotations

import os
import time

from bench import Figure, within

CASES = int(os.environ.get("BENCH_API_CASES", 500_000))
MERCHANTS = 200
PAGE = 50
LIMIT_S = 0.25


class _Rollback(Exception):
    pass


def _build(cursor, *, policy_id, now):
    # Its own merchant codes and token hashes (not complaints_lists' md5(n)...), so the
    # benches run in any order on one database (tracking_token_hash is unique).
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute(
        """
        INSERT INTO merchants_merchant (legal_name, credit_code, contact_name, contact_email,
                                        contact_phone, status, created_at)
        SELECT 'Bench merchant ' || m, 'BENCHAPI' || lpad(m::text, 10, '0'), 'Bench',
               'bench@example.test', '', 'active', %(now)s
        FROM generate_series(1, %(merchants)s) AS m
        """,
        {"merchants": MERCHANTS, "now": now},
    )
    cursor.execute(
        """
        INSERT INTO complaints_case (
            kind, reference, channel, status, priority, consumer_name, consumer_email,
            consumer_phone, order_number, merchant_id, complaint_type, description,
            desired_remedy, advertised_claim, claim_seen_at, escalated, outcome,
            outcome_reason, policy_id, response_due_at, response_at_risk_at,
            resolution_due_at, resolution_at_risk_at, paused_seconds, first_responded_at,
            resolved_at, closed_at, reopen_count, merchant_request_count,
            tracking_token_hash, satisfaction_comment, language, created_at)
        SELECT
            'complaint', 'BENCH-' || n, 'web', g.status, 2, 'Bench consumer', '',
            '13800000000', 'ORD-' || n, first.id + n %% %(merchants)s, 'quality_defect',
            'bench', '', '', '', false,
            CASE WHEN g.decided THEN 'refund' ELSE '' END, '', %(policy)s,
            g.filed + interval '24 hours', g.filed + interval '18 hours',
            g.filed + interval '72 hours', g.filed + interval '54 hours', 0,
            CASE WHEN g.decided OR n %% 3 = 0 THEN g.filed + (n %% 30) * interval '1 hour' END,
            CASE WHEN g.decided THEN g.filed + (n %% 90) * interval '1 hour' END,
            CASE WHEN g.decided THEN g.filed + interval '5 days' END,
            0, 0, md5('api' || n) || md5('api-t' || n), '', 'zh-hans', g.filed
        FROM generate_series(1, %(total)s) AS n
        CROSS JOIN (
            SELECT min(id) AS id FROM merchants_merchant WHERE credit_code LIKE 'BENCHAPI%%'
        ) AS first
        CROSS JOIN LATERAL (
            SELECT %(now)s - (n::float / %(total)s) * interval '365 days' AS filed,
                   n > %(total)s * 0.15 AS decided,
                   CASE WHEN n > %(total)s * 0.15 THEN 'closed' ELSE 'assigned' END AS status
        ) AS g
        """,
        {"policy": policy_id, "now": now, "total": CASES, "merchants": MERCHANTS},
    )
    cursor.execute("SET LOCAL session_replication_role = origin")
    cursor.execute("ANALYZE complaints_case")
    cursor.execute("ANALYZE merchants_merchant")


def _get(client, url):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:500]
    return elapsed, response.json()


def _deep(client, url, pages):
    """Follow `next` `pages` times; the time of the last page."""
    elapsed, body = _get(client, url)
    for _ in range(pages):
        elapsed, body = _get(client, body["next"])
    return elapsed


def main() -> list[Figure]:
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    from complaints import services
    from complaints.api import with_sla
    from complaints.models import OPEN, Case, CaseKind, Priority
    from core.models import User
    from merchants.models import Membership, Merchant

    figures: list[Figure] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            policy = services.policy_in_force(kind=CaseKind.COMPLAINT, priority=Priority.NORMAL)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                _build(cursor, policy_id=policy.pk, now=now)
            build_s = time.perf_counter() - started
            agent = User.objects.create(username="bench-agent", is_staff=True)
            agent.groups.add(Group.objects.get(name="consumer_service"))
            merchant = Merchant.objects.filter(credit_code__startswith="BENCHAPI").first()
            owner = User.objects.create(username="bench-owner")
            Membership.objects.create(user=owner, merchant=merchant, role="owner")

            staff = APIClient(SERVER_NAME="localhost")
            staff.force_authenticate(agent)
            mine = APIClient(SERVER_NAME="localhost")
            mine.force_authenticate(owner)
            base = f"/api/v1/cases/?page_size={PAGE}"
            _get(staff, base)  # warm: translations, content types, URL resolver

            first, _body = _get(staff, base)
            figures.append(within(f"newest page of {CASES:,} cases", first, LIMIT_S))
            figures.append(
                within("page 20 cursors deep, newest first", _deep(staff, base, 20), LIMIT_S)
            )
            queue = f"{base}&ordering=next_deadline"
            figures.append(within("open queue by nearest deadline", _get(staff, queue)[0], LIMIT_S))
            figures.append(within("open queue, 20 pages deep", _deep(staff, queue, 20), LIMIT_S))
            breached, body = _get(staff, f"{base}&sla=breached")
            figures.append(within("breached filter, newest first", breached, LIMIT_S))
            assert all(row["sla_state"] == "breached" for row in body["results"])
            merchant_s, _body = _get(mine, f"/api/v1/merchant-cases/?page_size={PAGE}")
            figures.append(within("merchant user's newest page", merchant_s, LIMIT_S))

            with CaptureQueriesContext(connection) as queries:
                _get(staff, f"{base}&sla=breached&ordering=next_deadline")
            # The roles and the membership are cached on the signed-in user by now.
            figures.append(
                Figure("SQL statements per page", "1", len(queries), "", len(queries) == 1)
            )

            plan_deadline = (
                with_sla(Case.objects.filter(status__in=OPEN))
                .order_by("next_deadline", "id")[:PAGE]
                .explain()
            )
            plan_newest = with_sla(Case.objects.all()).order_by("-created_at", "-id")[:PAGE]
            plan_newest = plan_newest.explain()
            figures.append(
                Figure(
                    "deadline order reads case_open_next_deadline",
                    "index used",
                    float("case_open_next_deadline" in plan_deadline),
                    "",
                    "case_open_next_deadline" in plan_deadline,
                )
            )
            figures.append(
                Figure(
                    "newest-first order reads case_by_created",
                    "index used",
                    float("case_by_created" in plan_newest),
                    "",
                    "case_by_created" in plan_newest,
                )
            )
            figures.append(Figure(f"build {CASES:,} cases", "", round(build_s, 1), "s", None))
            raise _Rollback
    except _Rollback:
        pass
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return figures

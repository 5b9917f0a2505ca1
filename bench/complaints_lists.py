"""Staff case lists on 1,000,000 cases: the Consumer Service queues and the admin changelist.

Builds the cases set-based (one INSERT ... SELECT FROM generate_series; 45 % open in every
open state with clocks on time, at risk and breached, 3 % escalated, the rest resolved or
closed, over 20 agents and 50 merchants), then requests each page through the Django test
client as a signed-in Consumer Service agent: once to warm the process, then five times;
the figure is the median of the five (goal: each first page under 500 ms), the slowest is
printed next to it.

    DATABASE_URL=... REDIS_URL=... python -m bench complaints_lists
    BENCH_CASES=100000 for a quick run.

Measured 2026-11-23 on the 2-core dev box under load from other work (load average ~16),
1,000,000 cases built in 205 s; median of 5 (slowest): team queue 308 ms (578 ms),
"my cases" 400 ms (434 ms), supervisor queue 257 ms (373 ms), team queue filtered to
breached 356 ms (478 ms), admin changelist 286 ms (363 ms). The SQL of each page is a few
index entries (case_open_next_due, case_open_assignee_next_due, case_newest); most of the
time is template rendering on the loaded CPUs.
"""

from __future__ import annotations

import os
import statistics
import time

from bench import Figure

CASES = int(os.environ.get("BENCH_CASES", 1_000_000))
AGENTS = 20
MERCHANTS = 50
RUNS = 5
LIMIT_S = 0.5


def _build(cursor, *, merchant_ids, agent_ids, policy_id):
    cursor.execute("SET session_replication_role = replica")
    cursor.execute(
        """
        INSERT INTO complaints_case (
            kind, reference, channel, status, priority, consumer_name, consumer_email,
            consumer_phone, order_number, merchant_id, complaint_type, description,
            desired_remedy, advertised_claim, claim_seen_at, assignee_id, assigned_at,
            escalated, escalated_at, outcome, outcome_reason, policy_id,
            response_due_at, response_at_risk_at, resolution_due_at, resolution_at_risk_at,
            merchant_answer_due_at, merchant_answer_at_risk_at, merchant_asked_at,
            paused_at, paused_seconds, first_responded_at, resolved_at, closed_at,
            reopen_count, merchant_request_count, tracking_token_hash, satisfaction_comment,
            language, created_at)
        SELECT
            'complaint', 'B' || lpad(n::text, 9, '0'), 'web', g.status, 1 + n %% 3,
            'Bench consumer', 'c' || n || '@bench.test', '', 'ORD-' || n,
            (%(merchants)s::bigint[])[1 + n %% %(merchant_count)s], 'quality_defect',
            'bench', 'refund', '', '',
            CASE WHEN g.status <> 'new'
                 THEN (%(agents)s::bigint[])[1 + (n / 20) %% %(agent_count)s] END,
            CASE WHEN g.status <> 'new' THEN g.filed + interval '10 minutes' END,
            g.open AND n %% 33 = 0, CASE WHEN g.open AND n %% 33 = 0 THEN g.filed END,
            CASE WHEN g.open THEN '' ELSE 'refund' END, '', %(policy)s,
            g.filed + interval '24 hours', g.filed + interval '18 hours',
            g.filed + interval '72 hours', g.filed + interval '54 hours',
            CASE WHEN g.status = 'awaiting_merchant' THEN g.filed + interval '30 hours' END,
            CASE WHEN g.status = 'awaiting_merchant' THEN g.filed + interval '24 hours' END,
            CASE WHEN g.status = 'awaiting_merchant' THEN g.filed + interval '6 hours' END,
            CASE WHEN g.status = 'awaiting_consumer' THEN g.filed + interval '3 hours' END,
            0,
            CASE WHEN g.status NOT IN ('new', 'assigned') OR n %% 2 = 0
                 THEN g.filed + interval '2 hours' END,
            CASE WHEN NOT g.open THEN g.filed + interval '40 hours' END,
            CASE WHEN g.status = 'closed' THEN g.filed + interval '50 hours' END,
            0, CASE WHEN g.status = 'awaiting_merchant' THEN 1 ELSE 0 END,
            md5(n::text) || md5('t' || n::text), '', 'zh-hans', g.filed
        FROM generate_series(1, %(total)s) AS n
        CROSS JOIN LATERAL (
            SELECT
                CASE WHEN n %% 20 < 9 THEN now() - (n %% 5760) * interval '1 minute'
                     ELSE now() - interval '5 days' - (n %% 730) * interval '1 day'
                END AS filed,
                CASE n %% 20
                     WHEN 0 THEN 'new' WHEN 1 THEN 'assigned' WHEN 2 THEN 'assigned'
                     WHEN 3 THEN 'assigned' WHEN 4 THEN 'assigned'
                     WHEN 5 THEN 'awaiting_merchant' WHEN 6 THEN 'awaiting_merchant'
                     WHEN 7 THEN 'awaiting_consumer' WHEN 8 THEN 'assigned'
                     WHEN 9 THEN 'resolved' ELSE 'closed'
                END AS status,
                n %% 20 < 9 AS open
        ) AS g
        """,
        {
            "merchants": merchant_ids,
            "merchant_count": len(merchant_ids),
            "agents": agent_ids,
            "agent_count": len(agent_ids),
            "policy": policy_id,
            "total": CASES,
        },
    )
    cursor.execute("SET session_replication_role = origin")
    cursor.execute("ANALYZE complaints_case")


def _measure(client, url) -> tuple[float, float, int]:
    """Median and slowest of RUNS requests, after one that warms the process."""
    response = client.get(url)  # warm: templates, translations, connection
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), max(times), len(response.content)


def main() -> list[Figure]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client, override_settings

    from complaints import services
    from complaints.models import CaseKind, Priority
    from core.roles import Role
    from merchants.models import Merchant

    User = get_user_model()
    group = Group.objects.get(name=Role.CONSUMER_SERVICE)
    agents = []
    for i in range(AGENTS):
        agent = User.objects.create_user(f"bench-agent-{i}", password="x", is_staff=True)
        agent.groups.add(group)
        agents.append(agent)
    merchants = [
        Merchant.objects.create(
            legal_name=f"Bench merchant {i}",
            credit_code=f"BENCHCASES{i:08d}",
            contact_name="Bench",
            contact_email=f"m{i}@bench.test",
            status="active",
        )
        for i in range(MERCHANTS)
    ]
    policies = [
        services.policy_in_force(kind=CaseKind.COMPLAINT, priority=p) for p in Priority.values
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        _build(
            cursor,
            merchant_ids=[m.pk for m in merchants],
            agent_ids=[a.pk for a in agents],
            policy_id=policies[1].pk,
        )
    build_s = time.perf_counter() - started
    print(f"complaints_lists: {CASES:,} cases built in {build_s:.1f} s")

    client = Client()
    client.force_login(agents[0])
    pages = [
        ("staff team queue, first page", "/staff/complaints/"),
        ("staff 'my cases' queue, first page", "/staff/complaints/queue/mine/"),
        ("staff supervisor (escalated) queue", "/staff/complaints/queue/escalated/"),
        ("staff team queue, breached filter", "/staff/complaints/?clock=breached"),
        ("admin case changelist, first page", "/admin/complaints/case/"),
    ]
    figures = []
    with override_settings(ALLOWED_HOSTS=["*"], DEBUG=False):
        for label, url in pages:
            seconds, slowest, size = _measure(client, url)
            figures.append(
                Figure(
                    f"{label} ({CASES:,} cases)",
                    f"< {LIMIT_S:g} s",
                    round(seconds, 3),
                    "s",
                    seconds < LIMIT_S,
                )
            )
            print(
                f"  {label}: median {seconds * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms"
                f" of {RUNS} ({size:,} bytes)"
            )
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return figures

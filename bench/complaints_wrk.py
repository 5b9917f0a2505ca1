"""Cost of one public filing, measured from outside the interpreter: Debian's `wrk` (a
compiled load generator, `make bench-deps`) files complaints through the real form (GET for
the CSRF cookie and token, then distinct valid POSTs, bench/complaints_wrk.lua) at a
constant arrival rate against gunicorn, started and seeded as bench/complaints_form.py does
(rate limits raised for the bench: every post comes from 127.0.0.1).

For each rate step it reports the achieved rate, p50/p95/p99 (wrk's histogram), the
gunicorn workers' CPU milliseconds per filing (utime + stime from /proc/<pid>/stat before
and after, over the cases stored meanwhile, counted in the database) and, once, the SQL
statements of one filing, counted in this process with CaptureQueriesContext through the
Django test client on a real (non-test) transaction, the task published to Redis as the
web process does. Steps go up until p95 >= 150 ms or the rate is not reached; the highest
step that held is the sustained rate.

    DATABASE_URL=... REDIS_URL=... python -m bench complaints_wrk
    BENCH_WRK_RATES=20,40,60,80 BENCH_WRK_SECONDS=20 BENCH_WRK_CONNECTIONS=32
    BENCH_SQL=1 (print the counted filing's statements) BENCH_PROFILE=1 (cProfile it)
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from bench import Figure
from bench.complaints_form import (
    RAISED_LIMIT,
    THREADS,
    WORKERS,
    _free_port,
    _seed,
    _start_server,
    _stop,
)

RATES = [int(r) for r in os.environ.get("BENCH_WRK_RATES", "20,40,60,80,100").split(",")]
FIXED_RATE = int(os.environ.get("BENCH_WRK_FIXED_RATE", 40))
SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", 20))
CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", 32))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", 2))
GOAL_P95_MS = 150
GOAL_STATEMENTS = 12
GOAL_CPU_MS = 15
SCRIPT = Path(__file__).with_suffix(".lua")
RESULT = re.compile(r"WRK_RESULT (.*)")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _cpu_seconds(pids) -> float:
    """utime + stime of the processes (every thread), in seconds."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    return total / CLOCK_TICKS


def _filed() -> int:
    from complaints.models import Case

    return Case.objects.filter(order_number__startswith="WRK-").count()


def statements_per_filing(product) -> tuple[int, list[str]]:
    """One public filing through the test client, after two to warm the process (the
    first in a fresh database publishes SLA policy v1; the next reads the versions once
    for the process, as the first filing after any policy change does): the statements
    Django sends (psycopg2's implicit BEGIN and the COMMIT are not counted)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from config.celery import app

    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with override_settings(
            COMPLAINTS_RATE_PER_IP=RAISED_LIMIT,
            COMPLAINTS_RATE_PER_CONTACT=RAISED_LIMIT,
            ALLOWED_HOSTS=["testserver"],
        ):
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            client.get("/complaints/new/")
            for n in range(3):
                data = {
                    "consumer_name": "Counted consumer",
                    "consumer_email": f"counted-{uuid.uuid4().hex[:8]}@example.test",
                    "order_number": f"COUNTED-{uuid.uuid4().hex[:8]}-{n}",
                    "delivered_on": "",
                    "product": str(product.pk),
                    "complaint_type": "quality_defect",
                    "description": "The kettle leaks from the bottom after two days.",
                    "desired_remedy": "other",
                }
                profile = cProfile.Profile() if n == 2 and os.environ.get("BENCH_PROFILE") else None
                with CaptureQueriesContext(connection) as counted:
                    if profile:
                        profile.enable()
                    response = client.post("/complaints/new/", data)
                    if profile:
                        profile.disable()
                        pstats.Stats(profile, stream=sys.stderr).sort_stats(
                            "cumulative"
                        ).print_stats(30)
                assert response.status_code == 302, response.status_code
    finally:
        app.conf.task_always_eager = eager
    return len(counted), [q["sql"] for q in counted.captured_queries]  # the third


def _wrk(port: int, rate: int, product_id: int, seconds: int = SECONDS) -> dict:
    run = uuid.uuid4().hex[:6]
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(WRK_THREADS),
            "-c",
            str(CONNECTIONS),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            f"http://127.0.0.1:{port}",
            "--",
            str(rate),
            run,
            str(product_id),
            str(WRK_THREADS),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    bad = re.search(r"WRK_BAD (\S+)", out.stdout)
    if bad:
        print(f"complaints_wrk at {rate}/s: unexpected statuses {bad.group(1)}", file=sys.stderr)
    match = RESULT.search(out.stdout)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    return {k: float(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


def _redis_connections() -> int:
    """Connections Redis has accepted so far (INFO stats): the broker's and the cache's."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return int(client.info("stats")["total_connections_received"])
    finally:
        client.close()


def step(server, port: int, rate: int, product_id: int) -> dict:
    workers = _children(server.pid)
    cpu, filed, connections = _cpu_seconds(workers), _filed(), _redis_connections()
    result = _wrk(port, rate, product_id)
    cpu, filed = _cpu_seconds(workers) - cpu, _filed() - filed
    connections = _redis_connections() - connections - 1  # this probe's own
    result.update(
        redis_connections=connections,
        rate=rate,
        achieved=result["filings"] / result["seconds"],
        stored=filed,
        cpu_ms=1000 * cpu / filed if filed else float("inf"),
        held=(
            result["p95"] < GOAL_P95_MS
            and result["filings"] / result["seconds"] >= 0.95 * rate
            and not result["errors"]
            and not result["socket_errors"]
            and not result["refused"]
        ),
    )
    return result


def table(rows: list[dict], statements: int, sustained: int | None) -> str:
    header = (
        "rate target/s",
        "achieved/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "CPU ms/filing",
        "statements/filing",
        "filings",
        "errors",
        "late",
        "new Redis conns",
        "p95 < 150",
    )
    lines = [
        (
            f"{r['rate']}",
            f"{r['achieved']:.1f}",
            f"{r['p50']:.1f}",
            f"{r['p95']:.1f}",
            f"{r['p99']:.1f}",
            f"{r['cpu_ms']:.1f}",
            str(statements),
            f"{r['stored']}",
            f"{int(r['errors'] + r['socket_errors'] + r['refused'])}",
            f"{int(r['late'])}",
            f"{r['redis_connections']}",
            "yes" if r["held"] else "no",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(c.rjust(w) for c, w in zip(header, widths, strict=True))]
    out += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in lines]
    out.append(
        f"highest rate sustained at p95 < {GOAL_P95_MS} ms: "
        + (f"{sustained}/s" if sustained else "none of the steps")
        + f"; wrk -t {WRK_THREADS} -c {CONNECTIONS}, {SECONDS} s a step; gunicorn "
        f"{WORKERS}x{THREADS} gthread; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        f" on {os.cpu_count()} CPUs (shared with other work)"
    )
    out.append(
        "wrk times a request from when it is sent: a connection still busy at its slot sends "
        "late (column `late`) and that wait is not in the percentiles (coordinated omission)."
    )
    return "\n".join(out)


def main() -> list[Figure]:
    from django.conf import settings

    if shutil.which("wrk") is None:
        print("complaints_wrk: wrk is not installed (make bench-deps); skipped", file=sys.stderr)
        return []
    product = _seed()
    statements, sql = statements_per_filing(product)
    if os.environ.get("BENCH_SQL"):
        print("\n".join(sql), file=sys.stderr)
    port = _free_port()
    server = _start_server(port, settings.DATABASES["default"]["NAME"])
    rows = []
    try:
        _wrk(port, 10, product.pk, seconds=5)  # warm every worker (imports, templates)
        rows.append(step(server, port, FIXED_RATE, product.pk))
        for rate in sorted(set(RATES) - {FIXED_RATE}):
            if rate < FIXED_RATE and rows[0]["held"]:
                continue  # the fixed rate held: a lower one tells nothing new
            rows.append(step(server, port, rate, product.pk))
            if rate > FIXED_RATE and not rows[-1]["held"]:
                break
    finally:
        _stop(server)
    held = [r["rate"] for r in rows if r["held"]]
    sustained = max(held) if held else None
    print(table(rows, statements, sustained), file=sys.stderr)
    if os.environ.get("BENCH_WRK_TABLE"):
        Path(os.environ["BENCH_WRK_TABLE"]).write_text(table(rows, statements, sustained) + "\n")
    fixed = rows[0]
    cpu = min(r["cpu_ms"] for r in rows)
    return [
        Figure(
            f"public filing p95 at a constant {FIXED_RATE}/s (wrk, achieved "
            f"{fixed['achieved']:.1f}/s, p50 {fixed['p50']:.0f} / p99 {fixed['p99']:.0f} ms)",
            f"< {GOAL_P95_MS} ms",
            round(fixed["p95"], 1),
            "ms",
            fixed["held"],
        ),
        Figure(
            "public filing, gunicorn workers' CPU per filing (lowest of the steps)",
            f"<= {GOAL_CPU_MS} ms",
            round(cpu, 1),
            "ms",
            cpu <= GOAL_CPU_MS,
        ),
        Figure(
            "public filing, SQL statements (one filing, CaptureQueriesContext)",
            f"<= {GOAL_STATEMENTS}",
            statements,
            "",
            statements <= GOAL_STATEMENTS,
        ),
        Figure(
            f"highest filing rate sustained at p95 < {GOAL_P95_MS} ms (steps {RATES})",
            "",
            sustained or 0,
            "/s",
        ),
    ]

"""The SLA sweep beside django-helpdesk's `escalate_tickets`, on the same rows, in one run.

What is compared (the same on both sides):
- N open tickets / cases (BENCH_HELPDESK_TICKETS, default 100,000); 1 % of them
  (BENCH_HELPDESK_CROSSING) were filed 24 h 30 s ago and are due for escalation now; 0.5 %
  are on hold / paused and long past due (must not escalate); the rest were filed within
  the last 10 hours.
- The threshold: 24 hours (helpdesk: a queue with escalate_days = 1 and escalation
  exclusions (holidays) outside the window; ours: the response deadline of the policy in
  force, its calendar already folded into the clocks).
- The work per crossing row. Helpdesk: priority bumped, last_escalation set, a follow-up
  and a ticket-change row written (tickets carry no submitter e-mail, so it composes no
  notice: the least work helpdesk can do). Ours: priority bumped and escalated, the clock
  marked, a Decision row and an Alert row (delivered later by its own task) written.

Helpdesk is timed as `manage.py escalate_tickets`, a process of its own (how it is meant
to run, from cron), wall clock; the same command run a second time, with nothing due,
gives its fixed cost (interpreter and Django start-up, the scan) which the net ratio
leaves out. Ours is timed in this process, as a warm worker runs it: the median of
BENCH_REPEATS sweeps, each over its own set of due rows among the same N (see
bench/sla_sweep.build; helpdesk's single run has all N rows fresh too).

django-helpdesk lives in its own venv (var/bench-helpdesk/.venv, pinned in
bench/helpdesk/requirements.txt, never in requirements.lock) and its own database on the
same PostgreSQL server (<bench database>_helpdesk, dropped at the end). If it cannot be
installed (no package index), the benchmark is skipped with a message, not failed.

    DATABASE_URL=... REDIS_URL=... python -m bench helpdesk_compare
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench import Figure

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench" / "helpdesk"
REQUIREMENTS = HERE / "requirements.txt"
# Inside a `.venv` folder: the project's tools (translations check, ruff) skip those.
VENV = ROOT / "var" / "bench-helpdesk" / ".venv"
TICKETS = int(os.environ.get("BENCH_HELPDESK_TICKETS", 100_000))
CROSSING = int(os.environ.get("BENCH_HELPDESK_CROSSING", TICKETS // 100))
REPEATS = int(os.environ.get("BENCH_REPEATS", 5))
INSTALL_TIMEOUT_S = 600
RUN_TIMEOUT_S = 3600


class Skipped(Exception):
    pass


class _Rollback(Exception):
    pass


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path = VENV) -> Path:
    """The helpdesk venv, (re)built when requirements.txt changed. Raises Skipped when
    the packages cannot be installed (the package index is unreachable)."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = venv / ".requirements-sha256"
    if _python(venv).exists() and stamp.exists() and stamp.read_text() == digest:
        return _python(venv)
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    uv = Path(sys.executable).parent / "uv"
    if uv.exists():
        steps = [
            [str(uv), "venv", "-q", "--python", sys.executable, str(venv)],
            [str(uv), "pip", "sync", "-q", "--python", str(_python(venv)), str(REQUIREMENTS)],
        ]
    else:
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [str(_python(venv)), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
        ]
    for step in steps:
        try:
            done = subprocess.run(
                step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise Skipped(f"installing django-helpdesk timed out ({exc.timeout:.0f} s)") from exc
        if done.returncode:
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            shutil.rmtree(venv, ignore_errors=True)
            raise Skipped(
                f"django-helpdesk could not be installed (package index unreachable?): {tail}"
            )
    stamp.write_text(digest)
    return _python(venv)


def _server_params() -> dict:
    from django.db import connection

    params = connection.get_connection_params()
    return {k: params[k] for k in ("user", "password", "host", "port") if params.get(k)}


def _admin_connection():
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", **_server_params())
    conn.autocommit = True
    return conn


def _helpdesk_env(name: str) -> dict:
    params = _server_params()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "BENCH_HELPDESK_DB_"))
    }
    env.update(
        BENCH_HELPDESK_DB_NAME=name,
        BENCH_HELPDESK_DB_USER=str(params.get("user", "")),
        BENCH_HELPDESK_DB_PASSWORD=str(params.get("password", "")),
        BENCH_HELPDESK_DB_HOST=str(params.get("host", "")),
        BENCH_HELPDESK_DB_PORT=str(params.get("port", "")),
        DJANGO_SETTINGS_MODULE="bench.helpdesk.settings",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _manage(python: Path, env: dict, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(python), str(HERE / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"helpdesk manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return seconds, done.stdout


_LOAD_TICKETS = """
    INSERT INTO helpdesk_queue (title, slug, allow_public_submission, allow_email_submission,
                                escalate_days, email_box_ssl,
                                enable_notifications_on_email_events)
    VALUES ('Complaints', 'complaints', false, false, 1, false, false);

    -- Holidays, as in the SLA calendar: none inside the 24 hours that are counted.
    INSERT INTO helpdesk_escalationexclusion (name, date)
    SELECT 'Holiday ' || d::date, d::date
    FROM generate_series(%(today)s::date + 7, %(today)s::date + 9, interval '1 day') AS d;
    INSERT INTO helpdesk_escalationexclusion_queues (escalationexclusion_id, queue_id)
    SELECT e.id, q.id FROM helpdesk_escalationexclusion AS e, helpdesk_queue AS q;

    INSERT INTO helpdesk_ticket (title, created, modified, submitter_email, status, on_hold,
                                 description, resolution, priority, queue_id, secret_key)
    SELECT 'BENCH-' || n, g.filed, g.filed, NULL, 1, n > %(crossing)s AND n <= %(stop)s,
           'bench', '', 3, (SELECT id FROM helpdesk_queue WHERE slug = 'complaints'),
           left(md5(n::text) || md5('t' || n::text), 36)
    FROM generate_series(1, %(total)s) AS n
    CROSS JOIN LATERAL (
        SELECT CASE WHEN n <= %(crossing)s THEN %(now)s - interval '24 hours 30 seconds'
                    WHEN n <= %(stop)s THEN %(now)s - interval '100 hours'
                    ELSE %(now)s - (n %% 600) * interval '1 minute'
               END AS filed
    ) AS g;
    ANALYZE helpdesk_ticket;
"""


def run_helpdesk(python: Path, *, total: int, crossing: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    name = f"{connection.settings_dict['NAME']}_helpdesk"[:63]
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        env = _helpdesk_env(name)
        _manage(python, env, "migrate", "-v0")
        import psycopg2

        db = psycopg2.connect(dbname=name, **_server_params())
        try:
            now = timezone.now()
            with db, db.cursor() as cursor:
                cursor.execute(
                    _LOAD_TICKETS,
                    {
                        "total": total,
                        "crossing": crossing,
                        "stop": crossing + crossing // 2,
                        "now": now,
                        "today": timezone.localdate(now),
                    },
                )
            seconds, _out = _manage(python, env, "escalate_tickets")
            idle_seconds, _out = _manage(python, env, "escalate_tickets")
            with db, db.cursor() as cursor:
                cursor.execute(
                    """SELECT (SELECT count(*) FROM helpdesk_ticket
                                WHERE last_escalation IS NOT NULL),
                              (SELECT count(*) FROM helpdesk_ticket WHERE priority = 2),
                              (SELECT count(*) FROM helpdesk_followup),
                              (SELECT count(*) FROM helpdesk_ticketchange)"""
                )
                escalated, bumped, followups, changes = cursor.fetchone()
        finally:
            db.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{name}"')
    finally:
        admin.close()
    return {
        "seconds": seconds,
        "idle_seconds": idle_seconds,
        "escalated": escalated,
        "correct": escalated == bumped == followups == changes == crossing,
    }


def run_ours(*, total: int, crossing: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.sla_sweep import bench_merchant_and_policy, build, timed_sweeps
    from complaints.models import Case
    from complaints.sweep import sweep

    try:
        with transaction.atomic():
            now = timezone.now()
            merchant, policy = bench_merchant_and_policy()
            sweep(now=now - timedelta(days=3650))  # a warm worker
            with connection.cursor() as cursor:
                build(
                    cursor,
                    merchant_id=merchant.pk,
                    policy_id=policy.pk,
                    now=now,
                    total=total,
                    crossing=crossing,
                    sets=REPEATS,
                    breaches_only=True,
                )
            timings = timed_sweeps(sweep, now=now, repeats=REPEATS)
            escalated = Case.objects.filter(merchant=merchant, escalated=True).count()
            raise _Rollback
    except _Rollback:
        pass
    return {
        **timings,
        "median": statistics.median(timings["runs"]),
        "median_fk": statistics.median(timings["with_fk"]),
        "correct": timings["raised"] == {crossing}
        and escalated == REPEATS * crossing
        and timings["second_raised"] == 0,
    }


def main() -> list[Figure]:
    size = f"{TICKETS:,} open, {CROSSING:,} due"
    try:
        python = ensure_venv()
    except Skipped as exc:
        print(f"helpdesk_compare: SKIPPED: {exc}", file=sys.stderr)
        return [Figure(f"skipped: {exc}"[:120], "-", 0, "", None)]
    helpdesk = run_helpdesk(python, total=TICKETS, crossing=CROSSING)
    ours = run_ours(total=TICKETS, crossing=CROSSING)

    net = helpdesk["seconds"] - helpdesk["idle_seconds"]
    print(
        f"helpdesk escalate_tickets: {helpdesk['seconds']:.2f} s "
        f"(nothing due: {helpdesk['idle_seconds']:.2f} s), {helpdesk['escalated']:,} escalated"
    )
    print(
        f"our sweep: runs {', '.join(f'{s * 1000:.0f}' for s in ours['runs'])} ms, "
        f"+ commit FK checks {', '.join(f'{s * 1000:.0f}' for s in ours['with_fk'])} ms"
    )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return [
        Figure(
            f"django-helpdesk 2.6.1 escalate_tickets, {size} (process wall clock)",
            "-",
            round(helpdesk["seconds"], 3),
            "s",
            helpdesk["correct"],
        ),
        Figure(
            "  the same command again, nothing due (start-up + scan)",
            "-",
            round(helpdesk["idle_seconds"], 3),
        ),
        Figure(
            f"our sweep, same rows, {size} (median of {REPEATS})",
            "-",
            round(ours["median"], 3),
            "s",
            ours["correct"],
        ),
        Figure(
            "  + commit-time FK checks (median)",
            "-",
            round(ours["median_fk"], 3),
        ),
        Figure(
            "ratio helpdesk / ours (wall clock / sweep + FK checks)",
            "-",
            round(helpdesk["seconds"] / ours["median_fk"], 1),
            "x",
        ),
        Figure(
            "ratio net of helpdesk's fixed cost ((run - idle run) / sweep + FK checks)",
            "-",
            round(net / ours["median_fk"], 1),
            "x",
        ),
    ]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    for figure in main():
        print(figure)

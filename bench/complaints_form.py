"""The public complaint form under load: 50 concurrent consumers against gunicorn on
loopback. Each client fetches the form (CSRF cookie and token), then files complaints; the
figure is the p95 of the filing POST (goal < 150 ms) and the error count (goal 0).

Each client is a consumer, not a replay loop: between posts it waits a think time
(BENCH_THINK_S, default 0.5 s ± 50 %). The rate limits stay on in production (10 posts
per address per hour); every client here comes from 127.0.0.1, so the server runs with
COMPLAINTS_RATE_PER_IP / _PER_CONTACT raised, and the figure's name says so.

    DATABASE_URL=... REDIS_URL=... python -m bench complaints_form
"""

from __future__ import annotations

import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from bench import Figure, bench_merchant

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 50))
POSTS_PER_CLIENT = int(os.environ.get("BENCH_POSTS", 20))
THINK_S = float(os.environ.get("BENCH_THINK_S", 0.5))
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", 4))
THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS", 4))
RAISED_LIMIT = "100000/h"
GOAL_MS = 150
ROOT = Path(__file__).resolve().parents[1]
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def _seed():
    from core.models import Category
    from products.models import Product

    merchant = bench_merchant()
    category, _ = Category.objects.get_or_create(
        code="bench-kettles", defaults={"name_zh": "电水壶", "name_en": "Kettles"}
    )
    product, _ = Product.objects.get_or_create(
        merchant=merchant,
        sku="BENCH-KETTLE",
        defaults={"category": category, "title": "Bench kettle", "price": "99.00"},
    )
    return product


def _start_server(port: int, database: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(database),
        "DJANGO_DEBUG": "false",
        "DB_CONN_MAX_AGE": "60",
        "COMPLAINTS_RATE_PER_IP": RAISED_LIMIT,
        "COMPLAINTS_RATE_PER_CONTACT": RAISED_LIMIT,
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--worker-class",
            "gthread",
            "--keep-alive",
            "75",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline, last = time.monotonic() + 180, "no answer"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/complaints/new/")
            status = connection.getresponse().status
            if status == 200:
                return server
            last = f"status {status}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.5)
    _stop(server)
    raise RuntimeError(f"gunicorn did not serve the form within 180 s ({last})")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


class Client(threading.Thread):
    """One consumer on one keep-alive connection: the form for CSRF, then its posts."""

    def __init__(self, n: int, port: int, product_id: int, start: threading.Barrier):
        super().__init__(daemon=True)
        self.n, self.port, self.product_id, self.start_together = n, port, product_id, start
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.reconnects = 0

    def _connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def run(self):
        rng = random.Random(self.n)
        connection = self._connection()
        try:
            connection.request("GET", "/complaints/new/", headers={"Accept-Language": "en"})
            response = connection.getresponse()
            page = response.read()
            cookie = next(
                v.split(";")[0]
                for k, v in response.getheaders()
                if k.lower() == "set-cookie" and v.startswith("csrftoken=")
            )
            token = CSRF_FIELD.search(page).group(1).decode()
        except Exception as exc:  # the form must load for the bench to mean anything
            self.errors.append(f"form: {exc!r}")
            return
        self.start_together.wait()
        for i in range(POSTS_PER_CLIENT):
            time.sleep(THINK_S * rng.uniform(0.5, 1.5))
            body = urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "consumer_name": f"Bench consumer {self.n}",
                    "consumer_email": f"bench{self.n}-{i}@example.test",
                    "order_number": f"BENCH-{self.n}-{i}",
                    "delivered_on": "",
                    "product": str(self.product_id),
                    "complaint_type": "quality_defect",
                    "description": "The kettle leaks from the bottom after two days.",
                    "desired_remedy": "other",
                }
            )
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Accept-Language": "en",
            }
            started = time.perf_counter()
            for attempt in (1, 2):
                try:
                    connection.request("POST", "/complaints/new/", body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    break
                except (OSError, http.client.HTTPException) as exc:
                    # A keep-alive connection the server already closed: reconnect and
                    # send again once, as a browser does; the time counts.
                    connection.close()
                    connection = self._connection()
                    self.reconnects += 1
                    if attempt == 2:
                        self.errors.append(repr(exc))
            else:
                continue
            self.latencies.append(time.perf_counter() - started)
            location = response.getheader("Location") or ""
            if response.status != 302 or "/complaints/case/" not in location:
                self.errors.append(f"status {response.status}")
        connection.close()


def main() -> list[Figure]:
    from django.conf import settings

    from complaints.models import Case

    product = _seed()
    database = settings.DATABASES["default"]["NAME"]
    port = _free_port()
    server = _start_server(port, database)
    try:
        barrier = threading.Barrier(CLIENTS)
        clients = [Client(n, port, product.pk, barrier) for n in range(CLIENTS)]
        started = time.perf_counter()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.perf_counter() - started
    finally:
        _stop(server)
    latencies = sorted(ms * 1000 for c in clients for ms in c.latencies)
    errors = [e for c in clients for e in c.errors]
    filed = Case.objects.filter(order_number__startswith="BENCH-").count()
    p95 = statistics.quantiles(latencies, n=100)[94] if len(latencies) > 1 else float("inf")
    name = (
        f"public complaint POST p95, {CLIENTS} clients x {POSTS_PER_CLIENT} posts, "
        f"think {THINK_S:g} s, gunicorn {WORKERS}x{THREADS}, rate limits raised to "
        f"{RAISED_LIMIT} for the bench"
    )
    print(
        f"complaints_form: {len(latencies)} posts in {elapsed:.1f} s "
        f"({len(latencies) / elapsed:.1f}/s), p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms, {len(errors)} errors, "
        f"{sum(c.reconnects for c in clients)} reconnects, {filed} cases filed, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        file=sys.stderr,
    )
    if errors:
        print(f"complaints_form: first errors {errors[:5]}", file=sys.stderr)
    return [
        Figure(name, f"< {GOAL_MS} ms", round(p95, 1), "ms", p95 < GOAL_MS),
        Figure(
            "public complaint POST errors (non-302, transport) and cases not stored",
            "0",
            len(errors) + (CLIENTS * POSTS_PER_CLIENT - filed),
            "",
            not errors and filed == CLIENTS * POSTS_PER_CLIENT,
        ),
        Figure("public complaint POST throughput", "", round(len(latencies) / elapsed, 1), "/s"),
    ]

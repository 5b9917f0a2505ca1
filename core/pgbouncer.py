"""A throwaway PgBouncer in transaction mode in front of DATABASE_URL.

`python -m core.pgbouncer -- <command ...>` starts Debian's pgbouncer (`make pgbouncer-deps`)
on a free loopback port, in `pool_mode = transaction`, in front of the server DATABASE_URL
names (the machine's 127.0.0.1:5432 or the embedded server's socket folder), and runs the
command with

- DATABASE_URL pointing at PgBouncer (same user and database name),
- DB_TRANSACTION_POOLING=1 (config/settings.py: no server-side cursors),
- DATABASE_DIRECT_URL keeping the server itself (for what must bypass a pooler: pg_dump,
  pg_restore, psql),

then stops PgBouncer and prints how many transactions and statements went through it.
Every database name is routed (`* = host=... port=...`), so the test runner's
`test_<name>` databases are pooled as well. Trust authentication, like the servers it
fronts; the auth file only names the user (and its password, for the server login).
.ci/run runs the `external` subset this way (docs/scaling.md, "Connection pooling").

No Django import here, as in core.embedded: this runs before settings can be loaded.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from core.embedded import _free_port

BINARY_PLACES = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def find_binary() -> str:
    found = shutil.which("pgbouncer") or next(
        (place for place in BINARY_PLACES if os.access(place, os.X_OK)), None
    )
    if found is None:
        raise SystemExit("pgbouncer is not installed: run `make pgbouncer-deps` (Debian package).")
    return found


def server_of(database_url: str) -> dict:
    """Host (or socket folder), port, user, password and database name of a DATABASE_URL."""
    parts = urlsplit(database_url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"DATABASE_URL is not a PostgreSQL URL: {parts.scheme}://...")
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "127.0.0.1"])[0]
    return {
        "host": unquote(host),
        "port": parts.port or int(query.get("port", ["5432"])[0]),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "name": unquote(parts.path.lstrip("/")),
    }


def config_text(server: dict, port: int, folder: Path, pool_size: int) -> str:
    return f"""\
[databases]
; every name, so that the test runner's test_<name> databases are pooled too
* = host={server["host"]} port={server["port"]}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
pidfile = {folder / "pgbouncer.pid"}
auth_type = trust
auth_file = {folder / "userlist.txt"}
admin_users = {server["user"]}
stats_users = {server["user"]}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 1000
; transaction mode: nothing of a session survives a transaction, so nothing to reset
server_reset_query =
; psycopg2 prepares nothing on the server: no max_prepared_statements needed (PgBouncer
; 1.21+ only; keep it 0 with psycopg2, set it to ~100 if the driver becomes psycopg 3
; with a prepare_threshold)
ignore_startup_parameters = extra_float_digits,options
server_idle_timeout = 60
log_connections = 0
log_disconnections = 0
"""


def _run_as() -> list[str]:
    """PgBouncer refuses to run as root: drop to the postgres user then."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise SystemExit("running as root and there is no postgres user for pgbouncer -u") from None
    return ["-u", "postgres"]


@contextlib.contextmanager
def pgbouncer(database_url: str, pool_size: int = 20) -> Iterator[dict]:
    """Start PgBouncer in front of database_url; yield the variables for the command."""
    server = server_of(database_url)
    binary = find_binary()
    with tempfile.TemporaryDirectory(prefix="pgbouncer-") as tmp:
        folder = Path(tmp)
        folder.chmod(0o755)  # read (and the pid file written) by the postgres user under root
        port = _free_port()
        (folder / "pgbouncer.ini").write_text(config_text(server, port, folder, pool_size))
        (folder / "userlist.txt").write_text(f'"{server["user"]}" "{server["password"]}"\n')
        run_as = _run_as()
        if run_as:
            shutil.chown(folder, user="postgres")
        log_path = folder / "pgbouncer.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [binary, *run_as, str(folder / "pgbouncer.ini")],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C goes to the command; we stop PgBouncer
            )
        try:
            deadline = time.monotonic() + 20
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("pgbouncer did not start:\n" + log_path.read_text()[-4000:])
                time.sleep(0.05)
            credentials = quote(server["user"], safe="")
            if server["password"]:
                credentials += ":" + quote(server["password"], safe="")
            pooled = f"postgres://{credentials}@127.0.0.1:{port}/{quote(server['name'], safe='')}"
            yield {
                "DATABASE_URL": pooled,
                "DATABASE_DIRECT_URL": database_url,
                "DB_TRANSACTION_POOLING": "1",
                "PGBOUNCER_ADMIN_URL": f"postgres://{credentials}@127.0.0.1:{port}/pgbouncer",
            }
        finally:
            with contextlib.suppress(Exception):
                print(traffic(server, port), file=sys.stderr)
            process.terminate()  # SIGTERM: PgBouncer closes its connections and exits
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def traffic(server: dict, port: int) -> str:
    """One line from PgBouncer's admin console: what went through the pool."""
    import psycopg2

    conn = psycopg2.connect(
        host="127.0.0.1",
        port=port,
        user=server["user"],
        password=server["password"],
        dbname="pgbouncer",
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW STATS")
            names = [column.name for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            cursor.execute("SHOW CONFIG")
            mode = next((row[1] for row in cursor.fetchall() if row[0] == "pool_mode"), "?")
    finally:
        conn.close()
    rows = [row for row in rows if row["database"] != "pgbouncer"]
    transactions = sum(int(row["total_xact_count"]) for row in rows)
    statements = sum(int(row["total_query_count"]) for row in rows)
    return (
        f"pgbouncer (pool_mode = {mode}): {transactions} transactions, {statements} statements "
        f"over {len(rows)} databases"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    pool_size = int(os.environ.get("PGBOUNCER_POOL_SIZE", "20"))
    parser.add_argument("--pool-size", type=int, default=pool_size)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    if not os.environ.get("DATABASE_URL"):
        parser.error("DATABASE_URL is not set (run inside `python -m core.embedded --`)")
    with pgbouncer(os.environ["DATABASE_URL"], args.pool_size) as pooled:
        print(
            f"pgbouncer (transaction pooling): DATABASE_URL={pooled['DATABASE_URL']} "
            f"-> {pooled['DATABASE_DIRECT_URL']}",
            file=sys.stderr,
        )
        child = subprocess.Popen(command, env={**os.environ, **pooled})
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue


if __name__ == "__main__":
    sys.exit(main())

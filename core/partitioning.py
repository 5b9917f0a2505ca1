"""Monthly range partitions of the largest append-only tables, and their retention.

PostgreSQL declarative partitioning: the parent is `PARTITION BY RANGE (<month column>)`,
one child per calendar month (UTC bounds) named `<table>_pYYYYMM`, plus `<table>_pdefault`
as a safety net for rows outside every month created so far (it stays empty in
production: `ensure_partitions` creates the months ahead of time). A partitioned table's
primary key must contain the partition key, so in the database the key is
(id, <month column>), or (pgh_id, <history stamp>) for django-pghistory event tables;
Django's state keeps `id` (`pgh_id`) as the model's pk (ids still come from one identity
sequence, so they stay unique). Nothing may point a foreign key at such a table.

- `convert_to_partitioned` (used by migrations) rebuilds a plain table as a partitioned one
  in place: same columns, defaults, identity, check and foreign-key constraints, index
  names and triggers; the rows are copied month by month.
- `ensure_partitions` creates the partitions of the coming months (idempotent).
- `apply_retention` exports each partition wholly older than the table's retention
  (settings.PARTITION_RETENTION_MONTHS, from env; unset = keep forever) to a gzip CSV in
  settings.PARTITION_ARCHIVE_DIR, checks the file, and only then detaches and drops it, all
  in one transaction: a failed export leaves the partition in place.
"""

# ruff: noqa: S608 - identifiers come from PARTITIONED and the catalogue, quoted by quote_name

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Every partitioned table and its month column (the migrations that convert them list
# the same pairs). Owners: the app of each table.
# django-pghistory event tables carry no instant of the application's clock, only the
# stamp their trigger writes with the database's: it decides only the month partition an
# event goes to, and retention drops whole months older than N months by the application's
# clock, so a clock skew of seconds moves nothing a rule reads (tests/core/test_one_clock.py).
HISTORY_STAMP = "pgh_created_at"  # db-clock-ok: placement by month only, no rule compares it
PARTITIONED = {
    "reviews_servicerating": "created_at",
    "core_decision": "created_at",
    "reports_riskscorehistory": "computed_at",
    # Event tables are keyed by `pgh_id` (their `id` column is the tracked row's id,
    # repeated in every event of that row).
    "reviews_serviceratingevent": HISTORY_STAMP,
    "reviews_productreviewevent": HISTORY_STAMP,
    "complaints_caseevent": HISTORY_STAMP,
    "products_productevent": HISTORY_STAMP,
    "merchants_restrictionevent": HISTORY_STAMP,
}
# The identity column of each table whose key is not `id`.
KEYS = {table: "pgh_id" for table in PARTITIONED if table.endswith("event")}
DEFAULT_SUFFIX = "_pdefault"


def key_of(table: str) -> str:
    return KEYS.get(table, "id")


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def _bound(month: date) -> str:
    return f"{month:%Y-%m-%d} 00:00:00+00"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _create_month(cursor, table: str, month: date) -> bool:
    """Create the partition of `month` unless it exists; True when this call created it."""
    name = partition_name(table, month)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    if cursor.fetchone()[0]:
        return False
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {_q(name)} PARTITION OF {_q(table)} "
        f"FOR VALUES FROM ('{_bound(month)}') TO ('{_bound(add_months(month, 1))}')"
    )
    return True


def _indexes_and_pkey(cursor, table: str) -> tuple[list[str], str]:
    """The definitions of `table`'s indexes that back no constraint (they are re-created
    by their own statements), and the name of its primary-key constraint."""
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [table],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
        [table],
    )
    return indexes, cursor.fetchone()[0]


def convert_to_partitioned(
    schema_editor,
    table: str,
    column: str,
    *,
    months_back: int = 12,
    months_ahead: int = 3,
    unique_guards=(),
    key: str = "id",
):
    """Rebuild `table` as a table partitioned by month on `column` (run inside a migration).

    Months are created from the oldest row's (or `months_back` months ago, whichever is
    earlier) to `months_ahead` months on; older or later rows go to the default partition.
    `unique_guards`: single columns that were UNIQUE. A partitioned table cannot hold a
    unique index without the partition key, so each becomes a plain index plus a trigger
    that locks the referenced row and refuses a second row with the same value (SQLSTATE
    23505, so callers still see an IntegrityError). `key`: the identity column, the
    primary key before (`id`; `pgh_id` for history event tables)."""
    if unique_guards and key != "id":
        raise ValueError("unique guards assume the key is id")
    cursor = schema_editor.connection.cursor()
    indexes, pkey = _indexes_and_pkey(cursor, table)
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('c', 'f', 'u') ORDER BY conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
        [table],
    )
    triggers = [row[0] for row in cursor.fetchall()]
    cursor.execute(f"SELECT min({_q(column)}), coalesce(max({_q(key)}), 0) FROM {_q(table)}")
    oldest, last_id = cursor.fetchone()

    new = f"{table}__partitioned"
    cursor.execute(
        f"CREATE TABLE {_q(new)} (LIKE {_q(table)} INCLUDING DEFAULTS) "
        f"PARTITION BY RANGE ({_q(column)})"
    )
    this_month = month_start(timezone.now().astimezone(UTC).date())
    first = month_start(oldest.astimezone(UTC).date()) if oldest else this_month
    month = min(first, add_months(this_month, -months_back))
    last = add_months(this_month, months_ahead)
    # The month partitions are created once the new parent has taken the table's name.
    months = []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(table + '__old')}")
    for name, _definition, _kind in constraints:
        cursor.execute(f"ALTER TABLE {_q(table + '__old')} DROP CONSTRAINT {_q(name)}")
    cursor.execute(f"ALTER TABLE {_q(table + '__old')} DROP CONSTRAINT {_q(pkey)}")
    for definition in indexes:
        name = definition.split(" ON ", 1)[0].split()[-1]
        cursor.execute(f"DROP INDEX {name}")
    cursor.execute(f"ALTER TABLE {_q(new)} RENAME TO {_q(table)}")
    for month in months:
        _create_month(cursor, table, month)
    cursor.execute(f"CREATE TABLE {_q(table + DEFAULT_SUFFIX)} PARTITION OF {_q(table)} DEFAULT")
    cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(table + '__old')}")
    cursor.execute(f"DROP TABLE {_q(table + '__old')}")
    cursor.execute(
        f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(pkey)} PRIMARY KEY ({_q(key)}, {_q(column)})"
    )
    cursor.execute(
        f"ALTER TABLE {_q(table)} ALTER COLUMN {_q(key)} ADD GENERATED BY DEFAULT AS IDENTITY "
        f"(START WITH {last_id + 1})"
    )
    guarded = set(unique_guards)
    for name, definition, kind in constraints:
        if kind == "u":
            continue  # re-created below as an index plus a guard trigger
        cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    for definition in indexes:
        cursor.execute(definition)
    for name, definition, kind in constraints:
        if kind != "u":
            continue
        field = definition.split("(", 1)[1].rstrip(")").strip('"')
        if field not in guarded:
            raise ValueError(f"{table}.{name}: a unique constraint needs a guard")
        cursor.execute(f"CREATE INDEX {_q(name)} ON {_q(table)} ({_q(field)})")
    for field in guarded:
        _install_guard(cursor, table, field)
    for definition in triggers:
        cursor.execute(definition)


def _guard_name(table: str, field: str) -> str:
    return f"{table}_{field}_once"[:63]


def _install_guard(cursor, table: str, field: str):
    """One row per value of `field` across all partitions. `field` is a foreign key
    (`<x>_id`); the referenced row is locked first, so two concurrent inserts of the
    same value queue up and the second one sees the first."""
    cursor.execute(
        "SELECT confrelid::regclass::text FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND a.attname = %s",
        [table, field],
    )
    (target,) = cursor.fetchone()
    name = _guard_name(table, field)
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {_q(name)}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM 1 FROM {_q(target)} WHERE id = NEW.{_q(field)} FOR NO KEY UPDATE;
            IF EXISTS (SELECT 1 FROM {_q(table)}
                       WHERE {_q(field)} = NEW.{_q(field)} AND id <> NEW.id) THEN
                RAISE unique_violation USING
                    MESSAGE = format('%s: %s %s already has a row', TG_TABLE_NAME,
                                     '{field}', NEW.{_q(field)}),
                    CONSTRAINT = '{name}';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    cursor.execute(
        f"CREATE TRIGGER {_q(name)} BEFORE INSERT OR UPDATE OF {_q(field)} ON {_q(table)} "
        f"FOR EACH ROW EXECUTE FUNCTION {_q(name)}()"
    )


def convert_to_plain(schema_editor, table: str, column: str, *, unique_guards=(), key="id"):
    """The reverse of convert_to_partitioned: one plain table with the original keys."""
    cursor = schema_editor.connection.cursor()
    indexes, pkey = _indexes_and_pkey(cursor, table)
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('c', 'f') AND coninhcount = 0 "
        "AND conparentid = 0 ORDER BY conname",
        [table],
    )
    constraints = cursor.fetchall()
    guards = {_guard_name(table, field) for field in unique_guards}
    cursor.execute(
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgparentid = 0 "
        "ORDER BY tgname",
        [table],
    )
    triggers = [d for name, d in cursor.fetchall() if name not in guards]
    cursor.execute(f"SELECT coalesce(max({_q(key)}), 0) FROM {_q(table)}")
    (last_id,) = cursor.fetchone()
    plain = f"{table}__plain"
    cursor.execute(f"CREATE TABLE {_q(plain)} (LIKE {_q(table)} INCLUDING DEFAULTS)")
    cursor.execute(f"INSERT INTO {_q(plain)} SELECT * FROM {_q(table)}")
    cursor.execute(f"DROP TABLE {_q(table)} CASCADE")
    for name in guards:
        cursor.execute(f"DROP FUNCTION IF EXISTS {_q(name)}()")
    cursor.execute(f"ALTER TABLE {_q(plain)} RENAME TO {_q(table)}")
    cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(pkey)} PRIMARY KEY ({_q(key)})")
    cursor.execute(
        f"ALTER TABLE {_q(table)} ALTER COLUMN {_q(key)} ADD GENERATED BY DEFAULT AS IDENTITY "
        f"(START WITH {last_id + 1})"
    )
    for name, definition, _kind in constraints:
        cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    unique_names = set()
    for field in unique_guards:
        name = f"{table}_{field}_key"
        unique_names.add(name)
        cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} UNIQUE ({_q(field)})")
    for definition in indexes:
        name = definition.split(" ON ", 1)[0].split()[-1]
        if name.strip('"') not in unique_names:
            cursor.execute(definition.replace(" ON ONLY ", " ON "))
    for definition in triggers:
        cursor.execute(definition)


def partitions(table: str) -> list[tuple[str, date | None]]:
    """(name, first day of its month) of each partition; the default one has None."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    prefix = f"{table}_p"
    out = []
    for name in names:
        suffix = name[len(prefix) :]
        month = None
        if suffix.isdigit() and len(suffix) == 6:
            month = date(int(suffix[:4]), int(suffix[4:]), 1)
        out.append((name, month))
    return out


def ensure_partitions(now: datetime | None = None, months_ahead: int | None = None) -> dict:
    """Create the partitions from this month to `months_ahead` months on, for every
    partitioned table. Idempotent. A month whose rows already sit in the default partition
    is left out (logged): creating it would fail; an operator moves those rows first."""
    now = now or timezone.now()
    ahead = settings.PARTITION_MONTHS_AHEAD if months_ahead is None else months_ahead
    this_month = month_start(now.astimezone(UTC).date())
    created: dict[str, list[str]] = {}
    for table, column in PARTITIONED.items():
        created[table] = []
        for step in range(ahead + 1):
            month = add_months(this_month, step)
            name = partition_name(table, month)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT to_regclass(%s) IS NOT NULL, EXISTS (SELECT 1 FROM "
                    f"{_q(table + DEFAULT_SUFFIX)} WHERE {_q(column)} >= %s AND {_q(column)} < %s)",
                    [name, _bound(month), _bound(add_months(month, 1))],
                )
                exists, strays = cursor.fetchone()
            if exists:
                continue
            if strays:
                logger.warning(
                    "partition %s not created: the default partition holds its rows", name
                )
                continue
            with transaction.atomic(), connection.cursor() as cursor:
                if _create_month(cursor, table, month):
                    created[table].append(name)
                    logger.info("partition %s created", name)
    return created


@dataclass(frozen=True)
class Archived:
    table: str
    partition: str
    rows: int
    path: Path
    sha256: str


class ExportFailed(RuntimeError):
    pass


def export_partition(cursor, table: str, partition: str, folder: Path) -> tuple[Path, int, str]:
    """COPY one partition into `<folder>/<table>/<partition>.csv.gz` (written to a temporary
    name, fsynced, renamed); returns (path, rows in the file, sha256). Checks the row count
    against the partition; raises ExportFailed on any difference."""
    target = folder / table
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{partition}.csv.gz"
    partial = target / f".{partition}.csv.gz.partial"
    cursor.execute(f"SELECT count(*) FROM {_q(partition)}")
    (expected,) = cursor.fetchone()
    with open(partial, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb") as packed:
            cursor.copy_expert(
                f"COPY (SELECT * FROM {_q(partition)} ORDER BY {_q(key_of(table))}) TO STDOUT "
                "WITH (FORMAT csv, HEADER true)",
                packed,
            )
        raw.flush()
        os.fsync(raw.fileno())
    digest = hashlib.sha256()
    with gzip.open(partial, "rt", newline="", encoding="utf-8") as text:
        rows = sum(1 for _ in csv.reader(text)) - 1
    if rows != expected:
        partial.unlink(missing_ok=True)
        raise ExportFailed(f"{partition}: {rows} rows in the file, {expected} in the table")
    with open(partial, "rb") as raw:
        for chunk in iter(lambda: raw.read(1 << 20), b""):
            digest.update(chunk)
    os.replace(partial, path)
    return path, rows, digest.hexdigest()


def apply_retention(now: datetime | None = None, folder: Path | None = None) -> list[Archived]:
    """Export, then detach and drop, each partition wholly older than its table's retention.

    One transaction per partition, which first locks the partition against writes: if the
    export fails (disk full, folder missing, row count differs) nothing is dropped."""
    from django.contrib.contenttypes.models import ContentType

    from core.audit import SYSTEM
    from core.models import Decision

    now = now or timezone.now()
    folder = Path(folder or settings.PARTITION_ARCHIVE_DIR)
    done = []
    for table, months in settings.PARTITION_RETENTION_MONTHS.items():
        if table not in PARTITIONED or not months:
            continue
        cutoff = add_months(month_start(now.astimezone(UTC).date()), -int(months))
        for partition, month in partitions(table):
            if month is None or add_months(month, 1) > cutoff:
                continue
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"LOCK TABLE {_q(partition)} IN SHARE MODE")
                    path, rows, digest = export_partition(cursor, table, partition, folder)
                    cursor.execute(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(partition)}")
                    cursor.execute(f"DROP TABLE {_q(partition)}")
                    manifest = {
                        "table": table,
                        "partition": partition,
                        "from": _bound(month),
                        "to": _bound(add_months(month, 1)),
                        "rows": rows,
                        "file": path.name,
                        "sha256": digest,
                        "archived_at": now.isoformat(),
                    }
                    path.with_suffix("").with_suffix(".json").write_text(
                        json.dumps(manifest, indent=2), encoding="utf-8"
                    )
                    Decision.objects.create(
                        content_type=_content_type(ContentType, table),
                        object_id=partition,
                        action="archive_partition",
                        actor_label=SYSTEM,
                        data=manifest,
                    )
            except Exception:
                logger.exception("retention: %s kept, its export failed", partition)
                continue
            logger.info("retention: %s archived to %s (%s rows) and dropped", partition, path, rows)
            done.append(Archived(table, partition, rows, path, digest))
    return done


def _content_type(content_types, table: str):
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.db_table == table:
            return content_types.objects.get_for_model(model)
    raise LookupError(table)


def read_archive(path: Path) -> list[dict]:
    """The rows of an exported partition (tests, restores)."""
    with gzip.open(path, "rt", newline="", encoding="utf-8") as text:
        return list(csv.DictReader(io.StringIO(text.read())))

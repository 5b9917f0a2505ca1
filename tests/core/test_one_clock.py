"""One source of time: every instant a rule compares is the application's timezone.now().

PostgreSQL's clock (now(), CURRENT_TIMESTAMP, Now(), ...) and the application's can disagree:
a test that travels, a replica, a worker whose host clock drifts. So app code never asks the
database for the time: raw SQL takes the instant as a parameter, the ORM as a value, and a
column default is set by Django (auto_now_add, default=timezone.now), never by the database.

These checks read the source and the registered models and triggers; they fail naming the
file and line. A use that no rule ever compares may stay, marked on the same line (in the
SQL, as a comment) with `db-clock-ok:` and the reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pgtrigger
import pytest
from django.apps import apps
from django.contrib.postgres.functions import TransactionNow
from django.db.models import NOT_PROVIDED, Func
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("core", "merchants", "products", "reviews", "inspections", "complaints", "reports")
SCANNED = (*APP_PACKAGES, "config")

# The database's clock, in any spelling PostgreSQL accepts.
DB_CLOCK = re.compile(
    r"\b(?:now|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday)\s*\(\s*\)"
    r"|\bcurrent_(?:timestamp|date|time)\b|\blocaltimestamp\b"
    r"|'(?:now|today|tomorrow|yesterday)'\s*::\s*(?:timestamp|timestamptz|date)",
    re.IGNORECASE,
)
ALLOWED = re.compile(r"db-clock-ok:\s*\S.{10,}")  # a marker with a reason, not a bare tag
DB_CLOCK_EXPRESSIONS = {"Now", "TransactionNow"}


def _sources(packages=SCANNED, *, migrations: bool = False):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if ("migrations" in path.parts) == migrations:
                yield path


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes: prose about now() is not SQL."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def clock_uses_in_strings(source: str, label: str) -> list[str]:
    """Every database-clock use in the string literals of this Python source (SQL)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    lines = source.splitlines()
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in skip:
            continue
        text = node.value
        for match in DB_CLOCK.finditer(text):
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            sql_line = text[start : end if end != -1 else len(text)]
            line_no = node.lineno + text.count("\n", 0, match.start())
            code_line = lines[line_no - 1] if line_no <= len(lines) else ""
            if ALLOWED.search(sql_line) or ALLOWED.search(code_line):
                continue
            found.append(f"{label}:{line_no}: {sql_line.strip()}")
    return found


def clock_expressions(source: str, label: str) -> list[str]:
    """Django's database-clock expressions (Now(), TransactionNow()) named in this source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("django"):
            names = [alias.name for alias in node.names if alias.name in DB_CLOCK_EXPRESSIONS]
            found += [f"{label}:{node.lineno}: imports {name}" for name in names]
        elif isinstance(node, ast.Attribute) and node.attr in DB_CLOCK_EXPRESSIONS:
            found.append(f"{label}:{node.lineno}: uses .{node.attr}")
    return found


def _label(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- the checks ---------------------------------------------------------------------------
def test_raw_sql_in_app_code_takes_the_time_as_a_parameter():
    found = []
    for path in _sources():
        found += clock_uses_in_strings(path.read_text(), _label(path))
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.sql")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if DB_CLOCK.search(line) and not ALLOWED.search(line):
                    found.append(f"{_label(path)}:{number}: {line.strip()}")
    assert not found, "SQL reads the database clock; pass timezone.now() in:\n" + "\n".join(found)


def test_orm_code_never_uses_the_database_clock_expressions():
    found = []
    for path in _sources():
        found += clock_expressions(path.read_text(), _label(path))
    assert not found, "Now()/TransactionNow() read the database clock:\n" + "\n".join(found)


def _reads_db_clock(expression) -> bool:
    if isinstance(expression, Now | TransactionNow):
        return True
    if isinstance(expression, RawSQL) and DB_CLOCK.search(expression.sql):
        return True
    if isinstance(expression, Func) and DB_CLOCK.search(f"{expression.function or ''}()"):
        return True
    if isinstance(expression, str):
        return False
    children = getattr(expression, "get_source_expressions", lambda: [])()
    return any(_reads_db_clock(child) for child in children)


def test_no_column_default_is_the_database_clock():
    found = [
        f"{model._meta.label}.{field.name}: db_default={field.db_default!r}"
        for model in apps.get_models()
        if model._meta.app_label in APP_PACKAGES
        for field in model._meta.concrete_fields
        if field.db_default is not NOT_PROVIDED and _reads_db_clock(field.db_default)
    ]
    assert not found, "Set these defaults in Django (auto_now_add, default=...):\n" + "\n".join(
        found
    )


def _migration_clock_uses(source: str, label: str) -> list[str]:
    """db_default=... and RunSQL(...) in a migration (the schema's history counts too)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        name = name or (node.func.id if isinstance(node.func, ast.Name) else "")
        parts = [kw.value for kw in node.keywords if kw.arg == "db_default"]
        if name == "RunSQL":
            parts += [*node.args, *(kw.value for kw in node.keywords)]
        for part in parts:
            text = ast.unparse(part)
            if DB_CLOCK.search(text) or re.search(r"\b(?:Transaction)?Now\(", text):
                found.append(f"{label}:{node.lineno}: {text[:120]}")
    return found


def test_migrations_set_no_database_clock_defaults():
    found = []
    for path in _sources(APP_PACKAGES, migrations=True):
        found += _migration_clock_uses(path.read_text(), _label(path))
    assert not found, "A migration gives a column the database's clock:\n" + "\n".join(found)


# django-pghistory's event triggers stamp `pgh_created_at` (when the history row was
# written) with the database's NOW(). That is audit bookkeeping, not a rule input: no app
# code reads pgh_created_at (checked below), so those triggers are the one allowed use.
# pghistory's own stamp (pgh_created_at), row-level or statement-level: never read by the app.
_PGHISTORY_STAMP = re.compile(
    r"(?:_pgh_attach_context\(\)|_pgh_attached_context\.value),\s*NOW\(\)", re.IGNORECASE
)


def test_triggers_never_read_the_database_clock():
    found = []
    for model, trigger in pgtrigger.registered():
        sql = _PGHISTORY_STAMP.sub(
            "_pgh_attach_context(), <pgh_created_at>", trigger_sql(model, trigger)
        )
        if DB_CLOCK.search(sql):
            found.append(f"{model._meta.label}:{trigger.name}")
    assert not found, "Triggers read the database clock:\n" + "\n".join(found)


def trigger_sql(model, trigger) -> str:
    return str(trigger.compile(model).sql)


def test_no_app_code_reads_the_history_stamp():
    reads = [
        f"{_label(path)}:{number}"
        for path in _sources()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "pgh_created_at" in line
        and "INSERT INTO" not in line
        # core.partitioning names it once, as the month key of the event tables' partitions
        and not ALLOWED.search(line)
        # the planner writes its plans' history itself, with the application's clock
        and not re.match(r"\s*\(pgh_created_at, pgh_label", line)
    ]
    assert not reads, "pgh_created_at is the database's clock; read the row's own instant:\n" + (
        "\n".join(reads)
    )


# --- the scanner itself -------------------------------------------------------------------
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE t SET at = now()",
        "UPDATE t SET at = NOW( )",
        "SELECT CURRENT_TIMESTAMP",
        "WHERE day < current_date",
        "SELECT clock_timestamp()",
        "SELECT LOCALTIMESTAMP",
        "SELECT 'now'::timestamptz",
    ],
)
def test_the_scanner_finds_every_spelling(sql):
    assert clock_uses_in_strings(f"X = {sql!r}\n", "x.py") == [f"x.py:1: {sql}"]


def test_the_scanner_reads_sql_not_prose_and_honours_a_reasoned_marker():
    source = '''
def f():
    """Compares with now() through an index."""
    # now() in a comment is not SQL
    return """
        UPDATE t SET at = %(now)s;
        INSERT INTO audit VALUES (now()) -- db-clock-ok: audit stamp only, no rule reads it
        INSERT INTO audit VALUES (now()) -- db-clock-ok:
    """
'''
    assert clock_uses_in_strings(source, "x.py") == [
        "x.py:8: INSERT INTO audit VALUES (now()) -- db-clock-ok:"
    ]


def test_the_scanner_finds_the_orm_clock():
    source = "from django.db.models.functions import Lower, Now\nx = functions.Now()\n"
    assert clock_expressions(source, "x.py") == ["x.py:1: imports Now", "x.py:2: uses .Now"]
    assert _reads_db_clock(Now())
    assert _reads_db_clock(RawSQL("now() - interval '1 day'", []))
    assert not _reads_db_clock(RawSQL("%s", ["2026-01-01"]))
    migration = "migrations.AddField('a', 'b', models.DateTimeField(db_default=Now()))\n"
    assert _migration_clock_uses(migration, "m.py") == ["m.py:1: Now()"]

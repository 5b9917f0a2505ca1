"""Small PostgreSQL helpers shared by the apps."""

from contextlib import contextmanager

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, CharField, F, Func, Value
from django.db.models.expressions import DatabaseDefault


class NextId(Func):
    """The id of a row drawn from its table's sequence inside its own INSERT (`id=NextId(
    Model)`): one statement instead of a `SELECT nextval(...)` before it, for rows whose
    other columns are numbered after their id (NumberedReference)."""

    output_field = BigIntegerField()

    def __init__(self, model):
        super().__init__()
        self.table = model._meta.db_table

    def as_sql(self, compiler, connection, **extra):
        return "nextval(pg_get_serial_sequence(%s, 'id'))", [self.table]


class NumberedReference(Func):
    """`prefix` and the id the same INSERT drew with NextId, zero-padded to `digits` (more
    digits when the id needs them), as Python's f"{prefix}{id:0{digits}d}" (`reference()`).

    The values of one row are evaluated in order, so the id column (the first) has drawn
    its value when this one reads it back with currval, the session's own last value."""

    output_field = CharField()

    def __init__(self, model, prefix: str, digits: int):
        super().__init__()
        self.table, self.prefix, self.digits = model._meta.db_table, prefix, int(digits)

    def as_sql(self, compiler, connection, **extra):
        number = "currval(pg_get_serial_sequence(%s, 'id'))"
        sql = (
            f"%s || CASE WHEN {number} < {10**self.digits} "
            f"THEN lpad({number}::text, {self.digits}, '0') ELSE {number}::text END"
        )
        return sql, [self.prefix, self.table, self.table, self.table]

    def reference(self, pk: int) -> str:
        """The value the INSERT wrote, for the instance (Django returns only the id)."""
        return f"{self.prefix}{pk:0{self.digits}d}"


def in_ids(field: str, ids) -> Func:
    """`.filter(in_ids("merchant_id", ids))`: `field = ANY(array)` with the ids as one
    parameter, written as an array literal string (parsed as one constant), not one
    placeholder each: Django prepares every value of an IN list in Python, about 1 s for
    the 80,000 ids a merchants' catch-up asks about in five queries. A filter like the IN
    list, not a join to `unnest(...)`, whose plan a stale row estimate can make quadratic."""
    literal = "{" + ",".join(str(int(i)) for i in ids) + "}"
    return Func(
        F(field),
        Value(literal),
        template="%(expressions)s::bigint[])",
        arg_joiner=" = ANY(",
        output_field=BooleanField(),
    )


# Identifiers are the model's, the conflict clause the caller's constant; values are
# parameters.
_INSERT_NEW = """
    INSERT INTO {table} ({columns}) VALUES {rows}
    ON CONFLICT {conflict} DO NOTHING
    RETURNING {returning}
"""


def insert_new(objs, *, key: tuple[str, ...], conflict: str = "") -> list:
    """INSERT unsaved instances of one model in one statement, `ON CONFLICT {conflict} DO
    NOTHING`: rows a unique constraint already holds (or an earlier row of the batch took)
    are skipped. Returns the instances inserted, their pk set, in the given order
    (`bulk_create(ignore_conflicts=True)` cannot tell which went in). `key`: the fields
    that tell the rows apart (the unique constraint's fields).

    Values are prepared as `save()` prepares them (defaults, auto_now_add, JSON); the
    table's insert triggers (row history) fire as for any INSERT."""
    objs = list(objs)
    if not objs:
        return []
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    rows, params = [], []
    for obj in objs:
        marks = []
        for f in fields:
            value = f.pre_save(obj, add=True)
            if isinstance(value, DatabaseDefault):
                marks.append("DEFAULT")
            else:
                marks.append("%s")
                params.append(f.get_db_prep_save(value, connection))
        rows.append("(" + ", ".join(marks) + ")")
    quote = connection.ops.quote_name
    keys = [meta.get_field(name) for name in key]
    sql = _INSERT_NEW.format(
        table=quote(meta.db_table),
        columns=", ".join(quote(f.column) for f in fields),
        rows=", ".join(rows),
        conflict=conflict,
        returning=", ".join(quote(f.column) for f in [meta.pk, *keys]),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {_key(row[1:]): row[0] for row in cursor.fetchall()}
    found = []
    for obj in objs:
        pk = inserted.pop(_key(getattr(obj, f.attname) for f in keys), None)
        if pk is not None:
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias
            found.append(obj)
    return found


def _key(values) -> tuple:
    # As text: a choices member hashes by its name, not its value.
    return tuple(None if value is None else str(value) for value in values)


def advisory_xact_lock(name: str) -> None:
    """Serialise a critical section across processes until the transaction ends.

    Used where there is no row yet to lock (numbering the first version of something).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])


@contextmanager
def transaction_settings(**settings: str):
    """Run the block with these settings for the current transaction only (`SET LOCAL`,
    which a connection pooler in transaction mode keeps to this transaction), then put back
    what they were: for a statement the planner misjudges (see the callers). Inside an
    atomic block; if the block fails, rolling back its savepoint undoes them instead."""
    names = list(settings)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join(
                ["current_setting(%s)"] * len(names) + ["set_config(%s, %s, true)"] * len(names)
            ),
            [*names, *(v for name in names for v in (name, settings[name]))],
        )
        before = cursor.fetchone()[: len(names)]
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
            [v for name, value in zip(names, before, strict=True) for v in (name, value)],
        )


def estimated_count(model) -> int:
    """Planner's row estimate: O(1), good enough for an unfiltered admin list of 1M rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return max(int(row[0]), 0) if row else 0


# django-pgtrigger and django-pghistory read their session settings inside an EXCEPTION
# block, so every row a governed table writes opens two subtransactions. Set-based
# statements over thousands of rows then turn superlinear (20,000 rows inserted into a
# governed table in one statement: 12.9 s; with these versions: 1.7 s). These replacements
# read the settings with current_setting(name, missing_ok) instead and behave the same:
# unset or empty settings mean "no ignore list" and "no context". The context row keeps the
# library's NOW() stamps: pghistory's own bookkeeping, which no rule reads (tests/core/
# test_one_clock.py allows that one line, and only that one, to read the database clock).
_FAST_TRIGGER_FUNCTIONS = """
CREATE OR REPLACE FUNCTION {schema}._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    DECLARE
        _value TEXT := current_setting('pgtrigger.ignore', true);
    BEGIN
        IF _value IS NULL OR _value = '' THEN
            RETURN FALSE;
        END IF;
        RETURN trigger_name = ANY(_value::TEXT[]);
    END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION {schema}._pgh_attach_context()
RETURNS UUID AS $$
    DECLARE
        _id TEXT := current_setting('pghistory.context_id', true);
        _metadata TEXT := current_setting('pghistory.context_metadata', true);
    BEGIN
        IF _id IS NULL OR _id = '' OR _metadata IS NULL OR _metadata = '' THEN
            RETURN NULL;
        END IF;
        INSERT INTO pghistory_context (id, metadata, created_at, updated_at)
            VALUES (_id::UUID, _metadata::JSONB, NOW(), NOW()) -- db-clock-ok: audit stamp only
            ON CONFLICT (id) DO UPDATE
                SET metadata = EXCLUDED.metadata,
                    updated_at = EXCLUDED.updated_at
                WHERE pghistory_context.metadata != EXCLUDED.metadata;
        RETURN _id::UUID;
    END;
$$ LANGUAGE plpgsql;
"""


def install_fast_trigger_functions(sender=None, using="default", **kwargs) -> None:
    """post_migrate (after the libraries' migrations have created their versions)."""
    from django.db import connections
    from pgtrigger import features

    with connections[using].cursor() as cursor:
        cursor.execute(_FAST_TRIGGER_FUNCTIONS.format(schema=features.schema()))

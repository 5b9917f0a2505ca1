"""Transaction pooling (PgBouncer): DB_TRANSACTION_POOLING turns server-side cursors off."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.db import connections
print(json.dumps({
    alias: connections[alias].settings_dict["DISABLE_SERVER_SIDE_CURSORS"]
    for alias in settings.DATABASES
}))
"""


def _read_settings(**env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("flag", "disabled"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_transaction_pooling_is_read_from_the_environment_for_every_database(flag, disabled):
    found = _read_settings(
        DB_TRANSACTION_POOLING=flag, DATABASE_REPLICA_URL=os.environ["DATABASE_URL"]
    )
    assert found == {"default": disabled, "replica": disabled}


# --- behind a real PgBouncer (.ci/run: `python -m core.pgbouncer -- scripts/test.sh -m external`)
# Run directly these pass as well: they hold for any server, and fail behind a transaction
# pooler when the code keeps state in a session.

pooled = pytest.mark.skipif(
    not os.environ.get("PGBOUNCER_ADMIN_URL"), reason="not behind core.pgbouncer"
)


@pytest.mark.external
@pooled
def test_the_suite_talks_to_pgbouncer_in_transaction_mode(db, settings):
    import psycopg2
    from django.db import connection

    assert settings.DB_TRANSACTION_POOLING is True
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    admin = psycopg2.connect(os.environ["PGBOUNCER_ADMIN_URL"])
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SHOW POOLS")
            names = [column.name for column in cursor.description]
            pools = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        admin.close()
    ours = [pool for pool in pools if pool["database"] == connection.settings_dict["NAME"]]
    assert ours, pools
    assert {pool["pool_mode"] for pool in ours} == {"transaction"}


@pytest.mark.external
@pytest.mark.django_db(transaction=True)
def test_iterator_outside_a_transaction_reads_every_chunk(django_assert_max_num_queries):
    """QuerySet.iterator() in autocommit: with a server-side cursor each fetch is its own
    transaction, which a transaction pooler may send to another server connection (where
    the cursor does not exist). DB_TRANSACTION_POOLING makes Django fetch client-side."""
    import threading

    from django.contrib.auth.models import Group
    from django.db import transaction

    Group.objects.bulk_create(Group(name=f"pool-{n:05d}") for n in range(2500))
    busy, release = threading.Event(), threading.Event()

    def another_request():
        # Takes the server connection our first fetch just gave back (PgBouncer hands out
        # the most recently used one) and keeps it until we have read everything.
        from django.db import connection as own

        try:
            with transaction.atomic(), own.cursor() as cursor:
                cursor.execute("SELECT 1")
                busy.set()
                release.wait(60)
        finally:
            own.close()

    thread = threading.Thread(target=another_request)
    rows = Group.objects.filter(name__startswith="pool-").order_by("name").iterator(chunk_size=1000)
    with django_assert_max_num_queries(3):
        names = [next(rows).name]
        thread.start()
        assert busy.wait(60)
        try:
            names += [group.name for group in rows]
        finally:
            release.set()
            thread.join(60)
    assert names == [f"pool-{n:05d}" for n in range(2500)]


@pytest.mark.external
@pytest.mark.django_db(transaction=True)
def test_transaction_scoped_state_is_gone_after_commit():
    """The project's only session-like state (trigger ignore lists, history context, advisory
    locks) is transaction-scoped, so it neither leaks to the next client of a pooled server
    connection nor is lost when the next transaction runs on another one."""
    import threading

    from django.db import connection, transaction

    from core.db import advisory_xact_lock

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{x}', true)")
            cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
            assert cursor.fetchone() == ("{x}",)
        advisory_xact_lock("pooling-probe")
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('pgtrigger.ignore', true), '')")
        assert cursor.fetchone() == ("",)

    taken = []

    def other_process():
        from django.db import connection as own

        try:
            with transaction.atomic(), own.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", ["pooling-probe"]
                )
                taken.append(cursor.fetchone()[0])
        finally:
            own.close()

    thread = threading.Thread(target=other_process)
    thread.start()
    thread.join(30)
    assert taken == [True]


def test_backup_tools_bypass_the_pooler_but_keep_the_database_name(settings):
    from django.db import connection

    from core.backup import Target

    settings.DATABASES_DIRECT = {
        "default": {
            "NAME": "quality",
            "USER": "owner",
            "PASSWORD": "secret",
            "HOST": "db.internal",
            "PORT": 5432,
            "OPTIONS": {},
        }
    }
    target = Target.from_settings()
    assert target.params == {
        "dbname": connection.settings_dict["NAME"],
        "user": "owner",
        "password": "secret",
        "host": "db.internal",
        "port": "5432",
    }
    settings.DATABASES_DIRECT = {}
    # Without a direct server the tools reach the database the way the app does (the
    # embedded server's socket folder comes in OPTIONS).
    assert Target.from_settings().params.get("host") == (
        connection.get_connection_params().get("host") or None
    )

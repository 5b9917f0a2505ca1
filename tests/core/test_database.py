"""Connections and migrations: the checks CI repeats against the machine's own servers."""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.external
def test_database_is_postgresql_with_every_migration_applied(db):
    assert connection.vendor == "postgresql"
    assert connection.pg_version >= 140000
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    with connection.cursor() as cursor:
        cursor.execute("SHOW timezone")
        assert cursor.fetchone() == ("UTC",)


@pytest.mark.external
def test_models_have_no_unmigrated_changes(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.external
def test_cache_and_broker_reach_redis():
    cache.set("external:probe", {"n": 1}, 30)
    assert cache.get("external:probe") == {"n": 1}
    with redis.Redis.from_url(settings.CELERY_BROKER_URL) as client:
        assert client.ping()

"""Small PostgreSQL helpers shared by the apps."""

from django.db import connection


def advisory_xact_lock(name: str) -> None:
    """Serialise a critical section across processes until the transaction ends.

    Used where there is no row yet to lock (numbering the first version of something).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])


def estimated_count(model) -> int:
    """Planner's row estimate: O(1), good enough for an unfiltered admin list of 1M rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return max(int(row[0]), 0) if row else 0

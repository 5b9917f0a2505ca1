"""Run by tests/core/test_replica.py in a process whose settings have a real streaming
replica (DATABASE_URL = primary, DATABASE_REPLICA_URL = standby). Prints one JSON object:
which server (primary or standby, by pg_is_in_recovery()) each kind of read reached."""

import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connections, router, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from core.models import User  # noqa: E402
from core.replica import WROTE_COOKIE, ReplicaReadsMiddleware, replica_reads  # noqa: E402


def server_of_reads() -> str:
    alias = router.db_for_read(User)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return "standby" if cursor.fetchone()[0] else "primary"


def view(request):
    return HttpResponse(server_of_reads())


middleware = ReplicaReadsMiddleware(view)
factory = RequestFactory()
found = {}
found["dashboard"] = middleware(factory.get("/staff/dashboards/")).content.decode()
found["api_list"] = middleware(factory.get("/api/v1/cases/")).content.decode()
found["case_page"] = middleware(factory.get("/staff/complaints/1/")).content.decode()
wrote = middleware(factory.post("/staff/reports/quarterly/generate/"))
after_write = factory.get("/staff/dashboards/")
after_write.COOKIES[WROTE_COOKIE] = wrote.cookies[WROTE_COOKIE].value
found["dashboard_after_write"] = middleware(after_write).content.decode()
with replica_reads():
    found["task_block"] = server_of_reads()
    with transaction.atomic():
        found["inside_transaction"] = server_of_reads()
found["writes_to"] = router.db_for_write(User)
found["migrates_replica"] = router.allow_migrate("replica", "core")

# Rows written on the primary reach the reads routed to the standby (streaming).
with connections["default"].cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS replica_probe (n int)")
    cursor.execute("INSERT INTO replica_probe VALUES (42)")
deadline = time.monotonic() + 20
seen = None
while time.monotonic() < deadline and seen is None:
    with replica_reads(), connections[router.db_for_read(User)].cursor() as cursor:
        cursor.execute("SELECT to_regclass('replica_probe') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT max(n) FROM replica_probe")
            seen = cursor.fetchone()[0]
    time.sleep(0.1)
found["replicated"] = seen
print(json.dumps(found))

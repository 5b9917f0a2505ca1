"""Read replicas: heavy reads (dashboards, reports, exports, API lists) go to the `replica`
database alias when DATABASE_REPLICA_URL is set; everything else stays on the primary.

- One place decides what may read from the replica: `ReplicaReadsMiddleware` matches the
  request (safe method, a path in settings.REPLICA_READ_PATHS) and turns replica reads on
  for that request only; `replica_reads()` does the same for code outside a request.
- Read your writes: a request that wrote (an unsafe method that did not fail) sets a short
  cookie; for settings.READ_YOUR_WRITES_SECONDS afterwards that browser reads from the
  primary, so a manager who just published a report sees it on the next page even while
  the replica lags.
- A read inside a transaction on the primary (a service that locks and re-reads) always
  reads the primary: the router never splits one transaction across servers.
- Writes and migrations only ever reach the primary.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
WROTE_COOKIE = "qg_wrote"
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def replica_reads(enabled: bool = True) -> Iterator[None]:
    """Reads in this block may go to the replica (when one is configured)."""
    token = _replica_reads.set(enabled and replica_configured())
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    """Django database router (settings.DATABASE_ROUTERS, set when a replica exists)."""

    def db_for_read(self, model, **hints):
        if _replica_reads.get() and not connections["default"].in_atomic_block:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: same rows, same ids

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


_SAFE = {"GET", "HEAD", "OPTIONS"}


def _wrote_recently(request) -> bool:
    try:
        wrote_at = float(request.get_signed_cookie(WROTE_COOKIE, default="0", salt=WROTE_COOKIE))
    except (TypeError, ValueError):
        return False
    return time.time() - wrote_at < settings.READ_YOUR_WRITES_SECONDS


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = [re.compile(p) for p in settings.REPLICA_READ_PATHS]

    def __call__(self, request):
        use_replica = (
            replica_configured()
            and request.method in _SAFE
            and any(p.match(request.path_info) for p in self.paths)
            and not _wrote_recently(request)
        )
        with replica_reads(use_replica):
            response = self.get_response(request)
        if request.method not in _SAFE and response.status_code < 400 and replica_configured():
            response.set_signed_cookie(
                WROTE_COOKIE,
                str(time.time()),
                salt=WROTE_COOKIE,
                max_age=settings.READ_YOUR_WRITES_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

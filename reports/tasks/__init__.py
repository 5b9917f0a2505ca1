"""Reports Celery tasks, one module per capability (imported so the worker registers them)."""

from reports.tasks import dashboards, risk, snapshots  # noqa: F401

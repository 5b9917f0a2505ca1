"""Fixtures only the kernel tests need."""

from tests.worker import celery_worker_process  # noqa: F401 - fixture for @pytest.mark.worker tests

"""Shared fixtures. Tests run on real PostgreSQL and Redis (embedded or from the env)."""

import uuid

import pytest

from tests import clock
from tests.factories import MembershipFactory, MerchantFactory, UserFactory


def pytest_report_header(config):
    try:
        days = clock.shift_days()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    if days:
        return f"application clock shifted by {days:+d} days ({clock.ENV})"
    return None


@pytest.fixture(scope="session", autouse=True)
def _shifted_clock():
    """Running on any date (README): with QUALITY_CLOCK_SHIFT_DAYS=N the application's clock
    (timezone.now(), date.today(), time.time()) runs N days from the real date for the whole
    session, ticking, while PostgreSQL's now() stays on the real date. Tests that travel
    still travel inside it (time_machine nests). A test that passes only because today is
    near the dates it travels to, or because the two clocks agree, fails under a shift."""
    traveller = clock.shifted()
    if traveller is None:
        yield
        return
    traveller.start()
    try:
        yield
    finally:
        traveller.stop()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, plus one step behind a transaction pooler
    (DB_TRANSACTION_POOLING, docs/scaling.md): PgBouncer keeps idle server connections to
    test_<name> after Django closes its own, and DROP DATABASE refuses a database in use.
    Before the drop, those server connections are ended (from the maintenance database,
    through the pooler as well, so no second URL is needed)."""
    yield
    from django.conf import settings

    if not settings.DB_TRANSACTION_POOLING:
        return
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            connection = connections[alias]
            if connection.settings_dict.get("TEST", {}).get("MIRROR"):
                continue
            connection.close()
            with connection._nodb_cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [connection.settings_dict["NAME"]],
                )


@pytest.fixture(autouse=True)
def _isolated_services(settings, tmp_path):
    """Eager Celery for logic tests, a fresh cache namespace per test (rate limits and
    caches never leak between tests or parallel runs), private files in a temp folder."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "TIMEOUT": 600,
        }
    }
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    settings.AXES_ENABLED = False
    yield


@pytest.fixture
def role_user(db):
    """role_user("consumer_service") -> a staff user in that department."""

    def make(role, **kwargs):
        user = UserFactory(is_staff=True, **kwargs)
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def merchant_a(db):
    return MerchantFactory(legal_name="Merchant A", status="active")


@pytest.fixture
def merchant_b(db):
    return MerchantFactory(legal_name="Merchant B", status="active")


@pytest.fixture
def owner_a(merchant_a):
    return MembershipFactory(merchant=merchant_a, role="owner").user


@pytest.fixture
def owner_b(merchant_b):
    return MembershipFactory(merchant=merchant_b, role="owner").user

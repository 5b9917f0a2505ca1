"""Shared fixtures. Tests run on real PostgreSQL and Redis (embedded or from the env)."""

import os

import pytest
from django.core.cache import cache

from tests.factories import MembershipFactory, MerchantFactory, UserFactory


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker[2:].isdigit() else 0


@pytest.fixture(autouse=True)
def _isolated_services(settings, tmp_path):
    """Eager Celery for logic tests, a Redis database per xdist worker, private files in a
    temporary folder."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    base = settings.REDIS_URL.rsplit("/", 1)[0]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{base}/{10 + _worker_index()}",
        }
    }
    cache.clear()
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

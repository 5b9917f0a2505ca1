import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories.core import UserFactory


@pytest.fixture
def storefront(db):
    """The storefront's service account with its API token."""
    user = UserFactory(username="storefront")
    user.user_permissions.add(Permission.objects.get(codename="import_purchases"))
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.user = user
    return client


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English source messages."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield

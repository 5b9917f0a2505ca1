import pytest

from tests.factories.core import CategoryFactory
from tests.factories.merchants import sells_in


@pytest.fixture
def food(db):
    return CategoryFactory(code="t-food", name_en="Food", name_zh="食品")


@pytest.fixture
def phones(db):
    return CategoryFactory(code="t-phones", name_en="Phones", name_zh="手机")


@pytest.fixture
def seller_a(merchant_a, food, phones):
    """Merchant A, approved for food and phones."""
    return sells_in(merchant_a, food, phones)


@pytest.fixture
def seller_b(merchant_b, food):
    return sells_in(merchant_b, food)


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English source messages."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.test import APIClient

from products.models import Requirement
from tests.factories.core import CategoryFactory, UserFactory
from tests.factories.inspections import PassFailRequirementFactory, PublishedVersionFactory
from tests.factories.merchants import sells_in
from tests.factories.products import ProductFactory, QualityStandardFactory


@pytest.fixture
def agent(role_user):
    return role_user("consumer_service", email="agent@example.test")


# --- API tests (test_api_*) ---------------------------------------------------------------
@pytest.fixture
def api():
    """api(user) -> a client signed in as user; api(None) -> an anonymous client."""

    def client(user):
        api_client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            api_client.force_authenticate(user)
        return api_client

    return client


@pytest.fixture
def storefront(db):
    """The storefront's service account: a group holding complaints.add_case and nothing
    else, no department role."""
    group = Group.objects.create(name="storefront")
    group.permissions.add(Permission.objects.get(codename="add_case"))
    user = UserFactory(username="storefront")
    user.groups.add(group)
    return user


@pytest.fixture
def manager(role_user):
    return role_user("quality_manager")


@pytest.fixture
def analyst(role_user):
    return role_user("data_analysis")


@pytest.fixture
def qm(role_user):
    return role_user("quality_management")


@pytest.fixture
def rice(merchant_a):
    """A listed food product whose standard has one critical and one minor requirement: the
    product a rejected lot is about."""
    food = CategoryFactory(code="t-food", name_en="Food", name_zh="食品")
    version = PublishedVersionFactory(standard=QualityStandardFactory(category=food))
    PassFailRequirementFactory(version=version, code="PB", severity=Requirement.Severity.CRITICAL)
    PassFailRequirementFactory(version=version, code="LABEL", severity=Requirement.Severity.MINOR)
    sells_in(merchant_a, food)
    return ProductFactory(merchant=merchant_a, category=food, title="Rice A")

import pytest


@pytest.fixture
def agent(role_user):
    return role_user("consumer_service", email="agent@example.test")

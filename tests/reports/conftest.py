import pytest


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English source messages."""
    from django.utils import translation

    with translation.override("en"):
        yield

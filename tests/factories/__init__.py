"""factory-boy factories, one module per app; re-exported here for convenience."""

from tests.factories.core import CategoryFactory, UserFactory
from tests.factories.merchants import MembershipFactory, MerchantFactory
from tests.factories.products import ProductFactory

__all__ = [
    "CategoryFactory",
    "MembershipFactory",
    "MerchantFactory",
    "ProductFactory",
    "UserFactory",
]

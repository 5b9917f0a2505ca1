"""/api/v1/ merchant endpoints: one module per capability, each with register(router)."""

from merchants.api import categories, onboarding, standing, training


def register(router):
    # Before onboarding's, so "category-requests" is never taken for a merchant id.
    categories.register(router)
    onboarding.register(router)
    standing.register(router)
    training.register(router)

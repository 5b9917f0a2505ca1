"""/api/v1/ merchant endpoints: one module per capability, each with register(router)."""

from merchants.api import onboarding, standing, training


def register(router):
    onboarding.register(router)
    standing.register(router)
    training.register(router)

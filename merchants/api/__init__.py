"""/api/v1/ merchant endpoints: one module per capability, each with register(router)."""

from merchants.api import onboarding, standing


def register(router):
    onboarding.register(router)
    standing.register(router)

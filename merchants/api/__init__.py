"""/api/v1/merchants/...: one module per capability, each with register(router)."""

from merchants.api import onboarding


def register(router):
    onboarding.register(router)

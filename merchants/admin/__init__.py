"""Merchant admin, one module per capability."""

from merchants.admin import onboarding, standing  # noqa: F401

"""Merchant admin, one module per capability."""

from merchants.admin import onboarding  # noqa: F401

"""Merchant admin, one module per capability."""

from merchants.admin import onboarding, standing, training  # noqa: F401

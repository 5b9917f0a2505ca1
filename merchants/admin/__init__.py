"""Merchant admin, one module per capability."""

from merchants.admin import categories, onboarding, standing, training  # noqa: F401

"""Merchant admin, one module per capability."""

from merchants.admin import standing  # noqa: F401

"""Merchant models, one module per capability; import them from here."""

from merchants.models.merchant import Membership, Merchant, Restriction, validate_credit_code

__all__ = ["Membership", "Merchant", "Restriction", "validate_credit_code"]

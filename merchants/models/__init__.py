"""Merchant models, one module per capability; import them from here."""

from merchants.models.merchant import Membership, Merchant, Restriction, validate_credit_code
from merchants.models.standing import (
    Appeal,
    MerchantStanding,
    Sanction,
    Severity,
    ViolationEntry,
    ViolationRule,
)

__all__ = [
    "Appeal",
    "Membership",
    "Merchant",
    "MerchantStanding",
    "Restriction",
    "Sanction",
    "Severity",
    "ViolationEntry",
    "ViolationRule",
    "validate_credit_code",
]

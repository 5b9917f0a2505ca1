"""Merchant services: every write about merchants. Other apps import from here only."""

from merchants.services.selling import (
    SellingRights,
    can_sell,
    lift,
    on_restriction_change,
    restrict,
    selling_rights,
)

__all__ = [
    "SellingRights",
    "can_sell",
    "lift",
    "on_restriction_change",
    "restrict",
    "selling_rights",
]

"""Merchant API, one module per capability."""

from merchants.api import standing


def register(router):
    standing.register(router)

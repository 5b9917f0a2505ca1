"""Merchant pages, one module per capability."""

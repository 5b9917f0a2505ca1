"""Complaints views, one module per audience."""

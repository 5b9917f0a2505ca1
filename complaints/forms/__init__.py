"""Complaints forms, one module per audience."""

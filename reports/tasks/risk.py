"""Reports tasks: risk."""

"""Reports models: risk."""

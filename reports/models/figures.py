"""Reports models: figures."""

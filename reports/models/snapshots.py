"""Reports models: snapshots."""

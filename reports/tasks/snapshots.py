"""Reports tasks: snapshots."""

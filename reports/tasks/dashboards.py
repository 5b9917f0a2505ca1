"""Reports tasks: dashboards."""

"""Reports services, one module per capability: risk, snapshots, dashboards."""

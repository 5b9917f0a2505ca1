"""Reports pages, one module per capability."""

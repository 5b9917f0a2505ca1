"""Reports API: dashboards."""


def register(router) -> None:
    """Filled in by the dashboards capability."""

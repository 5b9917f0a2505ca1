"""Reports API: risk."""


def register(router) -> None:
    """Filled in by the risk capability."""

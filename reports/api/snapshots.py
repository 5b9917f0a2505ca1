"""Reports API: snapshots."""


def register(router) -> None:
    """Filled in by the snapshots capability."""

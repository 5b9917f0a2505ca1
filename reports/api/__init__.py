"""Reports API, one module per capability, each with `register(router)`."""

from reports.api import dashboards, risk, snapshots


def register(router) -> None:
    for module in (risk, snapshots, dashboards):
        module.register(router)

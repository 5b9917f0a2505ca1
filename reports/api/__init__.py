"""Reports API, one module per capability, each with `register(router)`."""

from reports.api import dashboards, risk, snapshots, traceability


def register(router) -> None:
    for module in (risk, snapshots, dashboards, traceability):
        module.register(router)

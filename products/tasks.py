from celery import shared_task

from core.audit import system_context


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=3300, time_limit=3600)
def rescan_claims(run_id: int) -> None:
    """Work through one bulk rescan (ScanRun); resumable and harmless to run twice."""
    from products.services import run_rescan

    with system_context("products.rescan_claims"):
        run_rescan(run_id)


@shared_task(acks_late=True)
def sweep_suppliers() -> dict[str, int]:
    """Daily: re-verification reminders, suspension of expired or overdue suppliers."""
    from products.services import supply

    with system_context("products.sweep_suppliers"):
        return supply.sweep_suppliers()

from celery import shared_task

from core.audit import system_context


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=3300, time_limit=3600)
def rescan_claims(run_id: int) -> None:
    """Work through one bulk rescan (ScanRun); resumable and harmless to run twice."""
    from products.services import run_rescan

    with system_context("products.rescan_claims"):
        run_rescan(run_id)

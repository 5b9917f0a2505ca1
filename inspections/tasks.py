"""Celery tasks: thin and idempotent; the services hold the rules."""

from celery import shared_task

from core.audit import system_context


@shared_task(acks_late=True)
def plan_due_inspections() -> dict[str, int]:
    """Daily: create the due inspection plans (running twice creates nothing new)."""
    from inspections import services

    with system_context("inspections.plan_due_inspections"):
        return services.plan_due_inspections()


@shared_task(acks_late=True)
def sweep_lab_accreditations() -> dict[str, int]:
    """Daily: accreditation expiry reminders, and suspension of expired labs."""
    from inspections import labs

    with system_context("inspections.sweep_lab_accreditations"):
        return labs.sweep_accreditations()

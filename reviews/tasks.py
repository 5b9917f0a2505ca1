"""Periodic review work: thin tasks around the services, safe to run twice."""

from celery import shared_task

from core.audit import system_context


@shared_task(acks_late=True)
def compute_rolling_ratings() -> dict:
    from reviews.services import compute_rolling_ratings as compute
    from reviews.services import sweep_due_reviews

    with system_context("reviews.rolling-ratings"):
        result = compute()
        # After the figures: a restriction a verdict just lifted is no longer due.
        review_alerts = sweep_due_reviews()
    return {
        "as_of": result.as_of.isoformat(),
        "products": result.products,
        "merchants": result.merchants,
        "warned": result.warned,
        "restricted": result.restricted,
        "lifted": result.lifted,
        "review_alerts": len(review_alerts),
    }


@shared_task(acks_late=True)
def compute_integrity_signals() -> dict:
    from reviews.services import compute_signals

    with system_context("reviews.integrity-signals"):
        return compute_signals()


@shared_task(acks_late=True)
def record_expired_document_selling() -> dict:
    """Daily, after the document sweep: order lines paid under an expired required
    document record the `expired_document_selling` violation (once per document)."""
    from reviews.services.expired_documents import record_expired_document_selling as record

    with system_context("reviews.expired-document-selling"):
        result = record()
    return {"recorded": len(result.recorded), "refused": result.refused}

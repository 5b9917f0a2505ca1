"""Review services: every write about purchases, reviews, ratings and signals."""

from reviews.services.moderation import can_moderate, dismiss_signal, fold_review, unfold_review
from reviews.services.purchases import (
    ImportRejected,
    ImportResult,
    import_purchases,
    issue_review_link,
)
from reviews.services.reviewing import rate_service, reply_to_review, review_purchase, write_review
from reviews.services.rolling import RollingResult, compute_rolling_ratings
from reviews.services.signals import compute_signals

__all__ = [
    "ImportRejected",
    "ImportResult",
    "RollingResult",
    "can_moderate",
    "compute_rolling_ratings",
    "compute_signals",
    "dismiss_signal",
    "fold_review",
    "import_purchases",
    "issue_review_link",
    "rate_service",
    "reply_to_review",
    "review_purchase",
    "unfold_review",
    "write_review",
]

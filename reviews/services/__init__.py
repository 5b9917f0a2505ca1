"""Review services: every write about purchases, reviews, ratings and signals."""

from reviews.services.moderation import can_moderate, dismiss_signal, fold_review, unfold_review
from reviews.services.purchases import (
    ImportRejected,
    ImportResult,
    import_purchases,
    issue_review_link,
)
from reviews.services.restriction_review import (
    can_review_restrictions,
    keep_rating_restriction,
    lift_rating_restriction,
    sweep_due_reviews,
)
from reviews.services.reviewing import rate_service, reply_to_review, review_purchase, write_review
from reviews.services.rolling import RollingResult, compute_rolling_ratings
from reviews.services.signals import compute_signals

__all__ = [
    "ImportRejected",
    "ImportResult",
    "RollingResult",
    "can_moderate",
    "can_review_restrictions",
    "compute_rolling_ratings",
    "compute_signals",
    "dismiss_signal",
    "fold_review",
    "import_purchases",
    "issue_review_link",
    "keep_rating_restriction",
    "lift_rating_restriction",
    "rate_service",
    "reply_to_review",
    "review_purchase",
    "sweep_due_reviews",
    "unfold_review",
    "write_review",
]

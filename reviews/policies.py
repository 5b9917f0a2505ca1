"""Review and rating settings (versioned in core.policies; staff add versions in the admin)."""

from django.utils.translation import gettext_lazy as _

from core import policies

RATING_THRESHOLDS = "reviews.rating_thresholds"
INTEGRITY = "reviews.integrity"

policies.register(
    RATING_THRESHOLDS,
    label=_("Service rating thresholds"),
    defaults={
        "window_days": 90,
        "min_ratings": 20,
        "warning_below": 4.0,
        "restriction_below": 3.5,
        # A rating restriction that no verdict lifts (too few ratings to reach one, or still
        # below the threshold) falls due for review by Merchant Management this many days
        # after it began, and again this many days after each decision to keep it.
        "restriction_review_days": 90,
    },
)

policies.register(
    INTEGRITY,
    label=_("Review integrity signals"),
    defaults={
        # A burst: at least burst_min_reviews reviews of one product within burst_window_hours,
        # and burst_factor times what its baseline (the baseline_days before) would predict.
        "burst_window_hours": 24,
        "burst_min_reviews": 10,
        "burst_factor": 5.0,
        "baseline_days": 30,
        # Near-duplicates: Jaccard similarity of character 3-shingles at or above this, for
        # texts of at least min_length; pairs are sought through shingles that occur in at
        # most duplicate_rare_shingle_texts texts of the lookback.
        "duplicate_similarity": 0.8,
        "duplicate_rare_shingle_texts": 50,
        "duplicate_min_length": 20,
        "duplicate_lookback_days": 90,
        # How far back each sweep looks for new reviews to examine.
        "sweep_lookback_hours": 48,
    },
)

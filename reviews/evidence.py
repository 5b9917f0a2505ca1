"""Labels for the evidence the integrity sweep attaches to a signal (keys are SQL's)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

LABELS = {
    "product": _("Product"),
    "window_start": _("Window start"),
    "window_end": _("Window end"),
    "window_hours": _("Window (hours)"),
    "reviews_in_window": _("Reviews in the window"),
    "baseline_per_window": _("Expected from the baseline"),
    "similar_review": _("Similar review"),
    "similarity": _("Similarity"),
    "threshold": _("Threshold"),
    "other_product": _("Its product"),
    "other_merchant": _("Its merchant"),
    "reviewer": pgettext_lazy("review author", "Reviewer"),
    "purchases_by_reviewer": _("Purchases by the reviewer"),
    "purchases_of_product_by_reviewer": _("Purchases of this product by the reviewer"),
    "unverified_reviews_by_reviewer": _("Unverified reviews by the reviewer"),
    "matched": _("Matched on"),
    "member": _("Member (user id)"),
    "merchant": _("Merchant"),
}
MATCHES = {
    "member_email": _("a member's email"),
    "contact_email": _("the merchant's contact email"),
    "contact_phone": _("the merchant's contact phone"),
}


def labelled(evidence: dict) -> list[tuple[str, object]]:
    """(label, value) pairs in a stable order, for the moderation page."""
    return [
        (str(LABELS.get(key, key)), MATCHES.get(value, value) if key == "matched" else value)
        for key, value in sorted(
            evidence.items(),
            key=lambda item: list(LABELS).index(item[0]) if item[0] in LABELS else len(LABELS),
        )
    ]

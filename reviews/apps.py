from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews and ratings")
    # No delete_* anywhere: reviews and ratings are never deleted.
    role_permissions = {
        "quality_manager": ["view_*"],
        "data_analysis": ["view_*"],
        "consumer_service": ["view_*", "change_productreview", "change_integritysignal"],
        "quality_management": ["view_*", "change_productreview", "change_integritysignal"],
        "merchant_management": ["view_*"],
    }

    def ready(self):
        from core.alerts import register_kind
        from core.navigation import register_nav
        from core.uploads import register_access_rule
        from merchants.selectors import merchant_of
        from reviews import policies  # noqa: F401 - registers the policies
        from reviews.selectors import is_review_photo
        from reviews.services.moderation import can_moderate

        register_kind(
            "rating_below_threshold",
            _("Rating below threshold"),
            _("%(subject)s: 90-day rating %(average)s over %(count)s ratings"),
        )
        register_kind(
            "rating_restriction",
            _("Sales restricted for the service rating"),
            _(
                "%(subject)s: sales restricted, 90-day service rating %(average)s over "
                "%(count)s ratings is below %(threshold)s"
            ),
        )
        register_kind(
            "rating_restriction_review",
            _("Rating restriction due for review"),
            _(
                "%(merchant)s: sales restricted for the service rating since %(since)s; "
                "review due %(due)s (%(count)s ratings in the last %(window)s days)"
            ),
        )
        # Review photos are public, like the reviews (folded ones open on click).
        register_access_rule(lambda request, upload: is_review_photo(upload))
        register_nav(_("Review moderation"), "reviews:moderation", can_moderate, order=300)
        register_nav(
            _("Ratings"), "reviews:merchant-ratings", lambda u: merchant_of(u) is not None, 300
        )

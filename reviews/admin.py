"""Staff views of purchases, reviews and figures. Nothing here deletes: reviews and ratings
are never deleted (E-commerce Law art. 39); folding is done on the moderation page."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import LargeTableAdmin
from core.audit import decisions_for
from reviews.models import (
    IntegritySignal,
    MerchantRatingFigure,
    MerchantRatingStanding,
    ProductRatingFigure,
    ProductReview,
    Purchase,
    ServiceRating,
)


class NeverDeletedAdmin(LargeTableAdmin):
    """Read-only lists without delete permission or the bulk delete action."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("decisions"))
    def decision_log(self, obj):
        return format_html_join(
            "",
            "<p>{} · {} · {} → {} · {}: {}</p>",
            (
                (d.created_at, d.action, d.from_state, d.to_state, d.by, d.reason)
                for d in decisions_for(obj)
            ),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Purchase)
class PurchaseAdmin(NeverDeletedAdmin):
    list_display = [
        "order_number",
        "line",
        "merchant",
        "product",
        "consumer",
        "quantity",
        "paid_at",
        "delivered_at",
    ]
    list_filter = [("delivered_at", admin.EmptyFieldListFilter)]
    search_fields = ["=order_number", "=consumer"]
    date_hierarchy = "paid_at"
    list_select_related = ["merchant", "product"]
    raw_id_fields = ["product", "merchant"]


class SignalInline(admin.TabularInline):
    model = IntegritySignal
    fields = ["kind", "status", "evidence", "created_at", "decided_by", "decision_note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProductReview)
class ProductReviewAdmin(NeverDeletedAdmin):
    list_display = [
        "created_at",
        "product",
        "merchant",
        "stars",
        "verified",
        "folded",
        "channel",
        "reviewer",
    ]
    list_filter = ["verified", "folded", "stars", "channel"]
    search_fields = ["=reviewer", "text"]
    date_hierarchy = "created_at"
    list_select_related = ["product", "merchant"]
    raw_id_fields = ["product", "merchant", "purchase"]
    inlines = [SignalInline]
    readonly_fields = ["decision_log"]


@admin.register(ServiceRating)
class ServiceRatingAdmin(NeverDeletedAdmin):
    list_display = [
        "created_at",
        "merchant",
        "description_accuracy",
        "service_attitude",
        "logistics",
        "reviewer",
    ]
    list_filter = ["description_accuracy", "service_attitude", "logistics"]
    search_fields = ["=reviewer"]
    date_hierarchy = "created_at"
    list_select_related = ["merchant"]
    raw_id_fields = ["merchant", "purchase"]


@admin.register(IntegritySignal)
class IntegritySignalAdmin(NeverDeletedAdmin):
    list_display = ["created_at", "kind", "review", "status", "decided_by"]
    list_filter = ["kind", "status"]
    list_select_related = ["review", "decided_by"]
    raw_id_fields = ["review"]
    readonly_fields = ["decision_log"]


@admin.register(MerchantRatingFigure)
class MerchantRatingFigureAdmin(NeverDeletedAdmin):
    list_display = [
        "as_of",
        "merchant",
        "rating_count",
        "overall",
        "description_accuracy",
        "service_attitude",
        "logistics",
    ]
    list_filter = ["as_of"]
    list_select_related = ["merchant"]
    date_hierarchy = "as_of"


@admin.register(ProductRatingFigure)
class ProductRatingFigureAdmin(NeverDeletedAdmin):
    list_display = ["as_of", "product", "review_count", "stars"]
    list_select_related = ["product"]
    date_hierarchy = "as_of"


@admin.register(MerchantRatingStanding)
class MerchantRatingStandingAdmin(NeverDeletedAdmin):
    list_display = ["merchant", "state", "previous_state", "changed_at", "restriction_source"]
    list_filter = ["state"]
    list_select_related = ["merchant"]

"""Staff views of purchases, reviews and figures. Nothing here deletes: reviews and ratings
are never deleted (E-commerce Law art. 39); folding is done on the moderation page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.defaultfilters import floatformat
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import LargeTableAdmin, decision_rows
from core.exceptions import DomainError
from reviews import evidence as evidence_labels
from reviews.models import (
    IntegritySignal,
    MerchantRatingFigure,
    MerchantRatingStanding,
    ProductRatingFigure,
    ProductReview,
    Purchase,
    ServiceRating,
)
from reviews.services import (
    can_review_restrictions,
    keep_rating_restriction,
    lift_rating_restriction,
)


def figure(field: str, description):
    """A list column and readonly display of a rating figure (kept with 4 decimals) rounded
    to 2, as people read it."""

    @admin.display(description=description, ordering=field)
    def shown(obj):
        value = getattr(obj, field)
        return "-" if value is None else floatformat(value, 2)

    shown.__name__ = f"{field}_shown"
    return shown


@admin.display(description=_("evidence"))
def evidence_table(signal):
    """A signal's evidence by its labels (reviews.evidence), never by the sweep's keys."""
    rows = format_html_join(
        "", "<tr><th>{}</th><td>{}</td></tr>", evidence_labels.labelled(signal.evidence or {})
    )
    return format_html("<table>{}</table>", rows) if rows else "-"


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
            decision_rows(obj),
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
    fields = ["kind", "status", evidence_table, "created_at", "decided_by", "decision_note"]
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
    # The evidence by its labels, never as the sweep's JSON keys.
    exclude = ["evidence"]
    readonly_fields = [evidence_table, "decision_log"]


MERCHANT_FIGURES = [
    figure("overall", _("service rating")),
    figure("description_accuracy", _("description accuracy")),
    figure("service_attitude", _("service attitude")),
    figure("logistics", _("logistics")),
]
PRODUCT_STARS = figure("stars", _("average stars"))


@admin.register(MerchantRatingFigure)
class MerchantRatingFigureAdmin(NeverDeletedAdmin):
    list_display = [
        "as_of",
        "merchant",
        "rating_count",
        *MERCHANT_FIGURES,
    ]
    list_filter = ["as_of"]
    list_select_related = ["merchant"]
    date_hierarchy = "as_of"
    # Figures are kept with 4 decimals and shown rounded to 2.
    exclude = ["overall", "description_accuracy", "service_attitude", "logistics"]
    readonly_fields = MERCHANT_FIGURES


@admin.register(ProductRatingFigure)
class ProductRatingFigureAdmin(NeverDeletedAdmin):
    list_display = ["as_of", "product", "review_count", PRODUCT_STARS]
    list_select_related = ["product"]
    date_hierarchy = "as_of"
    exclude = ["stars"]
    readonly_fields = [PRODUCT_STARS]


class ReviewActionForm(helpers.ActionForm):
    """The action bar with a reason box for keeping or lifting a rating restriction."""

    reason = forms.CharField(label=_("Reason"), required=False)


@admin.register(MerchantRatingStanding)
class MerchantRatingStandingAdmin(NeverDeletedAdmin):
    """Merchant Management review rating restrictions here: select, give the reason, then
    keep (the next review falls due a policy period later) or lift."""

    list_display = [
        "merchant",
        "state",
        "previous_state",
        "changed_at",
        "review_due_at",
        "review_alerted_at",
        "restriction_source",
    ]
    list_filter = ["state", ("review_alerted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["merchant"]
    search_fields = ["merchant__legal_name"]
    readonly_fields = ["decision_log"]
    actions = ["keep_restriction", "lift_restriction"]
    action_form = ReviewActionForm

    def has_review_permission(self, request):
        return can_review_restrictions(request.user)

    def _review(self, request, queryset, service, done_message):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(
                request,
                _("Give a reason in the “reason” box next to the action."),
                messages.ERROR,
            )
            return
        done = 0
        for standing in queryset.select_related("merchant"):
            try:
                service(standing=standing, by=request.user, reason=reason)
            except DomainError as exc:
                self.message_user(
                    request, f"{standing.merchant}: {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                done += 1
        self.message_user(request, done_message % {"n": done})

    @admin.action(
        description=_("Keep the selected rating restrictions for another period (reason required)"),
        permissions=["review"],
    )
    def keep_restriction(self, request, queryset):
        self._review(
            request, queryset, keep_rating_restriction, _("%(n)d rating restrictions kept.")
        )

    @admin.action(
        description=_("Lift the selected rating restrictions (reason required)"),
        permissions=["review"],
    )
    def lift_restriction(self, request, queryset):
        self._review(
            request, queryset, lift_rating_restriction, _("%(n)d rating restrictions lifted.")
        )

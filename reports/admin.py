"""Reports admin, read-only: risk scores, their history and probation evaluations (and
the risk score on the merchant's admin page, an inline added here so merchants never
imports reports);
quarterly snapshots and reports, which the task computes and the pages publish."""

from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import DecisionsInline, LargeTableAdmin, ReadOnlyAdminMixin
from merchants.models import Merchant
from reports.models import Finding, ProbationEvaluation, RiskScore, RiskScoreHistory
from reports.models.snapshots import QuarterlyReport, Snapshot
from reports.reason_texts import probation_reasons
from reports.services.probation import labelled_figures


class ScoreExplainedMixin:
    """A score's factor contributions and a link to its merchant's risk page, for the
    current scores, their history and the inline on the merchant's page."""

    # The merchant's add page renders the inline's empty form too: a blank score, no
    # factors and no merchant yet, so nothing to explain or link to.
    @admin.display(description=_("Factor contributions"))
    def explanation(self, obj):
        if obj is None or obj.merchant_id is None:
            return "-"
        return render_to_string("reports/risk/_factors.html", {"score": obj})

    @admin.display(description=_("Risk page"))
    def risk_page(self, obj):
        if obj is None or obj.merchant_id is None:
            return "-"
        return _risk_link(obj.merchant_id)


def _risk_link(merchant_id):
    return format_html(
        '<a href="{}">{}</a>',
        reverse("reports:risk-merchant", args=[merchant_id]),
        _("Open the merchant's risk page"),
    )


@admin.register(RiskScore)
class RiskScoreAdmin(ScoreExplainedMixin, ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ["merchant", "score", "tier", "previous_tier", "computed_at"]
    list_filter = ["tier"]
    search_fields = ["merchant__legal_name", "merchant__credit_code"]
    list_select_related = ["merchant"]
    readonly_fields = ["explanation", "risk_page"]
    exclude = ["factors"]


@admin.register(RiskScoreHistory)
class RiskScoreHistoryAdmin(ScoreExplainedMixin, ReadOnlyAdminMixin, LargeTableAdmin):
    """Past scores, appended by the recompute when a score or tier changed."""

    list_display = ["merchant", "score", "tier", "policy_version", "computed_at"]
    list_filter = ["tier"]
    search_fields = ["merchant__legal_name", "merchant__credit_code"]
    list_select_related = ["merchant", "policy_version"]
    readonly_fields = ["explanation", "risk_page"]
    exclude = ["factors"]


@admin.register(ProbationEvaluation)
class ProbationEvaluationAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ["probation", "merchant", "mode", "recommended", "outcome", "created_at"]
    list_filter = ["mode", "outcome", "recommended"]
    search_fields = ["merchant__legal_name", "reason"]
    list_select_related = ["merchant", "probation"]
    # The review's reasons and figures as words in the reader's language, never as codes.
    fields = [
        "probation",
        "merchant",
        "mode",
        "recommended",
        "outcome",
        "reasons_text",
        "reason_text",
        "figures_text",
        "policy_version",
        "decided_by",
        "period_end",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("why"))
    def reasons_text(self, obj):
        return probation_reasons(obj.reasons or [])

    @admin.display(description=_("reason"))
    def reason_text(self, obj):
        return obj.reason_text

    @admin.display(description=_("figures used"))
    def figures_text(self, obj):
        figures = (obj.figures or {}).get("figures") or {}
        return (
            format_html_join(
                "",
                "<div>{}: {}</div>",
                labelled_figures(figures),
            )
            or "-"
        )


class RiskScoreInline(ScoreExplainedMixin, ReadOnlyAdminMixin, admin.StackedInline):
    """The merchant's current risk score, its explanation and a link to the risk page."""

    model = RiskScore
    can_delete = False
    fields = ["score", "tier", "computed_at", "explanation", "risk_page"]
    readonly_fields = fields
    verbose_name_plural = _("risk score")


_merchant_admin = admin.site._registry.get(Merchant)
if _merchant_admin is not None and RiskScoreInline not in type(_merchant_admin).inlines:
    type(_merchant_admin).inlines = [*type(_merchant_admin).inlines, RiskScoreInline]


# --- snapshots -----------------------------------------------------------------------------
@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "year", "quarter", "trigger", "state", "progress", "as_of", "checksum"]
    list_filter = ["state", "trigger", "year", "quarter"]
    readonly_fields = [f.name for f in Snapshot._meta.fields]
    inlines = [DecisionsInline]


@admin.register(QuarterlyReport)
class QuarterlyReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "snapshot", "published_at", "published_by"]
    list_filter = ["status", "year", "quarter"]
    readonly_fields = [f.name for f in QuarterlyReport._meta.fields]
    inlines = [DecisionsInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Findings are recorded by assessors and answered on the staff findings page."""

    list_display = ["title", "commitment", "status", "recorded_at"]
    list_filter = ["status"]
    search_fields = ["title", "commitment"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("reports.view_finding")

"""Staff admin for plans, inspections, switching states and objections. Records of what
was decided are read-only here; actions call the services."""

from decimal import Decimal, InvalidOperation

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.admin import DecisionsInline, LargeTableAdmin, ReadOnlyAdminMixin
from inspections import reason_texts as reasons
from inspections import services
from inspections.models import (
    CustodyEvent,
    DefectClass,
    Inspection,
    InspectionPlan,
    Lab,
    LabMember,
    Objection,
    Sample,
    SampleResult,
    SwitchingRecord,
)


def _report(modeladmin, request, exc: ValidationError):
    for message in exc.messages:
        modeladmin.message_user(request, message, messages.ERROR)


@admin.register(InspectionPlan)
class InspectionPlanAdmin(LargeTableAdmin):
    list_display = ["due_by", "kind", "merchant", "category", "product", "status", "period"]
    list_filter = ["kind", "status", "tightened"]
    search_fields = ["merchant__legal_name", "period", "source"]
    date_hierarchy = "due_by"
    list_select_related = ["merchant", "category", "product"]
    raw_id_fields = ["merchant", "category", "product"]
    readonly_fields = ["status", "reason_words", "retest_of", "created_by", "created_at"]
    fields = [
        "kind",
        "merchant",
        "category",
        "product",
        "due_by",
        "tightened",
        "reason",
        "period",
        "source",
        *readonly_fields,
    ]
    inlines = [DecisionsInline]
    actions = ["cancel"]

    @admin.display(description=_("why planned"))
    def reason_words(self, obj):
        """The reason in the reader's language (the system's are codes)."""
        return obj.reason_text if obj is not None else ""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        plan = services.create_plan(
            kind=data["kind"],
            merchant=data["merchant"],
            category=data.get("category"),
            product=data.get("product"),
            due_by=data["due_by"],
            tightened=data.get("tightened", False),
            reason=data.get("reason", ""),
            period=data.get("period", ""),
            source=data.get("source", ""),
            by=request.user,
        )
        obj.pk = plan.pk

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "period" in form.base_fields:
            form.base_fields["period"].required = False
        return form

    @admin.action(description=_("Cancel the selected plans"))
    def cancel(self, request, queryset):
        done = 0
        for plan in queryset.filter(status=InspectionPlan.Status.DUE):
            try:
                services.cancel_plan(
                    plan=plan, by=request.user, reason_code=reasons.CANCELLED_BY_STAFF
                )
                done += 1
            except ValidationError as exc:
                _report(self, request, exc)
        self.message_user(request, _("%(n)d plans cancelled.") % {"n": done})


class SampleResultInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SampleResult
    fields = ["sample_number", "requirement", "passed", "value", "unit", "recorded_by"]
    readonly_fields = fields
    extra = 0
    # Only the nonconforming results: a full lot is hundreds of rows (the grid shows all).
    verbose_name_plural = _("nonconforming results")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(passed=False).select_related("requirement")


def _number(value) -> str:
    """A stored decimal as people write it: 1.5000 -> 1.5."""
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except (InvalidOperation, ValueError):
        return str(value)


def _cells(*values):
    return format_html_join("", "<td>{}</td>", ((value,) for value in values))


def _by_class(data, headers, cells):
    """A small table of a per-defect-class JSON (plans, verdict): one row per class, in the
    order critical, major, minor, labelled; `cells(row)` gives the columns after the class."""
    data = data or {}
    order = list(DefectClass.values)
    rows = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (
                format_html_join(
                    "", "<td>{}</td>", ((c,) for c in (DefectClass(name).label, *cells(row)))
                ),
            )
            for name, row in sorted(data.items(), key=lambda item: order.index(item[0]))
            if name in order
        ),
    )
    if not rows:
        return "-"
    head = format_html_join("", "<th>{}</th>", ((h,) for h in (_("Class"), *headers)))
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, rows)


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = [
        "id",
        "created_at",
        "product",
        "merchant",
        "batch",
        "lot_size",
        "severity",
        "status",
        "decided_by_class",
    ]
    list_filter = ["status", "severity", "decided_by_class"]
    search_fields = ["=id", "batch", "product__title", "merchant__legal_name"]
    date_hierarchy = "created_at"
    list_select_related = ["product", "merchant"]
    readonly_fields = [
        "plan",
        "product",
        "merchant",
        "category",
        "lot_size",
        "batch",
        "standard_version",
        "severity",
        "level",
        "sampling_policy",
        "sampling_plans_table",
        "sample_size",
        "inspector",
        "lab",
        "attachments",
        "status",
        "verdict_table",
        "decided_by_class",
        "decided_by",
        "decided_at",
        "overturned_by",
        "grid",
    ]
    fields = readonly_fields
    inlines = [SampleResultInline, DecisionsInline]

    @admin.display(description=_("sampling plans"))
    def sampling_plans_table(self, obj):
        """Each defect class's plan (ISO 2859-1) as a small table with labels, as the result
        grid shows it, never as the stored JSON."""
        return _by_class(
            obj.sampling_plans,
            (
                _("AQL"),
                _("Code letter"),
                _("items to draw"),
                _("acceptance number"),
                _("rejection number"),
            ),
            lambda plan: (
                _number(plan.get("aql", "")),
                plan.get("code_letter", ""),
                f"{plan.get('sample_size', '')}"
                + (" " + str(_("(full inspection)")) if plan.get("full_inspection") else ""),
                plan.get("accept", ""),
                plan.get("reject", ""),
            ),
        )

    @admin.display(description=_("verdict by class"))
    def verdict_table(self, obj):
        """How each defect class decided the lot, in words, never as the stored JSON."""
        return _by_class(
            obj.verdict_detail,
            (
                _("items to draw"),
                _("nonconforming results"),
                _("acceptance number"),
                _("rejection number"),
                pgettext_lazy("lot verdict", "Verdict"),
            ),
            lambda row: (
                row.get("sample_size", ""),
                row.get("nonconforming", ""),
                row.get("accept", ""),
                row.get("reject", ""),
                pgettext_lazy("lot verdict", "Accepted")
                if row.get("accepted")
                else pgettext_lazy("lot verdict", "Rejected"),
            ),
        )

    @admin.display(description=_("result grid"))
    def grid(self, obj):
        url = reverse("inspections:staff-record", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the result grid"))


@admin.register(SwitchingRecord)
class SwitchingRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "merchant",
        "category",
        "severity",
        "lots",
        "switching_score",
        "consecutive_accepted",
        "rejected_on_tightened",
        "updated_at",
    ]
    list_filter = ["severity"]
    search_fields = ["merchant__legal_name"]
    list_select_related = ["merchant", "category"]
    readonly_fields = [*list_display, "recent_normal", "history"]
    fields = readonly_fields
    inlines = [DecisionsInline]
    actions = ["accept_corrective_action"]

    def has_change_permission(self, request, obj=None):
        # Read-only detail page; the list keeps the action available to change-permitted staff.
        return obj is None and request.user.has_perm("inspections.change_switchingrecord")

    @admin.action(description=_("Accept the corrective action (resume on tightened, lift)"))
    def accept_corrective_action(self, request, queryset):
        done = 0
        for record in queryset:
            try:
                services.accept_corrective_action(
                    record=record, by=request.user, note_code=reasons.ACCEPTED_IN_ADMIN
                )
                done += 1
            except ValidationError as exc:
                _report(self, request, exc)
        self.message_user(request, _("%(n)d merchants resume inspection.") % {"n": done})


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["submitted_at", "inspection", "merchant", "status", "retest_plan"]
    list_filter = ["status"]
    search_fields = ["merchant__legal_name", "reason"]
    list_select_related = ["inspection", "merchant", "retest_plan"]
    readonly_fields = [
        "inspection",
        "merchant",
        "reason",
        "status",
        "retest_plan",
        "submitted_by",
        "submitted_at",
        "decided_at",
        "decision_text",
    ]
    fields = readonly_fields
    inlines = [DecisionsInline]

    @admin.display(description=_("decision"))
    def decision_text(self, obj):
        return obj.decision_text


# --- labs and samples ------------------------------------------------------------------------
class LabMemberInline(admin.TabularInline):
    model = LabMember
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    """Labs and their accreditation; documents are attached on the staff lab page (the
    validated upload path). Suspension goes through the service (a decision is recorded)."""

    list_display = ["name", "cnas_number", "cma_number", "valid_until", "status"]
    list_filter = ["status"]
    search_fields = ["name", "cnas_number", "cma_number"]
    filter_horizontal = ["scope_categories"]
    readonly_fields = ["status", "status_reason_words", "created_at"]
    exclude = ["documents"]
    inlines = [LabMemberInline, DecisionsInline]
    actions = ["suspend"]

    @admin.display(description=_("status reason"))
    def status_reason_words(self, obj):
        """The reason in the reader's language (the system's are codes)."""
        return obj.status_reason_text if obj is not None else ""

    @admin.action(description=_("Suspend the selected labs"))
    def suspend(self, request, queryset):
        from inspections import labs

        for lab in queryset:
            try:
                labs.suspend_lab(lab=lab, reason_code=reasons.SUSPENDED_IN_ADMIN, by=request.user)
            except ValidationError as exc:
                _report(self, request, exc)

    def save_formset(self, request, form, formset, change):
        """Users added to a lab get the lab role."""
        super().save_formset(request, form, formset, change)
        if formset.model is LabMember:
            from django.contrib.auth.models import Group

            group = Group.objects.get_or_create(name="lab")[0]
            group.user_set.add(
                *LabMember.objects.filter(lab=form.instance).values_list("user", flat=True)
            )


class CustodyInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CustodyEvent
    fields = ["kind", "at", "by", "note_text"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("note"))
    def note_text(self, obj):
        return obj.note_text


@admin.register(Sample)
class SampleAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    """Samples are created and moved through the lab pages and API (custody is evidence)."""

    list_display = ["code", "inspection", "lab", "status", "created_at"]
    list_filter = ["status", "lab"]
    search_fields = ["code", "seal_number"]
    list_select_related = ["inspection", "lab"]
    inlines = [CustodyInline, DecisionsInline]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("inspections.view_sample")

"""Admin for merchants and onboarding. Actions call services; history is shown inline."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import DecisionsInline, LargeTableAdmin
from core.admin import run_per_row as _run
from merchants import services
from merchants.models import (
    AgreementAcceptance,
    AgreementVersion,
    Application,
    CategoryDocumentRule,
    Document,
    Membership,
    Merchant,
    Probation,
    Restriction,
    TrainingAttendance,
    TrainingMaterial,
    TrainingSession,
)
from merchants.services.training import record_attendance


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


def _with_reason(modeladmin, request, queryset, title, call, done_message):
    """An intermediate page asking for the reason, then the service call."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            _run(modeladmin, request, queryset, lambda obj: call(obj, reason), done_message)
            return None
    else:
        form = ReasonForm()
    return render(
        request,
        "merchants/admin/reason_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
        },
    )


class MembershipInlineForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "role"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user is not None and user.pk != self.instance.user_id:
            services.ensure_may_join_merchant(user)
        return user


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipInlineForm
    extra = 0
    autocomplete_fields = ["user"]


class RestrictionInline(admin.TabularInline):
    model = Restriction
    fk_name = "merchant"
    extra = 0
    fields = ["kind", "reason", "category", "detail_text", "starts_at", "ends_at", "lifted_at"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("detail"))
    def detail_text(self, obj):
        return obj.detail_text

    def has_add_permission(self, request, obj=None):
        return False


class MerchantAdminForm(forms.ModelForm):
    class Meta:
        model = Merchant
        fields = [
            "legal_name",
            "credit_code",
            "contact_name",
            "contact_email",
            "contact_phone",
            "categories",
        ]

    def clean_categories(self):
        """A live merchant's new category needs its approved test report (else: a category
        request), the same requirement as the portal's and the API's."""
        categories = self.cleaned_data["categories"]
        if self.instance.pk is not None:
            try:
                services.refuse_categories_without_report(self.instance, list(categories))
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        return categories


@admin.register(Merchant)
class MerchantAdmin(LargeTableAdmin):
    form = MerchantAdminForm
    list_display = ["legal_name", "credit_code", "status", "went_live_at", "probation_ends_at"]
    list_filter = ["status", "categories"]
    search_fields = ["legal_name", "credit_code", "contact_email"]
    filter_horizontal = ["categories"]
    readonly_fields = [
        "status",
        "went_live_at",
        "probation_ends_at",
        "created_at",
        "requirements",
        "standing_links",
    ]
    inlines = [MembershipInline, RestrictionInline, DecisionsInline]

    @admin.display(description=_("Standing"))
    def standing_links(self, obj):
        """Links to the standing page and to recording a violation against this merchant."""
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?merchant={}">{}</a>',
            reverse("merchants:staff-standing", args=[obj.pk]),
            _("Points, sanctions and appeals"),
            reverse("admin:merchants_violationentry_add"),
            obj.pk,
            _("Record a violation"),
        )

    @admin.display(description=_("Requirements"))
    def requirements(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return render_to_string(
            "merchants/portal/_requirements.html",
            {"requirements": services.requirements_for(obj)},
        )


@admin.register(Restriction)
class RestrictionAdmin(LargeTableAdmin):
    list_display = ["merchant", "kind", "reason", "category", "starts_at", "ends_at", "lifted_at"]
    list_filter = ["kind", "reason", ("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["merchant__legal_name", "merchant__credit_code", "detail"]
    list_select_related = ["merchant", "category"]
    readonly_fields = [
        "merchant",
        "category",
        "kind",
        "reason",
        "detail_text",
        "source",
        "starts_at",
        "ends_at",
        "lifted_at",
        "lifted_by",
        "created_by",
    ]
    # The detail is shown in the reader's language (`detail_text`), never as the code and
    # parameters the system stored.
    exclude = ["detail", "reason_code", "reason_params"]
    inlines = [DecisionsInline]

    @admin.display(description=_("detail"))
    def detail_text(self, obj):
        return obj.detail_text

    def has_add_permission(self, request):
        return False


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fields = ["document_type", "category", "number", "expires_on", "status", "reason_code"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(LargeTableAdmin):
    list_display = ["merchant", "status", "submitted_at", "decided_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["merchant__legal_name", "merchant__credit_code"]
    list_select_related = ["merchant"]
    readonly_fields = ["merchant", "status", "submitted_at", "decided_at", "created_by"]
    ordering = ["submitted_at"]
    inlines = [DecisionsInline]
    actions = ["start_review", "approve", "request_changes", "reject"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Start review"))
    def start_review(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a: services.start_review(application=a, actor=request.user),
            _("%(n)d applications under review."),
        )

    @admin.action(description=_("Approve (merchant goes live on probation)"))
    def approve(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a: services.approve_application(application=a, actor=request.user),
            _("%(n)d applications approved."),
        )

    @admin.action(description=_("Ask for changes…"))
    def request_changes(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset,
            _("Ask for changes"),
            lambda a, reason: services.request_changes(
                application=a, actor=request.user, reason=reason
            ),
            _("%(n)d applications sent back for changes."),
        )

    @admin.action(description=_("Reject…"))
    def reject(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset,
            _("Reject applications"),
            lambda a, reason: services.reject_application(
                application=a, actor=request.user, reason=reason
            ),
            _("%(n)d applications rejected."),
        )


@admin.register(Document)
class DocumentAdmin(LargeTableAdmin):
    list_display = [
        "merchant",
        "document_type",
        "category",
        "number",
        "issued_on",
        "expires_on",
        "status",
        "reason_code",
        "verified_at",
    ]
    list_filter = ["status", "document_type", "reason_code", "expires_on"]
    search_fields = ["merchant__legal_name", "number", "issuer"]
    list_select_related = ["merchant", "category"]
    date_hierarchy = "expires_on"
    readonly_fields = [
        "merchant",
        "document_type",
        "category",
        "number",
        "issuer",
        "issued_on",
        "expires_on",
        "file",
        "status",
        "reason_code",
        "review_note",
        "reviewed_by",
        "reviewed_at",
        "verified_at",
        "uploaded_by",
    ]
    inlines = [DecisionsInline]
    actions = ["accept", "reject_illegible", "reject_expired", "reject_name_mismatch", "reverify"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Accept"))
    def accept(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda d: services.review_document(document=d, actor=request.user, verdict="accepted"),
            _("%(n)d documents accepted."),
        )

    def _reject(self, request, queryset, code):
        _run(
            self,
            request,
            queryset,
            lambda d: services.review_document(
                document=d, actor=request.user, verdict="rejected", reason_code=code
            ),
            _("%(n)d documents rejected."),
        )

    @admin.action(description=_("Reject: illegible"))
    def reject_illegible(self, request, queryset):
        self._reject(request, queryset, Document.Reason.ILLEGIBLE)

    @admin.action(description=_("Reject: expired"))
    def reject_expired(self, request, queryset):
        self._reject(request, queryset, Document.Reason.EXPIRED)

    @admin.action(description=_("Reject: name does not match"))
    def reject_name_mismatch(self, request, queryset):
        self._reject(request, queryset, Document.Reason.NAME_MISMATCH)

    @admin.action(description=_("Licence re-verified with the official register"))
    def reverify(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda d: services.reverify_licence(document=d, actor=request.user),
            _("%(n)d licences re-verified."),
        )


@admin.register(CategoryDocumentRule)
class CategoryDocumentRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "document_type", "note"]
    list_filter = ["document_type"]
    search_fields = ["category__code", "category__name_zh", "category__name_en"]
    autocomplete_fields = ["category"]


class AcceptanceInline(admin.TabularInline):
    model = AgreementAcceptance
    extra = 0
    fields = ["merchant", "user", "accepted_at", "ip_address"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AgreementVersion)
class AgreementVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "title_zh", "title_en", "published_at", "accept_by"]
    readonly_fields = ["published_at", "accept_by", "created_by"]
    inlines = [AcceptanceInline, DecisionsInline]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            return [f.name for f in self.model._meta.fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.published_at is None

    @admin.action(description=_("Publish (live merchants must accept within the grace period)"))
    def publish(self, request, queryset):
        _run(
            self,
            request,
            queryset.order_by("version"),
            lambda v: services.publish_agreement(version=v, actor=request.user),
            _("%(n)d versions published."),
        )


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(LargeTableAdmin):
    list_display = ["merchant", "version", "user", "accepted_at", "ip_address"]
    list_filter = ["version"]
    search_fields = ["merchant__legal_name", "user__username"]
    readonly_fields = ["merchant", "version", "user", "accepted_at", "ip_address"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttendanceInline(admin.TabularInline):
    model = TrainingAttendance
    extra = 0
    fields = ["merchant", "attendee", "completed_at", "recorded_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SessionMaterialInline(admin.TabularInline):
    """Material handed out after the event (files are added on the material's own page,
    through the validated upload path)."""

    model = TrainingMaterial
    fk_name = "session"
    extra = 0
    fields = ["order", "title", "url", "text", "file"]
    readonly_fields = ["file"]
    show_change_link = True


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "starts_at", "location", "capacity", "is_onboarding"]
    list_filter = ["kind", "is_onboarding", "for_staff"]
    search_fields = ["title"]
    inlines = [AttendanceInline, SessionMaterialInline]


@admin.register(TrainingAttendance)
class TrainingAttendanceAdmin(admin.ModelAdmin):
    list_display = ["session", "merchant", "attendee", "completed_at", "recorded_by"]
    list_filter = [("completed_at", admin.EmptyFieldListFilter), "session"]
    search_fields = ["merchant__legal_name"]
    readonly_fields = ["session", "merchant", "attendee", "completed_at", "recorded_by"]
    actions = ["mark_completed"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Record as completed"))
    def mark_completed(self, request, queryset):
        _run(
            self,
            request,
            queryset.select_related("session", "merchant"),
            lambda a: (
                services.record_training_completed(
                    session=a.session, merchant=a.merchant, actor=request.user, attendee=a.attendee
                )
                if a.merchant_id
                else record_attendance(session=a.session, attendance_ids=[a.pk], actor=request.user)
            ),
            _("%(n)d attendances completed."),
        )


@admin.register(Probation)
class ProbationAdmin(LargeTableAdmin):
    list_display = [
        "merchant",
        "status",
        "starts_at",
        "ends_at",
        "first_spot_check_due_at",
        "extensions",
    ]
    list_filter = ["status"]
    search_fields = ["merchant__legal_name"]
    list_select_related = ["merchant"]
    readonly_fields = [
        "merchant",
        "status",
        "starts_at",
        "ends_at",
        "first_spot_check_due_at",
        "extensions",
        "policy_version",
        "decided_at",
        "decision_text",
    ]
    fields = readonly_fields
    inlines = [DecisionsInline]
    actions = ["pass_probation", "extend_probation", "terminate_probation"]

    @admin.display(description=_("reason"))
    def decision_text(self, obj):
        return obj.decision_text

    def has_add_permission(self, request):
        return False

    def _decide(self, request, queryset, outcome, title, done):
        return _with_reason(
            self,
            request,
            queryset,
            title,
            lambda p, reason: services.decide_probation(
                probation=p, outcome=outcome, reason=reason, actor=request.user
            ),
            done,
        )

    @admin.action(description=_("Pass probation…"))
    def pass_probation(self, request, queryset):
        return self._decide(
            request, queryset, "pass", _("Pass probation"), _("%(n)d probations passed.")
        )

    @admin.action(description=_("Extend probation…"))
    def extend_probation(self, request, queryset):
        return self._decide(
            request, queryset, "extend", _("Extend probation"), _("%(n)d probations extended.")
        )

    @admin.action(description=_("Terminate…"))
    def terminate_probation(self, request, queryset):
        return self._decide(
            request,
            queryset,
            "terminate",
            _("Terminate after probation"),
            _("%(n)d merchants terminated."),
        )

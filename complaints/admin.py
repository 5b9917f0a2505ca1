from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import services
from complaints.models import (
    BusinessCalendar,
    BuyerNotice,
    CalendarDay,
    Case,
    CaseMessage,
    CasePause,
    QualityNotice,
    Recovery,
    Remedy,
    SLABreach,
    SLAPolicy,
)
from complaints.services import remedies as remedy_services
from core.admin import DecisionsInline, LargeTableAdmin, ReadOnlyAdminMixin, run_per_row
from core.exceptions import DomainError
from core.web import add_service_errors


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "created_at"]
    search_fields = ["name"]
    inlines = [CalendarDayInline]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    """New versions are published through the service; a version a case has pinned is
    read-only, so the rules a case started with stay what they were."""

    list_display = [
        "kind",
        "priority",
        "version",
        "first_response_hours",
        "resolution_hours",
        "merchant_answer_hours",
        "calendar_kind",
        "effective_from",
    ]
    list_filter = ["kind", "priority", "calendar_kind"]
    fields = [
        "kind",
        "priority",
        "first_response_hours",
        "resolution_hours",
        "merchant_answer_hours",
        "at_risk_percent",
        "calendar_kind",
        "business_calendar",
        "effective_from",
        "note",
    ]
    inlines = [DecisionsInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_used:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "priority"] if obj else []

    def get_changeform_initial_data(self, request):
        return {"effective_from": timezone.now(), **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        published = services.publish_policy(
            **{name: data[name] for name in self.fields if name in data}, by=request.user
        )
        obj.pk = published.pk


class CaseMessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseMessage
    fields = ["created_at", "author_kind", "author", "internal", "text"]
    readonly_fields = fields
    extra = 0


class CasePauseInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CasePause
    fields = ["started_at", "ended_at", "paused_seconds", "reason", "started_by"]
    readonly_fields = fields
    extra = 0


INTAKE_FIELDS = [
    "kind",
    "channel",
    "priority",
    "consumer_name",
    "consumer_email",
    "consumer_phone",
    "merchant",
    "product",
    "order_number",
    "delivered_at",
    "complaint_type",
    "desired_remedy",
    "advertised_claim",
    "claim_seen_at",
    "description",
]


class IntakeForm(forms.ModelForm):
    """Staff record a phone call or an email. clean() only asks the intake service whether
    it would accept the filing (its refusals show next to their fields); the case is opened
    by CaseAdmin.save_model through the same service every other channel uses."""

    received_at = forms.SplitDateTimeField(
        label=_("received at"),
        widget=widgets.AdminSplitDateTime,
        help_text=_("When the consumer called or wrote; the SLA clocks start then."),
    )

    class Meta:
        model = Case
        fields = INTAKE_FIELDS

    def _post_clean(self):
        # The model's own validation would ask for the fields the service fills in.
        pass

    def filing(self) -> dict:
        data = self.cleaned_data
        return {
            **{name: data[name] for name in INTAKE_FIELDS if data.get(name) is not None},
            "received_at": data.get("received_at"),
        }

    def clean(self):
        data = super().clean()
        try:
            services.check_filing(**self.filing())
        except DomainError as exc:
            add_service_errors(self, exc)
        return data


@admin.register(Case)
class CaseAdmin(LargeTableAdmin):
    """Cases change only through the services (actions here, staff pages): the admin shows
    the whole record, its clocks and its history, and records phone and email cases."""

    list_display = [
        "reference",
        "kind",
        "status",
        "priority",
        "merchant",
        "assignee",
        "response_due_at",
        "resolution_due_at",
        "escalated",
    ]
    # No date_hierarchy: its year links are a DISTINCT over the whole table on every
    # visit. The filed-date filter gives the same narrowing without reading the table.
    list_filter = ["status", "kind", "priority", "escalated", "channel", "created_at"]
    search_fields = ["reference", "order_number", "consumer_email", "consumer_phone"]
    list_select_related = ["merchant", "assignee"]
    raw_id_fields = ["merchant", "product", "assignee", "policy", "created_by"]
    exclude = ["tracking_token_hash"]
    inlines = [CaseMessageInline, CasePauseInline, DecisionsInline]
    actions = ["assign_least_load", "assign_round_robin"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, form=IntakeForm, **kwargs)
        form.user = request.user
        return form

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": [*INTAKE_FIELDS, "received_at"]})]
        return super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_changeform_initial_data(self, request):
        return {
            "channel": Case.Channel.PHONE,
            "received_at": timezone.now(),
            **super().get_changeform_initial_data(request),
        }

    def save_model(self, request, obj, form, change):
        # The one intake (as the web, the mailbox and the API): checks again, opens the case,
        # records the decision and mails the consumer their link after commit.
        case = services.file_case(
            **form.filing(),
            by=request.user,
            auto_assign="least_load" if services.has_agents() else None,
        )
        obj.pk, obj.reference = case.pk, case.reference

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def has_delete_permission(self, request, obj=None):
        return False

    def _assign(self, request, queryset, strategy):
        # One set-based service call for the whole selection (a decision per case).
        ids = list(queryset.filter(status=Case.Status.NEW).values_list("pk", flat=True))
        if not ids:
            self.message_user(request, _("None of the selected cases is new."), messages.WARNING)
            return
        try:
            done = services.bulk_assign(case_ids=ids, strategy=strategy, by=request.user)
        except DomainError as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            return
        self.message_user(request, _("%(n)d cases assigned.") % {"n": done})

    @admin.action(description=_("Assign new cases (least load)"))
    def assign_least_load(self, request, queryset):
        self._assign(request, queryset, "least_load")

    @admin.action(description=_("Assign new cases (round robin)"))
    def assign_round_robin(self, request, queryset):
        self._assign(request, queryset, "round_robin")


@admin.register(Remedy)
class RemedyAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    """Remedies are granted and moved on the case and incident pages, the portal and the
    API (complaints.services.remedies); here staff find and read them, and let the platform
    pay first."""

    list_display = [
        "id",
        "kind",
        "amount",
        "currency",
        "payer",
        "status",
        "due_at",
        "merchant",
        "case",
        "incident",
        "platform_paid_first",
    ]
    list_filter = ["status", "kind", "payer", "platform_paid_first", "platform_reason", "due_at"]
    search_fields = ["case__reference", "incident__reference", "proof_reference"]
    list_select_related = ["merchant", "case", "incident"]
    raw_id_fields = ["case", "incident", "purchase", "merchant", "proof", "granted_by"]
    inlines = [DecisionsInline]
    actions = ["platform_pays"]

    @admin.action(description=_("The platform pays first (the merchant did not pay)"))
    def platform_pays(self, request, queryset):
        run_per_row(
            self,
            request,
            queryset.filter(status=Remedy.Status.PROMISED, payer=Remedy.Payer.MERCHANT),
            lambda remedy: remedy_services.platform_pays_first(remedy=remedy, by=request.user),
            _("%(n)d remedies taken over by the platform."),
        )


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ["id", "merchant", "amount", "currency", "reason", "status", "opened_at"]
    list_filter = ["status", "reason", "opened_at"]
    search_fields = ["merchant__legal_name", "settlement_reference"]
    list_select_related = ["merchant"]
    raw_id_fields = ["remedy", "merchant", "settled_by"]
    inlines = [DecisionsInline]


@admin.register(SLABreach)
class SLABreachAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    """The lasting breach facts (written by the sweep and by complaints.services.clocks
    when a clock stops late between sweeps): staff read them, nobody edits them."""

    list_display = ["case_reference", "target_label", "cycle", "breached_at", "created_at"]
    list_filter = ["target", "breached_at"]
    search_fields = ["case__reference"]
    list_select_related = ["case"]
    date_hierarchy = "breached_at"

    @admin.display(description=_("case"), ordering="case__reference")
    def case_reference(self, obj):
        return obj.case.reference

    @admin.display(description=_("target"), ordering="target")
    def target_label(self, obj):
        return obj.get_target_display()


# --- buyer notices and public quality notices of incidents ------------------------------------


@admin.register(BuyerNotice)
class BuyerNoticeAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    """Delivery state of each buyer notice; failed ones can be queued again."""

    list_display = [
        "incident",
        "purchase",
        "status",
        "language",
        "attempts",
        "sent_at",
        "created_at",
    ]
    list_filter = ["status", "language", "incident"]
    search_fields = ["incident__reference", "purchase__order_number"]
    date_hierarchy = "created_at"
    list_select_related = ["incident", "purchase"]
    readonly_fields = ["last_error"]
    actions = ["retry"]

    @admin.action(description=_("Queue the failed notices again"))
    def retry(self, request, queryset):
        from complaints.services.buyer_notices import retry_failed

        count = retry_failed(notice_ids=queryset.values_list("pk", flat=True), by=request.user)
        self.message_user(request, _("%(count)d notices queued again.") % {"count": count})


@admin.register(QualityNotice)
class QualityNoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Texts are drafted on the incident's notices page; a Quality Manager approves here or
    there (the same service)."""

    list_display = ["incident", "title_zh_hans", "title_en", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["incident__reference", "title_zh_hans", "title_en"]
    list_select_related = ["incident"]
    inlines = [DecisionsInline]
    actions = ["approve"]

    @admin.action(description=_("Approve and publish the selected notices"))
    def approve(self, request, queryset):
        from complaints.services.quality_notices import approve_and_publish

        run_per_row(
            self,
            request,
            queryset.select_related("incident"),
            lambda notice: approve_and_publish(notice=notice, by=request.user),
            _("%(n)d quality notices published."),
        )


from complaints import admin_incidents  # noqa: E402, F401 (registers QualityIncidentAdmin)

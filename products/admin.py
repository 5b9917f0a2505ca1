"""Staff admin: the claim list, standards with versions, products. Every write goes
through the products services; published versions are read-only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import CategoryAdmin, LargeTableAdmin, decision_rows
from core.exceptions import DomainError
from core.models import Category
from products import reason_texts, services
from products.models import (
    ClaimFlag,
    ClaimPhrase,
    ClaimTerm,
    Lot,
    Product,
    QualityStandard,
    Requirement,
    ScanRun,
    StandardVersion,
    Supplier,
)


@admin.display(description=_("decisions"))
def decision_history(obj):
    """The object's workflow decisions, newest last (who, when, from, to, why)."""
    if obj is None or obj.pk is None:
        return "-"
    rows = [
        (when, action, f"{from_label} → {to_label}", by, reason)
        for when, action, from_label, to_label, by, reason in decision_rows(obj)
    ]
    if not rows:
        return "-"
    return format_html(
        "<table>{}</table>",
        format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
        ),
    )


def _report(modeladmin, request, exc: ValidationError):
    for message in exc.messages:
        modeladmin.message_user(request, message, messages.ERROR)


# --- categories (the model lives in the kernel; products owns its editing) ---------------
admin.site.unregister(Category)


@admin.register(Category)
class ProductsCategoryAdmin(CategoryAdmin):
    readonly_fields = [decision_history]
    actions = ["activate", "deactivate", "exclude_from_returns", "include_in_returns"]

    @admin.action(description=_("Open selected categories for new listings"))
    def activate(self, request, queryset):
        n = services.set_categories_active(queryset=queryset, active=True, by=request.user)
        self.message_user(request, _("%(n)d categories opened.") % {"n": n})

    @admin.action(description=_("Close selected categories for new listings"))
    def deactivate(self, request, queryset):
        n = services.set_categories_active(queryset=queryset, active=False, by=request.user)
        self.message_user(request, _("%(n)d categories closed.") % {"n": n})

    @admin.action(description=_("Exclude from the 7-day no-reason return"))
    def exclude_from_returns(self, request, queryset):
        n = services.set_return_exclusion(queryset=queryset, excluded=True, by=request.user)
        self.message_user(request, _("%(n)d categories changed.") % {"n": n})

    @admin.action(description=_("Include in the 7-day no-reason return"))
    def include_in_returns(self, request, queryset):
        n = services.set_return_exclusion(queryset=queryset, excluded=False, by=request.user)
        self.message_user(request, _("%(n)d categories changed.") % {"n": n})


# --- claim list --------------------------------------------------------------------------
class ListEntryAdmin(admin.ModelAdmin):
    actions = ["activate", "deactivate"]
    list_filter = ["active"]

    def save_model(self, request, obj, form, change):
        self.save_service(obj, by=request.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.request_rescan(by=request.user, reason_code=reason_texts.LIST_ENTRY_DELETED)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.request_rescan(by=request.user, reason_code=reason_texts.LIST_ENTRIES_DELETED)

    @admin.action(description=_("Activate (and rescan all products)"))
    def activate(self, request, queryset):
        count = services.set_list_entries_active(queryset=queryset, active=True, by=request.user)
        self.message_user(request, _("%(n)d entries activated; rescan queued.") % {"n": count})

    @admin.action(description=_("Deactivate (and rescan all products)"))
    def deactivate(self, request, queryset):
        count = services.set_list_entries_active(queryset=queryset, active=False, by=request.user)
        self.message_user(request, _("%(n)d entries deactivated; rescan queued.") % {"n": count})


class ListEntryForm(forms.ModelForm):
    """Shows the service's checks (empty, duplicate) next to the field."""

    service = None

    def clean_text(self):
        from products.claims import validate_phrase

        try:
            return validate_phrase(self.cleaned_data["text"])
        except ValueError as exc:
            raise ValidationError(_("Enter the words to match.")) from exc


class ClaimTermForm(ListEntryForm):
    class Meta:
        model = ClaimTerm
        fields = ["text", "category", "explanation_zh", "explanation_en", "active"]


class ClaimPhraseForm(ListEntryForm):
    class Meta:
        model = ClaimPhrase
        fields = ["text", "kind", "note", "active"]


@admin.register(ClaimTerm)
class ClaimTermAdmin(ListEntryAdmin):
    form = ClaimTermForm
    list_display = ["text", "category", "active", "updated_at"]
    list_filter = ["active", "category"]
    search_fields = ["text", "explanation_zh", "explanation_en"]

    @staticmethod
    def save_service(obj, by):
        services.save_claim_term(term=obj, by=by)


@admin.register(ClaimPhrase)
class ClaimPhraseAdmin(ListEntryAdmin):
    form = ClaimPhraseForm
    list_display = ["text", "kind", "active", "note", "updated_at"]
    list_filter = ["active", "kind"]
    search_fields = ["text", "note"]

    @staticmethod
    def save_service(obj, by):
        services.save_claim_phrase(phrase=obj, by=by)


@admin.register(ClaimFlag)
class ClaimFlagAdmin(LargeTableAdmin):
    """Read-only record; decisions are taken in the review queue (/staff/claims/)."""

    list_display = [
        "created_at",
        "product",
        "field",
        "matched",
        "term_text",
        "category",
        "exemption_hint",
        "status",
        "decided_by",
    ]
    list_filter = ["status", "category", "exemption_hint", "field"]
    search_fields = ["term_text", "matched", "product__title", "product__sku"]
    list_select_related = ["product", "decided_by"]
    readonly_fields = [*(f.name for f in ClaimFlag._meta.fields), decision_history]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScanRun)
class ScanRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "status",
        "reason_text",
        "processed",
        "total",
        "flags_new",
        "flags_closed",
        "requested_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    # The reason is shown as words in the reader's language, never as a code.
    readonly_fields = [
        *(
            f.name
            for f in ScanRun._meta.fields
            if f.name not in ("reason", "reason_code", "reason_params")
        ),
        "reason_text",
    ]
    exclude = ["reason", "reason_code", "reason_params"]

    @admin.display(description=_("reason"))
    def reason_text(self, obj):
        return obj.reason_text

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        run = services.request_rescan(by=request.user, reason_code=reason_texts.REQUESTED_IN_ADMIN)
        obj.pk = run.pk

    def get_fields(self, request, obj=None):
        return [] if obj is None else super().get_fields(request, obj)


# --- standards ---------------------------------------------------------------------------
class RequirementForm(forms.ModelForm):
    class Meta:
        model = Requirement
        fields = [
            "position",
            "code",
            "description",
            "description_en",
            "kind",
            "unit",
            "min_value",
            "max_value",
            "test_method",
            "severity",
        ]

    def clean(self):
        data = super().clean()
        candidate = Requirement(**{k: v for k, v in data.items() if k in self.Meta.fields})
        try:
            services.standards.validate_requirement(candidate)
        except DomainError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data


class RequirementInline(admin.TabularInline):
    model = Requirement
    form = RequirementForm
    extra = 0

    def _editable(self, obj):
        return obj is None or obj.status == StandardVersion.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class StandardVersionInline(admin.TabularInline):
    model = StandardVersion
    fields = ["number", "status", "effective_from", "published_at", "published_by", "note"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QualityStandard)
class QualityStandardAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "category"]
    search_fields = ["code", "name_zh", "name_en"]
    autocomplete_fields = ["category"]
    inlines = [StandardVersionInline]
    actions = ["start_new_version"]

    def get_readonly_fields(self, request, obj=None):
        return ["category"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        created = services.create_standard(
            category=obj.category,
            code=obj.code,
            name_zh=obj.name_zh,
            name_en=obj.name_en,
            by=request.user,
        )
        obj.pk = created.pk

    @admin.action(description=_("Start a new draft version (copies the latest)"))
    def start_new_version(self, request, queryset):
        for standard in queryset:
            try:
                version = services.new_version(standard=standard, by=request.user)
            except DomainError as exc:
                _report(self, request, exc)
            else:
                self.message_user(request, _("%(v)s created.") % {"v": version})


class PublishForm(forms.ModelForm):
    publish = forms.BooleanField(
        label=_("Publish this version"),
        required=False,
        help_text=_("Once published, a version can no longer be changed."),
    )

    class Meta:
        model = StandardVersion
        fields = ["note", "effective_from"]


@admin.register(StandardVersion)
class StandardVersionAdmin(admin.ModelAdmin):
    form = PublishForm
    list_display = ["standard", "number", "status", "effective_from", "published_by"]
    list_filter = ["status", "standard"]
    inlines = [RequirementInline]

    def has_add_permission(self, request):
        return False  # versions start from the standard ("Start a new draft version")

    def has_delete_permission(self, request, obj=None):
        return obj is not None and obj.status == StandardVersion.Status.DRAFT

    def has_change_permission(self, request, obj=None):
        # A published version is shown read-only: it is the record inspections point to.
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [*self.PUBLISHED_FIELDS, decision_history]
        return ["standard", "number", "status", decision_history]

    PUBLISHED_FIELDS = ["standard", "number", "status", "note", "effective_from", "published_at"]
    DRAFT_FIELDS = ["standard", "number", "status", "note", "effective_from", "publish"]

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [*self.PUBLISHED_FIELDS, decision_history]
        return [
            "standard",
            "number",
            "status",
            "note",
            "effective_from",
            "publish",
            decision_history,
        ]

    def save_model(self, request, obj, form, change):
        services.update_draft(version=obj, note=form.cleaned_data.get("note", obj.note))

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            if formset.model is not Requirement:
                continue
            # The admin's change message reads these lists, which formset.save() would fill.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for inline in formset.forms:
                if inline in formset.deleted_forms:
                    if inline.instance.pk:
                        services.delete_requirement(requirement=inline.instance)
                        formset.deleted_objects.append(inline.instance)
                    continue
                if not inline.has_changed():
                    continue
                data = {
                    k: v for k, v in inline.cleaned_data.items() if k in RequirementForm.Meta.fields
                }
                existing = inline.instance if inline.instance.pk else None
                saved = services.save_requirement(
                    version=form.instance, requirement=existing, **data
                )
                if existing is None:
                    formset.new_objects.append(saved)
                else:
                    formset.changed_objects.append((saved, inline.changed_data))
        if form.cleaned_data.get("publish"):
            try:
                services.publish_version(
                    version=form.instance,
                    by=request.user,
                    effective_from=form.cleaned_data.get("effective_from"),
                )
            except DomainError as exc:
                _report(self, request, exc)
            else:
                self.message_user(request, _("Version published."))


# --- products ----------------------------------------------------------------------------
class ProductActionForm(helpers.ActionForm):
    """The action bar with a reason box for the status actions."""

    reason = forms.CharField(label=_("Reason"), required=False)


@admin.register(Product)
class ProductAdmin(LargeTableAdmin):
    list_display = ["title", "sku", "merchant", "category", "price", "status", "status_cause"]
    list_filter = ["status", "status_cause", "category"]
    search_fields = ["title", "sku", "merchant__legal_name"]
    list_select_related = ["merchant", "category"]
    date_hierarchy = "created_at"
    raw_id_fields = ["merchant", "images"]
    readonly_fields = [
        "merchant",
        "category",
        "sku",
        "title",
        "description",
        "price",
        "status",
        "status_cause",
        "status_reason_text",
        "status_evidence",
        "status_changed_by",
        "status_changed_at",
        decision_history,
    ]
    # The reason is shown as words in the reader's language, never as a code.
    exclude = ["images", "status_reason", "status_reason_code", "status_reason_params"]
    actions = ["rescan", "restrict", "delist", "relist"]
    action_form = ProductActionForm

    def has_add_permission(self, request):
        return False  # merchants list products in the portal or through the API

    @admin.display(description=_("status reason"))
    def status_reason_text(self, obj):
        return obj.status_reason_text

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Scan selected products for advertising claims"))
    def rescan(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[:10_000])
        result = services.scan_batch(ids)
        self.message_user(
            request,
            _("%(n)d products scanned, %(new)d new flags.") % {"n": len(ids), "new": result.new},
        )

    def _status_action(self, request, queryset, service, done_message):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(
                request,
                _("Give a reason in the “reason” box next to the action."),
                messages.ERROR,
            )
            return
        done = 0
        for product in queryset:
            try:
                service(product=product, by=request.user, reason=reason)
            except DomainError as exc:
                self.message_user(request, f"{product}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, done_message % {"n": done})

    @admin.action(description=_("Restrict selected listings (reason required)"))
    def restrict(self, request, queryset):
        self._status_action(
            request, queryset, services.restrict_listing, _("%(n)d listings restricted.")
        )

    @admin.action(description=_("Delist selected products (reason required)"))
    def delist(self, request, queryset):
        self._status_action(request, queryset, services.delist_listing, _("%(n)d delisted."))

    @admin.action(description=_("Relist selected products (reason required)"))
    def relist(self, request, queryset):
        self._status_action(request, queryset, services.relist, _("%(n)d relisted."))


# --- suppliers and lots ----------------------------------------------------------------------
@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    """Screening data is edited here; approval, rejection and suspension are decisions made
    on the staff supplier page (services, with reason codes)."""

    list_display = ["name", "licence_number", "licence_valid_until", "status", "reverify_by"]
    list_filter = ["status", "reason_code"]
    search_fields = ["name", "licence_number"]
    readonly_fields = ["status", "reason_code", "reverify_by", "created_at", "updated_at"]
    exclude = ["documents"]


@admin.register(Lot)
class LotAdmin(LargeTableAdmin):
    list_display = ["number", "product", "merchant", "supplier", "production_date", "quantity"]
    search_fields = ["number", "code"]
    list_select_related = ["product", "merchant", "supplier"]
    raw_id_fields = ["product", "merchant", "supplier"]
    readonly_fields = ["code", "created_at"]

    def has_add_permission(self, request):
        return False

"""Admin for merchant standing. Rules get new versions (never edited); entries, sanctions
and appeals are records whose changes go through the services."""

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import LargeTableAdmin, ReadOnlyAdminMixin, code_filter, decision_rows
from core.exceptions import DomainError
from merchants import services
from merchants.forms.standing import RecordViolationForm
from merchants.models import Appeal, Sanction, ViolationEntry, ViolationRule
from merchants.selectors import latest_rules


@admin.display(description=_("decisions"))
def decision_history(obj):
    """The object's decision records as a small table (who, when, from, to, why)."""
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
        decision_rows(obj),
    )
    return format_html("<table>{}</table>", rows) if rows else "-"


class HistoryMixin:
    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, decision_history] if obj is not None else fields


class ServiceForm(forms.ModelForm):
    """An add form whose clean() calls the service (inside the admin's transaction), so a
    refused input shows as a form error and nothing is stored; save_model only picks up
    what the service created."""

    user = None
    created = None

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.created = self.call_service(data)
            except DomainError as error:
                raise forms.ValidationError(error.messages) from error
        return data

    def call_service(self, data):
        raise NotImplementedError


class RuleVersionForm(ServiceForm):
    """A new version of a rule (or a new rule); the service numbers and closes versions."""

    class Meta:
        model = ViolationRule
        fields = ["code", "title_zh", "title_en", "points", "severity", "effective_from", "note"]

    def call_service(self, data):
        return services.publish_rule_version(
            code=data["code"],
            title_zh=data["title_zh"],
            title_en=data["title_en"],
            points=data["points"],
            severity=data["severity"],
            effective_from=data["effective_from"],
            note=data.get("note", ""),
            by=self.user,
        )


class ServiceAddAdmin(admin.ModelAdmin):
    """Rows are added through a ServiceForm and never edited or deleted here."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.user = request.user
        return form

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The row the service stored, so the admin log names it as it is (its rule too).
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(form.created, field.attname))

    def save_related(self, request, form, formsets, change):
        """The service saved everything already."""


def rule_titles():
    """(code, title) of every rule, by its latest version: a filter names rules by title."""
    return [(rule.code, rule.title) for rule in latest_rules()]


rule_filter = code_filter("code", _("rule"), rule_titles)
entry_rule_filter = code_filter("rule_code", _("rule"), rule_titles)


@admin.display(description=_("rule"), ordering="rule__title_en")
def rule_title(obj):
    return obj.rule.title


@admin.register(ViolationRule)
class ViolationRuleAdmin(HistoryMixin, ServiceAddAdmin):
    form = RuleVersionForm
    list_display = [
        "title_zh",
        "title_en",
        "points",
        "severity",
        "effective_from",
        "effective_until",
    ]
    list_filter = ["severity", rule_filter]
    search_fields = ["code", "title_zh", "title_en"]

    def get_list_display(self, request):
        return ["title_and_version", *super().get_list_display(request)]

    @admin.display(description=_("rule"), ordering="code")
    def title_and_version(self, obj):
        return obj.title_and_version

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # The rule is named by its titles, not its code.
        shown = [f for f in RuleVersionForm.Meta.fields if f != "code"]
        return [*shown, "version", "effective_until"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [f for f in fields if f != "code"] if obj is not None else fields

    def get_changeform_initial_data(self, request):
        """ "Add" with ?code=… starts from that rule's latest version."""
        initial = super().get_changeform_initial_data(request)
        latest = ViolationRule.objects.filter(code=initial.get("code", "")).first()
        if latest is not None:
            for field in ("title_zh", "title_en", "points", "severity"):
                initial[field] = getattr(latest, field)
        return initial


class RecordViolationAdminForm(RecordViolationForm, forms.ModelForm):
    """The admin's add form for the ledger: the staff page's form plus the merchant; its
    clean() calls record_violation_by_hand inside the admin's transaction."""

    user = None
    created = None

    class Meta:
        model = ViolationEntry
        fields = ["merchant"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.created = services.record_violation_by_hand(
                merchant=data["merchant"],
                rule_code=data["rule_code"],
                by=self.user,
                note=data["note"],
                evidence=self.evidence(),
                evidence_file=data.get("evidence_file"),
                occurred_at=data.get("occurred_at"),
            )
        except DomainError as error:
            self.add_service_error(error)
        return data


@admin.register(ViolationEntry)
class ViolationEntryAdmin(HistoryMixin, ServiceAddAdmin, LargeTableAdmin):
    """The points ledger. Staff record a violation by hand with "Add" (a rule of the
    catalogue and its evidence); entries are never edited or deleted here."""

    list_display = [
        "occurred_at",
        "merchant",
        "merchant_status",
        rule_title,
        "points",
        "status",
        "expires_at",
        "recorded_by",
    ]
    list_filter = ["status", entry_rule_filter, "merchant__status"]
    search_fields = ["merchant__legal_name", "evidence_id"]
    date_hierarchy = "occurred_at"
    list_select_related = ["merchant", "recorded_by", "rule"]
    raw_id_fields = ["merchant"]
    add_fields = [
        "merchant",
        "rule_code",
        "occurred_at",
        "evidence_type",
        "evidence_id",
        "evidence_file",
        "note",
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and services.may_record_violations(request.user)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = RecordViolationAdminForm
            kwargs["fields"] = ["merchant"]
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else super().get_fields(request, obj)

    # A note and a withdrawal's reason are shown as words in the reader's language
    # (`note_text`, `withdrawal_text`), never as a code; the rule by its title and version.
    exclude = ["rule_code", "note_code", "note_params", "withdrawal_code", "withdrawal_params"]
    _SHOWN_AS = {"note": "note_text", "withdrawal_reason": "withdrawal_text"}

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        shown = [
            self._SHOWN_AS.get(f.name, f.name)
            for f in ViolationEntry._meta.fields
            if f.name not in self.exclude
        ]
        return [*shown, "evidence_link", "merchant_status"]

    @admin.display(description=_("note"))
    def note_text(self, obj):
        return obj.note_text

    @admin.display(description=_("why withdrawn"))
    def withdrawal_text(self, obj):
        return obj.withdrawal_text

    @admin.display(description=_("evidence"))
    def evidence_link(self, obj):
        return obj.evidence_label

    @admin.display(description=_("merchant status"), ordering="merchant__status")
    def merchant_status(self, obj):
        return obj.merchant.get_status_display()

    def view_on_site(self, obj):
        return reverse("merchants:staff-standing", args=[obj.merchant_id])


class ImposeSanctionForm(ServiceForm):
    rule_code = forms.SlugField(label=_("rule code"))
    evidence_model = forms.ModelChoiceField(
        label=_("evidence type"), queryset=ContentType.objects.order_by("app_label", "model")
    )
    evidence_pk = forms.CharField(label=_("evidence id"))
    days = forms.IntegerField(label=_("days"), required=False, min_value=1)

    class Meta:
        model = Sanction
        fields = ["merchant", "kind", "category", "product", "reason"]

    def call_service(self, data):
        try:
            evidence = data["evidence_model"].get_object_for_this_type(pk=data["evidence_pk"])
        except (ObjectDoesNotExist, DjangoValidationError, ValueError) as error:
            raise DomainError(_("No such evidence object.")) from error
        return services.impose_sanction(
            merchant=data["merchant"],
            kind=data["kind"],
            rule_code=data["rule_code"],
            evidence=evidence,
            by=self.user,
            reason=data["reason"],
            days=data.get("days"),
            category=data.get("category"),
            product=data.get("product"),
        )


@admin.register(Sanction)
class SanctionAdmin(HistoryMixin, ServiceAddAdmin, LargeTableAdmin):
    """Staff impose manual sanctions here (always with a rule and evidence)."""

    list_display = [
        "starts_at",
        "merchant",
        "merchant_status",
        "kind",
        "origin",
        "status",
        "step_points",
        "ends_at",
        "imposed_by",
    ]
    list_filter = ["status", "kind", "origin"]
    search_fields = ["merchant__legal_name", "reason"]
    date_hierarchy = "starts_at"
    list_select_related = ["merchant", "imposed_by"]
    raw_id_fields = ["merchant", "product"]
    add_fields = [
        "merchant",
        "kind",
        "rule_code",
        "evidence_model",
        "evidence_pk",
        "days",
        "category",
        "product",
        "reason",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ImposeSanctionForm
            kwargs["fields"] = self.add_fields
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else super().get_fields(request, obj)

    # The codes and parameters are shown as words (`why`, `end_text`), never as codes.
    exclude = ["reason_code", "reason_params", "end_reason_code", "end_reason_params"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fields = [
            "end_text" if f.name == "end_reason" else f.name
            for f in Sanction._meta.fields
            if f.name not in self.exclude
        ]
        return [*fields, "why", "entries"]

    @admin.display(description=_("why"))
    def why(self, obj):
        return obj.why

    @admin.display(description=_("why it ended"))
    def end_text(self, obj):
        return obj.end_text

    def view_on_site(self, obj):
        return reverse("merchants:staff-standing", args=[obj.merchant_id])

    @admin.display(description=_("merchant status"), ordering="merchant__status")
    def merchant_status(self, obj):
        return obj.merchant.get_status_display()


@admin.register(Appeal)
class AppealAdmin(HistoryMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "submitted_at",
        "merchant",
        "status",
        "entry",
        "sanction",
        "decision_due_at",
        "reviewer",
    ]
    list_filter = ["status"]
    search_fields = ["merchant__legal_name", "statement", "decision_reason"]
    date_hierarchy = "submitted_at"
    list_select_related = ["merchant", "entry__rule", "entry__merchant", "sanction", "reviewer"]

    def view_on_site(self, obj):
        return reverse("merchants:staff-appeal", args=[obj.pk])

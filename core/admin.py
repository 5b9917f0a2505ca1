from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import alerts, decision_labels, policies
from core.db import estimated_count
from core.exceptions import DomainError
from core.models import Alert, Category, Decision, PolicyVersion, Upload, User
from core.roles import Role, check_may_become_staff


def run_per_row(modeladmin, request, queryset, call, done_message):
    """An admin action's body: call a service per selected row; report each refusal (a
    ValidationError, DomainError included) on its row, then how many were done."""
    from django.contrib import messages

    done = 0
    for obj in queryset:
        try:
            call(obj)
        except ValidationError as exc:
            modeladmin.message_user(
                request, f"{obj}: {' '.join(exc.messages)}", level=messages.ERROR
            )
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, level=messages.SUCCESS)


class LabelledCodeFilter(admin.SimpleListFilter):
    """A list filter over a field that stores a code, offering the codes' labels in the
    reader's language (never the codes). Subclasses (`code_filter`) give `labels()`:
    (code, label) pairs."""

    def labels(self, request, model_admin):
        raise NotImplementedError

    def lookups(self, request, model_admin):
        return sorted(
            ((code, str(label)) for code, label in self.labels(request, model_admin)),
            key=lambda pair: pair[1],
        )

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.parameter_name: value}) if value else queryset


def code_filter(field: str, title, labels):
    """A LabelledCodeFilter on `field`; `labels()` returns the (code, label) pairs."""
    return type(
        f"{field.title().replace('_', '')}LabelFilter",
        (LabelledCodeFilter,),
        {
            "title": title,
            "parameter_name": field,
            "labels": lambda self, request, model_admin: labels(),
        },
    )


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DecisionLabelsMixin:
    """A decision's codes as words in the reader's language (core.decision_labels)."""

    @admin.display(description=_("action"))
    def action_label(self, obj):
        return decision_labels.action_label(obj.action, obj)

    @admin.display(description=_("from"))
    def from_label(self, obj):
        return decision_labels.state_label(obj, obj.from_state)

    @admin.display(description=_("to"))
    def to_label(self, obj):
        return decision_labels.state_label(obj, obj.to_state)

    @admin.display(description=_("by"))
    def actor_name(self, obj):
        return decision_labels.actor_label(obj)

    @admin.display(description=_("reason"))
    def reason_label(self, obj):
        return decision_labels.reason_label(obj)


def decision_rows(obj) -> list[tuple]:
    """The object's decisions for an admin history table, in words: (when, what, from, to,
    by, why), oldest first."""
    from core.audit import decisions_for

    decisions = list(decisions_for(obj))
    with decision_labels.decisions_read(decisions):
        return [
            (
                timezone.localtime(d.created_at).strftime("%Y-%m-%d %H:%M"),
                decision_labels.action_label(d.action, d),
                decision_labels.state_label(d, d.from_state) or "-",
                decision_labels.state_label(d, d.to_state) or "-",
                decision_labels.actor_label(d),
                decision_labels.reason_label(d),
            )
            for d in decisions
        ]


class DecisionsInline(DecisionLabelsMixin, ReadOnlyAdminMixin, GenericTabularInline):
    """The workflow history of any object, for its change page."""

    model = Decision
    ct_field = "content_type"
    ct_fk_field = "object_id"
    fields = ["created_at", "action_label", "from_label", "to_label", "actor_name", "reason_label"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("decisions")
    # The tabular inline, its rows' reasons' names read once (`{% decisions_read %}`).
    template = "admin/core/decisions_inline.html"


class EstimatedCountPaginator(Paginator):
    """Uses the planner's estimate when the list is unfiltered: COUNT(*) over a million rows
    is most of the page time, and an exact total adds nothing to a staff list."""

    @cached_property
    def count(self):
        query = self.object_list.query
        if not query.where and not query.distinct:
            estimate = estimated_count(self.object_list.model)
            if estimate > 10_000:
                return estimate
        return super().count


class LargeTableAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50


class ReasonsOfPageAdmin(admin.ModelAdmin):
    """A change list whose rows show reasons kept as codes: what the page's reasons name
    (a listing's categories) is read once, while the page renders. `reasons_of_page(rows)`:
    the context manager that reads them (`decision_labels.decisions_read`,
    `alerts.alerts_read`)."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is None or not hasattr(response, "render"):
            return response
        # Evaluated here, the page's rows stay cached on the queryset the template reads.
        rows = list(changelist.result_list)
        with self.reasons_of_page(rows):
            return response.render()


class PlatformUserChangeForm(UserChangeForm):
    def clean(self):
        data = super().clean()
        groups = data.get("groups")
        wants_role = groups is not None and groups.filter(name__in=Role.values).exists()
        if data.get("is_staff") or data.get("is_superuser") or wants_role:
            try:
                check_may_become_staff(self.instance)
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(User)
class PlatformUserAdmin(UserAdmin):
    form = PlatformUserChangeForm
    fieldsets = (*UserAdmin.fieldsets, (_("Preferences"), {"fields": ["preferred_language"]}))
    list_filter = (*UserAdmin.list_filter, "groups")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "parent",
        "excluded_from_no_reason_return",
        "no_reason_return_opened_only",
        "no_reason_return_overrides",
        "active",
    ]
    list_filter = ["active", "excluded_from_no_reason_return"]
    search_fields = ["code", "name_zh", "name_en"]
    autocomplete_fields = ["parent"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, ReasonsOfPageAdmin, LargeTableAdmin):
    list_display = [
        "created_at",
        "kind_label",
        "text",
        "recipient_user",
        "recipient_group",
        "delivered_at",
        "attempts",
        "failed_at",
        "read_at",
    ]
    list_filter = [
        code_filter("kind", _("kind"), lambda: [(k, s.label) for k, s in alerts.KINDS.items()]),
        ("delivered_at", admin.EmptyFieldListFilter),
        ("failed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["key"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient_user", "recipient_group"]
    readonly_fields = ["attempts", "next_attempt_at", "last_error", "failed_at"]
    actions = ["retry_delivery"]
    reasons_of_page = staticmethod(alerts.alerts_read)
    # The kind is shown by its label and the payload (codes for the text's placeholders) as
    # the text it renders, never as codes; the key (a deduplication identifier built from
    # codes) stays searchable but is not shown.
    exclude = ["kind", "key", "payload"]

    def get_readonly_fields(self, request, obj=None):
        return ["kind_label", "text", *super().get_readonly_fields(request, obj)]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return ["kind_label", "text", *(f for f in fields if f not in ("kind_label", "text"))]

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj):
        return obj.kind_label

    @admin.display(description=_("text"))
    def text(self, obj):
        return obj.text

    @admin.action(description=_("Retry delivery of the selected alerts"))
    def retry_delivery(self, request, queryset):
        from core.tasks import deliver_alerts, retry_delivery

        count = retry_delivery(list(queryset.values_list("pk", flat=True)))
        transaction.on_commit(deliver_alerts.delay, robust=True)
        self.message_user(
            request,
            ngettext(
                "%(count)d alert queued for delivery again.",
                "%(count)d alerts queued for delivery again.",
                count,
            )
            % {"count": count},
        )


@admin.register(Decision)
class DecisionAdmin(DecisionLabelsMixin, ReadOnlyAdminMixin, ReasonsOfPageAdmin, LargeTableAdmin):
    list_display = [
        "created_at",
        "content_type",
        "object_id",
        "action_label",
        "from_label",
        "to_label",
        "actor_name",
        "reason_label",
    ]
    list_filter = [
        "content_type",
        code_filter(
            "action", _("action"), lambda: [(a, str(w)) for a, w in decision_labels.ACTIONS.items()]
        ),
    ]
    search_fields = ["object_id", "reason"]
    list_select_related = ["content_type", "actor"]
    reasons_of_page = staticmethod(decision_labels.decisions_read)


class PolicyVersionForm(forms.ModelForm):
    key = forms.ChoiceField(label=_("policy"), choices=())

    class Meta:
        model = PolicyVersion
        fields = ["key", "value", "effective_from", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An existing version is read-only (PolicyVersionAdmin.get_readonly_fields): its
        # form has none of these fields.
        if "key" in self.fields:
            self.fields["key"].choices = [
                (k, f"{p.label} ({k})") for k, p in sorted(policies.REGISTRY.items())
            ]
        if "note" in self.fields:
            self.fields["note"].required = True

    def clean(self):
        data = super().clean()
        key, value = data.get("key"), data.get("value")
        if key and value is not None:
            try:
                data["value"] = policies.REGISTRY[key].validate(value)
            except DomainError as exc:
                self.add_error("value", exc)
        return data


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Versions are added, never edited: the old ones stay as the record of what applied."""

    form = PolicyVersionForm
    list_display = ["key", "version", "effective_from", "created_by", "created_at", "note"]
    list_filter = ["key"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["key", "version", "value", "effective_from", "note", "created_by"] if obj else []

    def save_model(self, request, obj, form, change):
        published = policies.publish(
            form.cleaned_data["key"],
            value=form.cleaned_data["value"],
            by=request.user,
            note=form.cleaned_data["note"],
            effective_from=form.cleaned_data["effective_from"],
        )
        obj.pk = published.pk


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "content_type", "size", "uploaded_by", "created_at"]
    search_fields = ["original_name", "sha256"]

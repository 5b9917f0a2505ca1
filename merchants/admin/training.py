"""Admin for training programmes: versions (frozen once assigned), modules and materials
(files through the validated upload path), quiz questions, assignments and their steps."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin import DecisionsInline, LargeTableAdmin
from core.roles import DepartmentField
from core.uploads import UploadField, atomic_with_uploads, store_upload
from merchants.admin.onboarding import _run
from merchants.models import (
    QuizAttempt,
    QuizQuestion,
    TrainingAssignment,
    TrainingMaterial,
    TrainingModule,
    TrainingProgramme,
    TrainingStep,
)
from merchants.services import training


class FrozenInlineMixin:
    """Inlines of a version that has assignments are read-only."""

    def _frozen(self, obj):
        return obj is not None and training.is_frozen(obj)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class ModuleInline(FrozenInlineMixin, admin.StackedInline):
    model = TrainingModule
    extra = 0
    fields = ["order", "title", "body"]
    show_change_link = True


class QuestionInline(FrozenInlineMixin, admin.StackedInline):
    model = QuizQuestion
    extra = 0
    fields = ["order", "text", "choices", "correct_choice"]


class ProgrammeForm(forms.ModelForm):
    department = DepartmentField(required=False, label=_("staff department"))

    class Meta:
        model = TrainingProgramme
        fields = [
            "code",
            "version",
            "title",
            "title_en",
            "summary",
            "summary_en",
            "audience",
            "categories",
            "risk_tier",
            "department",
            "recurrence_months",
            "window_days",
            "pass_mark",
            "max_attempts",
            "restricts_sales",
        ]

    def clean(self):
        data = super().clean()
        if self.instance.pk and training.is_frozen(self.instance):
            raise ValidationError(
                _("This version already has assignments; create a new version instead.")
            )
        candidate = TrainingProgramme(
            **{
                k: v
                for k, v in data.items()
                if k in {"audience", "risk_tier", "pass_mark", "window_days", "max_attempts"}
            }
        )
        candidate.department = data.get("department")
        try:
            training.validate_programme(candidate)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    for error in errors:
                        self.add_error(field if field in self.fields else None, error)
            else:
                raise
        return data


@admin.register(TrainingProgramme)
class TrainingProgrammeAdmin(admin.ModelAdmin):
    form = ProgrammeForm
    list_display = ["shown_title", "code", "version", "audience", "status", "published_at"]
    list_filter = ["status", "audience"]
    search_fields = ["title", "title_en", "code"]
    filter_horizontal = ["categories"]
    inlines = [ModuleInline, QuestionInline, DecisionsInline]
    actions = ["publish", "make_new_version", "retire"]
    fieldsets = (
        (
            None,
            {"fields": ["code", "version", "title", "title_en", "summary", "summary_en", "status"]},
        ),
        (_("Audience"), {"fields": ["audience", "categories", "risk_tier", "department"]}),
        (
            _("Schedule and assessment"),
            {
                "fields": [
                    "recurrence_months",
                    "window_days",
                    "pass_mark",
                    "max_attempts",
                    "restricts_sales",
                ]
            },
        ),
        (
            _("Publication"),
            {"fields": ["published_at", "published_by", "cycle", "cycle_started_at"]},
        ),
    )

    @admin.display(description=_("title"), ordering="title")
    def shown_title(self, obj):
        return obj.display_title

    def get_readonly_fields(self, request, obj=None):
        fixed = ["status", "published_at", "published_by", "cycle", "cycle_started_at"]
        if obj is not None:
            fixed += ["code", "version"]
            if training.is_frozen(obj):
                return [f.name for f in TrainingProgramme._meta.fields] + ["categories"]
        return fixed

    @admin.action(description=_("Publish and assign the audience"))
    def publish(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: training.publish_programme(p, actor=request.user),
            _("%(n)d programmes published."),
        )

    @admin.action(description=_("Create a new version to edit"))
    def make_new_version(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: training.new_version(p, actor=request.user),
            _("%(n)d new versions created as drafts."),
        )

    @admin.action(description=_("Retire (open assignments are withdrawn)"))
    def retire(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: training.retire_programme(p, actor=request.user),
            _("%(n)d programmes retired."),
        )


class MaterialForm(forms.ModelForm):
    upload = UploadField(label=_("file"), required=False)

    class Meta:
        model = TrainingMaterial
        fields = ["module", "session", "title", "url", "text", "order"]

    def clean(self):
        data = super().clean()
        module = data.get("module")
        if module is not None and training.is_frozen(module.programme):
            raise ValidationError(
                _("This version already has assignments; create a new version instead.")
            )
        if not (data.get("upload") or data.get("url") or data.get("text") or self.instance.file_id):
            raise ValidationError(_("Give a file, a link or a text."))
        return data

    def save(self, commit=True):
        material = super().save(commit=False)
        upload = self.cleaned_data.get("upload")
        if upload:
            material.file = store_upload(upload, uploaded_by=getattr(self, "_user", None))
        if commit:
            material.save()
        return material


@admin.register(TrainingMaterial)
class TrainingMaterialAdmin(admin.ModelAdmin):
    form = MaterialForm

    def changeform_view(self, *args, **kwargs):
        # The form stores the file before the row is saved: a refusal after it (a failing
        # save, a rolled-back request) removes the file again.
        with atomic_with_uploads():
            return super().changeform_view(*args, **kwargs)

    list_display = ["title", "module", "session", "file", "url"]
    search_fields = ["title"]
    list_select_related = ["module", "session", "file"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form._user = request.user
        return form


class MaterialInline(admin.TabularInline):
    model = TrainingMaterial
    fk_name = "module"
    extra = 0
    fields = ["order", "title", "url", "file"]
    readonly_fields = ["file"]
    show_change_link = True


@admin.register(TrainingModule)
class TrainingModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "order"]
    search_fields = ["title", "programme__title", "programme__title_en"]
    inlines = [MaterialInline]

    def _frozen(self, obj):
        return obj is not None and training.is_frozen(obj.programme)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class StepInline(admin.TabularInline):
    model = TrainingStep
    extra = 0
    fields = ["step", "at", "shown_note"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("note"))
    def shown_note(self, obj):
        return obj.note_text

    def has_add_permission(self, request, obj=None):
        return False


class AttemptInline(admin.TabularInline):
    model = QuizAttempt
    extra = 0
    fields = ["number", "score", "passed", "submitted_by", "submitted_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TrainingAssignment)
class TrainingAssignmentAdmin(LargeTableAdmin):
    list_display = ["programme", "merchant", "user", "cycle", "status", "due_at", "completed_at"]
    list_filter = ["status", "reason", ("restricted_at", admin.EmptyFieldListFilter)]
    search_fields = [
        "merchant__legal_name",
        "user__username",
        "programme__title",
        "programme__title_en",
    ]
    list_select_related = ["programme", "merchant", "user"]
    raw_id_fields = ["merchant", "user", "programme"]
    readonly_fields = [f.name for f in TrainingAssignment._meta.fields]
    inlines = [StepInline, AttemptInline, DecisionsInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

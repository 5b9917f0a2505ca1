"""Category requests in the admin: staff file one for a merchant (with the category's test
report, the same requirement as in the portal) and approve or reject with actions."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin import DecisionsInline, LargeTableAdmin
from core.uploads import UploadField
from core.web import add_service_errors
from merchants import services
from merchants.admin.onboarding import _run, _with_reason
from merchants.admin.standing import ServiceAddAdmin
from merchants.models import CategoryRequest, Document


class CategoryRequestAddForm(forms.ModelForm):
    """Either an existing test report of the merchant's, or a new one uploaded here. The
    service runs in clean() (inside the admin's transaction): its field errors show next to
    the fields and nothing is stored."""

    user = None
    created = None

    test_report = forms.ModelChoiceField(
        label=_("Existing test report"),
        queryset=Document.objects.filter(document_type="test_report"),
        required=False,
        widget=forms.NumberInput,
        to_field_name="pk",
        help_text=_("The id of a test report the merchant already uploaded for this category."),
    )
    number = forms.CharField(label=_("Test report number"), max_length=100, required=False)
    issuer = forms.CharField(label=_("Testing laboratory"), max_length=200, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False)
    expires_on = forms.DateField(label=_("Valid until"), required=False)
    file = UploadField(label=_("Test report file"), required=False)

    class Meta:
        model = CategoryRequest
        fields = ["merchant", "category"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.created = services.request_category(
                    actor=self.user,
                    **{
                        name: data.get(name)
                        for name in (
                            "merchant",
                            "category",
                            "test_report",
                            "number",
                            "issuer",
                            "issued_on",
                            "expires_on",
                            "file",
                        )
                    },
                )
            except ValidationError as error:
                add_service_errors(self, error)
        return data


@admin.register(CategoryRequest)
class CategoryRequestAdmin(ServiceAddAdmin, LargeTableAdmin):
    form = CategoryRequestAddForm
    list_display = ["created_at", "merchant", "category", "status", "decided_by", "decided_at"]
    list_filter = ["status", "category"]
    search_fields = ["merchant__legal_name", "merchant__credit_code"]
    list_select_related = ["merchant", "category", "decided_by"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["merchant", "category"]
    inlines = [DecisionsInline]
    actions = ["approve", "reject"]
    readonly = [
        "merchant",
        "category",
        "test_report",
        "status",
        "reason",
        "requested_by",
        "created_at",
        "decided_by",
        "decided_at",
    ]

    def get_fields(self, request, obj=None):
        return self.readonly if obj is not None else super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj is not None else []

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.action(description=_("Approve (the test report is accepted, selling starts)"))
    def approve(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda r: services.approve_category_request(category_request=r, actor=request.user),
            _("%(n)d category requests approved."),
        )

    @admin.action(description=_("Reject…"))
    def reject(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset,
            _("Reject category requests"),
            lambda r, reason: services.reject_category_request(
                category_request=r, actor=request.user, reason=reason
            ),
            _("%(n)d category requests rejected."),
        )

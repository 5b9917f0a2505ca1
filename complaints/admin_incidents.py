"""Quality incidents in the admin: read-mostly (the record, its cases, evidence and
decisions); the steps are actions that ask for the reason and call the services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from complaints.models import QualityIncident
from complaints.services import incidents as services
from core.admin import DecisionsInline, LargeTableAdmin
from core.exceptions import DomainError


class ActionReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(QualityIncident)
class QualityIncidentAdmin(LargeTableAdmin):
    list_display = [
        "reference",
        "kind",
        "status",
        "source",
        "merchant",
        "product",
        "reported",
        "opened_at",
    ]
    list_filter = ["status", "kind", "source", "opened_at"]
    search_fields = ["reference", "product__title", "product__sku", "merchant__legal_name"]
    list_select_related = ["merchant", "product"]
    raw_id_fields = ["merchant", "product", "lot", "inspection", "opened_by", "cases", "evidence"]
    inlines = [DecisionsInline]
    actions = ["contain_listings", "lift_containment", "confirm_incidents", "dismiss_incidents"]

    def has_add_permission(self, request):
        return False  # opened through the service: the staff page or the API

    def has_delete_permission(self, request, obj=None):
        return False

    # The summary as a reader sees it (its code rendered in the reader's language), in place
    # of the stored words, code and parameters.
    exclude = ["summary", "summary_code", "summary_params"]

    def get_readonly_fields(self, request, obj=None):
        hidden = set(self.exclude)
        fields = [f.name for f in self.model._meta.get_fields() if f.concrete]
        return [name for name in fields if name not in hidden] + ["reported"]

    @admin.display(description=_("What is reported"))
    def reported(self, obj) -> str:
        return Truncator(obj.summary_text).chars(200)

    def _with_reason(self, request, queryset, step, title):
        """The action's second page asks for the reason; then each incident goes through
        the service (one at a time: each step locks its incident and its listing)."""
        if "apply" in request.POST:
            form = ActionReasonForm(request.POST)
            if form.is_valid():
                done = 0
                for incident in queryset:
                    try:
                        step(incident=incident, by=request.user, reason=form.cleaned_data["reason"])
                    except DomainError as exc:
                        self.message_user(
                            request, f"{incident.reference}: {exc.messages[0]}", messages.ERROR
                        )
                    else:
                        done += 1
                if done:
                    self.message_user(
                        request, _("%(n)d incidents updated.") % {"n": done}, messages.SUCCESS
                    )
                return None
        else:
            form = ActionReasonForm()
        return TemplateResponse(
            request,
            "complaints/incidents/admin_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "form": form,
                "incidents": queryset,
                "action": request.POST.get("action"),
                "checkbox_name": ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Suspend the listings (containment)"))
    def contain_listings(self, request, queryset):
        return self._with_reason(request, queryset, services.contain, _("Suspend the listings"))

    @admin.action(description=_("Lift the containment"))
    def lift_containment(self, request, queryset):
        return self._with_reason(
            request, queryset, services.lift_containment, _("Lift the containment")
        )

    @admin.action(description=_("Confirm (delist, apply the rule, schedule an inspection)"))
    def confirm_incidents(self, request, queryset):
        def confirm(*, incident, by, reason):
            return services.confirm(incident=incident, by=by, findings=reason)

        return self._with_reason(request, queryset, confirm, _("Confirm the incidents"))

    @admin.action(description=_("Dismiss (not confirmed)"))
    def dismiss_incidents(self, request, queryset):
        return self._with_reason(request, queryset, services.dismiss, _("Dismiss the incidents"))

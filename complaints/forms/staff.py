"""Consumer Service forms: queue filters, assignment and one form per case step.

The forms only parse; the rules (which step is allowed now, who may be assigned, what a
rejection needs) are the services' and come back as form errors."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from complaints import selectors, services
from complaints.models import OPEN, Case, CaseKind, CaseStatus, Priority
from core.roles import Role

STRATEGIES = [
    ("least_load", _("Automatic: least load")),
    ("round_robin", _("Automatic: round robin")),
]


def agents():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.CONSUMER_SERVICE)
        .order_by("username")
    )


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *[(s, CaseStatus(s).label) for s in OPEN]],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *CaseKind.choices]
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any")), *Priority.choices],
    )
    clock = forms.ChoiceField(
        label=_("Clock"),
        required=False,
        choices=[("", _("Any")), *selectors.CLOCK_FILTERS.items()],
    )
    assignee = AgentChoiceField(label=_("Assignee"), required=False, queryset=agents())
    q = forms.CharField(label=_("Reference or order number"), required=False, max_length=64)


class AssignmentChoiceMixin(forms.Form):
    """Either an agent or an automatic strategy (the engine's pick_agent rules)."""

    agent = AgentChoiceField(
        label=_("Assign to"), required=False, queryset=agents(), empty_label=_("(automatic)")
    )
    strategy = forms.ChoiceField(
        label=_("Automatic assignment"),
        choices=STRATEGIES,
        initial="least_load",
        required=False,
        help_text=_("Used when no agent is chosen."),
    )

    def clean_strategy(self):
        return self.cleaned_data.get("strategy") or "least_load"


class AssignForm(AssignmentChoiceMixin):
    pass


class BulkAssignForm(AssignmentChoiceMixin):
    cases = forms.TypedMultipleChoiceField(
        label=_("Cases"), coerce=int, choices=[], error_messages={"required": _("Select cases.")}
    )

    def __init__(self, *args, case_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are whatever ids were posted; the service keeps only open cases.
        posted = self.data.getlist("cases") if hasattr(self.data, "getlist") else case_ids
        self.fields["cases"].choices = [(pk, pk) for pk in posted if str(pk).isdigit()]


class RespondForm(forms.Form):
    text = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(
        label=_("Internal note (not shown to the consumer)"), required=False
    )


class AskConsumerForm(forms.Form):
    question = forms.CharField(
        label=_("Question for the consumer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The SLA clock pauses until the consumer replies."),
    )


class AskMerchantForm(forms.Form):
    question = forms.CharField(
        label=_("Question for the merchant"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The merchant's own answer deadline starts now."),
    )


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[])
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the case is rejected."),
    )
    message = forms.CharField(
        label=_("Message to the consumer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = services.OUTCOMES_BY_KIND[case.kind]
        # No outcome is chosen for the agent: an empty first choice, required.
        self.fields["outcome"].choices = [
            ("", _("Choose an outcome")),
            *((value, label) for value, label in Case.Outcome.choices if value in allowed),
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

"""Quality incident forms: list filters, opening by hand and one form per step. They only
parse; the rules are complaints.services.incidents' and come back as form errors."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import QualityIncident
from products.models import Product


class IncidentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *QualityIncident.Status.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *QualityIncident.Kind.choices]
    )
    source = forms.ChoiceField(
        label=_("Opened from"),
        required=False,
        choices=[("", _("Any")), *QualityIncident.Source.choices],
    )
    merchant = forms.CharField(label=_("Merchant"), required=False, max_length=100)
    q = forms.CharField(label=_("Reference, product or SKU"), required=False, max_length=100)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmForm(forms.Form):
    findings = forms.CharField(label=_("What was found"), widget=forms.Textarea(attrs={"rows": 3}))
    delist = forms.BooleanField(
        label=_("Delist the product for quality"), required=False, initial=True
    )
    schedule_inspection = forms.BooleanField(
        label=_("Schedule a risk-triggered inspection"), required=False, initial=True
    )


class OpenIncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QualityIncident.Kind.choices)
    product = forms.ModelChoiceField(
        label=_("Product ID"),
        queryset=Product.objects.select_related("merchant"),
        widget=forms.NumberInput,
        help_text=_("The product's number, as shown on the case or in the admin."),
        error_messages={"invalid_choice": _("No product with this number.")},
    )
    summary = forms.CharField(label=_("What is reported"), widget=forms.Textarea(attrs={"rows": 3}))
    case = forms.IntegerField(widget=forms.HiddenInput, required=False)

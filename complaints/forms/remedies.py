"""Remedy forms: they parse; the rules (amount cap, proof, final states) are the service's
(complaints.services.remedies) and come back as field errors."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Remedy
from core.uploads import UploadField


def _default_due():
    return timezone.localtime(timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)


class GrantRemedyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Remedy"), choices=Remedy.Kind.choices)
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("Required for a refund, a return and refund, or compensation."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    payer = forms.ChoiceField(label=_("Who pays"), choices=Remedy.Payer.choices)
    platform_reason = forms.ChoiceField(
        label=_("Why the platform pays"),
        required=False,
        choices=[
            ("", "—"),
            (
                Remedy.PlatformReason.PLATFORM_AT_FAULT,
                Remedy.PlatformReason.PLATFORM_AT_FAULT.label,
            ),
        ],
    )
    due_at = forms.DateTimeField(
        label=_("Due"),
        initial=_default_due,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    above_order_reason = forms.CharField(
        label=_("Supervisor's reason (amount above the order)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RemedyDoneForm(forms.Form):
    proof_reference = forms.CharField(
        label=_("Proof reference"),
        required=False,
        max_length=200,
        help_text=_("The payment, refund or shipment number."),
    )
    proof_file = UploadField(label=_("Proof file"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RemedyFailedForm(forms.Form):
    reason = forms.CharField(label=_("Why it failed"), widget=forms.Textarea(attrs={"rows": 2}))

"""Merchant portal forms: the answer (with files) and an outcome proposal."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints import services
from complaints.models import Case
from core.uploads import UploadField

MAX_FILES = 5


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleUploadField(UploadField):
    """Several files in one input; each passes the upload checks (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ".pdf,.jpg,.jpeg,.png,application/pdf,image/*")

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("Attach at most %(n)d files.") % {"n": MAX_FILES}, code="too_many"
            )
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleUploadField, self).clean(file, initial) for file in files]


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleUploadField(
        label=_("Attachments"),
        required=False,
        help_text=_("Up to 5 files: PDF, JPEG or PNG, at most 10 MB each."),
    )


class ProposalForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Proposed outcome"),
        choices=[(v, Case.Outcome(v).label) for v in services.PROPOSAL_OUTCOMES],
    )
    note = forms.CharField(
        label=_("Details"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you offer the consumer, e.g. the amount or when the exchange ships."),
    )

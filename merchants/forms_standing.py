"""Forms for merchant standing pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import validate_upload

MAX_APPEAL_FILES = 5


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleUploadField(forms.FileField):
    """Several files in one input, each checked like core.uploads.UploadField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        kwargs.setdefault("help_text", _("Up to 5 files; PDF, JPEG or PNG, at most 10 MB each."))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_APPEAL_FILES:
            raise forms.ValidationError(
                _("At most %(n)s files.") % {"n": MAX_APPEAL_FILES}, code="too_many"
            )
        single = super().clean
        cleaned = [single(file, initial) for file in files]
        for file in cleaned:
            validate_upload(file)
        return cleaned


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=_("Your statement"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_("Explain why the entry or sanction is wrong and what the files show."),
    )
    files = MultipleUploadField(label=_("Supporting files"), required=False)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("upheld", _("Uphold the appeal")), ("rejected", _("Reject the appeal"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Written reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

"""Staff forms for an incident's public quality notice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import QualityNotice
from complaints.services.quality_notices import TEXT_FIELDS


class QualityNoticeForm(forms.ModelForm):
    """The notice's texts in both languages. The service checks and saves them."""

    class Meta:
        model = QualityNotice
        fields = list(TEXT_FIELDS)
        widgets = {
            "body_zh_hans": forms.Textarea(attrs={"rows": 8}),
            "body_en": forms.Textarea(attrs={"rows": 8}),
        }

    def texts(self) -> dict:
        return {name: self.cleaned_data[name] for name in TEXT_FIELDS}

    def _post_clean(self):
        # The service validates and writes; the form only parses.
        pass


class WithdrawNoticeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the notice withdrawn?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import UploadField

SCORES = [(n, str(n)) for n in range(5, 0, -1)]


class ScoreField(forms.TypedChoiceField):
    def __init__(self, label, **kwargs):
        super().__init__(label=label, choices=SCORES, coerce=int, widget=forms.RadioSelect)


class ReviewForm(forms.Form):
    """The public review page: product stars, text, photos and the three service scores."""

    stars = ScoreField(_("Stars for the product"))
    text = forms.CharField(
        label=_("Your review"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    photo_1 = UploadField(
        label=_("Photo"), required=False, help_text=_("JPEG or PNG, at most 10 MB.")
    )
    photo_2 = UploadField(label=_("Photo"), required=False, help_text="")
    photo_3 = UploadField(label=_("Photo"), required=False, help_text="")
    description_accuracy = ScoreField(_("Description accuracy"))
    service_attitude = ScoreField(_("Service attitude"))
    logistics = ScoreField(_("Logistics"))

    def photos(self):
        return [f for f in (self.cleaned_data.get(f"photo_{i}") for i in (1, 2, 3)) if f]


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Public reply"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Public reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown with the review as “folded because …”."),
    )


class DismissForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False)

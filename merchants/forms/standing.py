"""Forms for merchant standing pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import UploadField, validate_upload

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


def rule_choices() -> list[tuple[str, str]]:
    """The catalogue's rules in force now, by code, titled in the reader's language."""
    from django.db.models import Q
    from django.utils import timezone

    from merchants.models import ViolationRule

    now = timezone.now()
    rules = (
        ViolationRule.objects.filter(effective_from__lte=now)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gt=now))
        .order_by("code", "-version")
    )
    seen, choices = set(), []
    for rule in rules:
        if rule.code not in seen:
            seen.add(rule.code)
            choices.append(
                (
                    rule.code,
                    _("%(title)s (%(points)s points)")
                    % {"title": rule.title, "points": rule.points},
                )
            )
    return choices


class RecordViolationForm(forms.Form):
    """A violation recorded by hand: a rule of the catalogue, when it happened, and the
    evidence (a linked object, a file, or both). The service decides; the form only parses."""

    rule_code = forms.ChoiceField(label=_("Rule"))
    occurred_at = forms.DateTimeField(
        label=_("When it happened"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now. The rule version in force at that time applies."),
    )
    evidence_type = forms.ChoiceField(label=_("Linked evidence"), required=False)
    evidence_id = forms.CharField(
        label=_("Its number"),
        required=False,
        max_length=64,
        help_text=_("The id of the case, inspection, product… shown on its page."),
    )
    evidence_file = UploadField(label=_("Evidence file"), required=False)
    note = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    # Service error keys that are not fields of this form.
    ERROR_FIELDS = {"evidence": "evidence_id"}

    def __init__(self, *args, **kwargs):
        from merchants.services import evidence_kinds

        super().__init__(*args, **kwargs)
        self.fields["rule_code"].choices = [("", "---------"), *rule_choices()]
        self.fields["evidence_type"].choices = [("", _("None (a file only)")), *evidence_kinds()]

    def clean(self):
        data = super().clean()
        if bool(data.get("evidence_type")) != bool((data.get("evidence_id") or "").strip()):
            self.add_error(
                "evidence_id", _("Choose the kind of linked evidence and give its number.")
            )
        return data

    def evidence(self):
        """The linked evidence object, or None; DomainError when it does not exist."""
        from merchants.services import find_evidence

        if not self.cleaned_data.get("evidence_type"):
            return None
        return find_evidence(self.cleaned_data["evidence_type"], self.cleaned_data["evidence_id"])

    def add_service_error(self, error) -> None:
        """Show a service's DomainError next to the field it is about."""
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                field = self.ERROR_FIELDS.get(key, key)
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)

"""Portal and staff forms for onboarding. They collect input; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Category
from core.uploads import UploadField
from merchants.models import Document, DocumentType
from merchants.services.selling import selling_categories


class DateInput(forms.DateInput):
    input_type = "date"


def _categories():
    return Category.objects.filter(active=True).order_by("parent_id", "code")


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SignUpForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        min_length=18,
        help_text=_("18 characters, as printed on your business licence."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_email = forms.EmailField(label=_("Contact email"))
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    categories = CategoryChoiceField(
        label=_("Categories you will sell in"),
        queryset=Category.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = _categories()


class AccountSignUpForm(SignUpForm):
    """A visitor's account and merchant in one form."""

    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("Your email"))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)
    field_order = ["username", "email", "password1", "password2"]

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class DetailsForm(SignUpForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["credit_code"]


class DocumentForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        help_text=_("For every document except the business licence."),
    )
    number = forms.CharField(label=_("Document number"), max_length=100)
    issuer = forms.CharField(label=_("Issued by"), max_length=200)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput)
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=DateInput,
        required=False,
        help_text=_("The first day it is no longer valid. Leave empty if it has no end date."),
    )
    file = UploadField(label=_("File"))

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = merchant.categories.all()
        self.fields["category"].label_from_instance = lambda c: c.name


class AgreementForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have read the agreement and accept it on behalf of my merchant."),
        required=True,
    )


class DocumentReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        # Rendered in each row of the review table without a <label>: named for readers.
        widget=forms.Select(attrs={"aria-label": _("Verdict")}),
        choices=[
            ("", _("Choose a decision")),  # never a default decision
            (Document.Status.ACCEPTED, _("Accept")),
            (Document.Status.REJECTED, _("Reject")),
        ],
    )
    reason_code = forms.ChoiceField(
        label=_("Reason code"),
        widget=forms.Select(attrs={"aria-label": _("Reason code")}),
        choices=[("", "—"), *Document.Reason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "aria-label": _("Note")}),
    )


class TransitionForm(forms.Form):
    ACTIONS = [
        ("start_review", _("Start review")),
        ("request_changes", _("Ask for changes")),
        ("approve", _("Approve")),
        ("reject", _("Reject")),
    ]
    # No default decision: the reviewer chooses one (and keeps it after an error).
    action = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("Choose a decision")), *ACTIONS]
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TeamMemberForm(forms.Form):
    identifier = forms.CharField(
        label=_("User name or e-mail"),
        max_length=254,
        help_text=_(
            "The person registers an account first; they accept your invitation after logging in."
        ),
    )


class CategoryRequestForm(forms.Form):
    """A live merchant's request for one more category, with that category's test report.
    The report's fields are optional here so the service's clear errors are the ones shown."""

    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    number = forms.CharField(label=_("Test report number"), max_length=100, required=False)
    issuer = forms.CharField(label=_("Testing laboratory"), max_length=200, required=False)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput, required=False)
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=DateInput,
        required=False,
        help_text=_("The first day the report is no longer valid."),
    )
    file = UploadField(label=_("Test report file"), required=False)

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories().exclude(
            pk__in=selling_categories(merchant).values("pk")
        )
        self.fields["category"].label_from_instance = lambda c: c.name

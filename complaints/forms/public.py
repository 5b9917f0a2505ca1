"""The consumer's complaint and false-advertising forms, and the same forms as Consumer
Service records them from a phone call or an email (`trusted`: the order number alone finds
the purchase, and the channel and time of contact are recorded)."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import services
from complaints.models import Case, CaseKind
from core.exceptions import DomainError
from core.uploads import UploadField
from core.web import add_service_errors
from merchants.models import Merchant
from products.models import Product

ATTACHMENTS = 3
LIMIT = 4000


def _upload(label, index):
    """Optional file fields; the first one carries the accepted-types hint."""
    extra = {"help_text": ""} if index > 1 else {}
    return UploadField(label=label, required=False, **extra)


class _ProductNumber(forms.ModelChoiceField):
    """A product by the number shown in its page address (/products/<number>/...)."""

    widget = forms.NumberInput

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Product.objects.select_related("merchant"),
            label=_("Product number"),
            error_messages={"invalid_choice": _("There is no product with this number.")},
            **kwargs,
        )

    def label_from_instance(self, obj):
        return obj.title


class _ContactMixin(forms.Form):
    consumer_name = forms.CharField(label=_("Your name"), max_length=100)
    consumer_email = forms.EmailField(label=_("Email"), required=False)
    consumer_phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("Give an email address or a phone number so we can reach you."),
    )

    # Inputs named differently from the intake service's arguments (its errors land here).
    service_fields = {"delivered_at": "delivered_on"}

    def check_filing(self, cleaned) -> None:
        """Ask the intake service whether it would accept this filing, and show each of its
        refusals next to its input: the rules live in the service, not in the form."""
        try:
            services.check_filing(**self.filing(cleaned), now=self.now)
        except DomainError as exc:
            add_service_errors(self, exc)

    def contacts(self) -> list[str]:
        data = getattr(self, "cleaned_data", {})
        return [data.get("consumer_email") or "", data.get("consumer_phone") or ""]

    def uploaded(self, prefix: str) -> list:
        data = self.cleaned_data
        return [f for f in (data.get(f"{prefix}_{i}") for i in range(1, ATTACHMENTS + 1)) if f]


class ComplaintForm(_ContactMixin):
    """An after-sales complaint. The remedy list shown next to it comes from the engine
    (services.remedy_options) for the purchase as far as it is known."""

    trusted = False
    kind = CaseKind.COMPLAINT

    order_number = forms.CharField(
        label=_("Order number"),
        max_length=64,
        help_text=_(
            "When the order is in our records and your email or phone matches it, the shop, "
            "product and delivery date are taken from the order."
        ),
    )
    delivered_on = forms.DateField(
        label=_("Delivered on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty if the goods have not arrived."),
    )
    merchant = forms.ModelChoiceField(
        queryset=Merchant.objects.exclude(status=Merchant.Status.ONBOARDING).order_by("legal_name"),
        label=_("Shop"),
        required=False,
    )
    product = _ProductNumber(required=False)
    complaint_type = forms.ChoiceField(
        label=_("What is the complaint about?"), choices=Case.ComplaintType.choices
    )
    description = forms.CharField(
        label=_("What happened?"), max_length=LIMIT, widget=forms.Textarea(attrs={"rows": 5})
    )
    goods_opened = forms.ChoiceField(
        label=_("Have you opened the goods?"),
        choices=[("", _("Not answered")), ("sealed", _("Still sealed")), ("opened", _("Opened"))],
        required=False,
        help_text=_(
            "Opened digital or audio-video goods are excluded from the no-reason return; "
            "a defect still gives return and refund."
        ),
    )
    desired_remedy = forms.ChoiceField(
        label=_("What would you like?"),
        choices=[("", _("Let Consumer Service propose a remedy")), *Case.Remedy.choices],
        required=False,
    )
    attachment_1 = _upload(_("Attachment"), 1)
    attachment_2 = _upload(_("Attachment"), 2)
    attachment_3 = _upload(_("Attachment"), 3)

    field_order = [
        "consumer_name",
        "consumer_email",
        "consumer_phone",
        "order_number",
        "delivered_on",
        "merchant",
        "product",
        "complaint_type",
        "description",
        "goods_opened",
        "desired_remedy",
    ]

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.purchase = None
        self.delivered_at = None
        self.fields["merchant"].empty_label = _("Choose the shop (or give the product number)")

    # --- facts of the purchase --------------------------------------------------------------

    def _delivered_at(self, day) -> datetime | None:
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.min))

    def resolve_purchase(self, cleaned) -> None:
        """Fill merchant, product and delivered-at from the stored purchase when the filer
        may rely on it; else from what they typed."""
        self.purchase = services.purchase_for_filer(
            order_number=cleaned.get("order_number") or "",
            contacts=self.contacts(),
            trusted=self.trusted,
            product=cleaned.get("product"),  # read by its field with its merchant
        )
        typed = self._delivered_at(cleaned.get("delivered_on"))
        if self.purchase is not None:
            cleaned["merchant"] = self.purchase.merchant
            cleaned["product"] = self.purchase.product
            self.delivered_at = self.purchase.delivered_at or typed
        else:
            self.delivered_at = typed
            product = cleaned.get("product")
            if product is not None and cleaned.get("merchant") is None:
                cleaned["merchant"] = product.merchant

    @property
    def opened_matters(self) -> bool:
        """Ask whether the goods were opened only for categories where it matters."""
        product = getattr(self, "cleaned_data", {}).get("product")
        if product is None:
            return False
        return services.opened_matters(product)

    def opened(self) -> bool | None:
        """The consumer's answer, None when not asked (or not answered)."""
        answer = getattr(self, "cleaned_data", {}).get("goods_opened") or ""
        if not answer or not self.opened_matters:
            return None
        return answer == "opened"

    def remedy_options(self):
        data = getattr(self, "cleaned_data", {})
        return services.remedy_options(
            complaint_type=data.get("complaint_type") or "",
            product=data.get("product"),
            delivered_at=self.delivered_at,
            now=self.now,
            opened=self.opened(),
        )

    def clean(self):
        cleaned = super().clean()
        self.resolve_purchase(cleaned)
        self.check_filing(cleaned)
        return cleaned

    def filing(self, cleaned) -> dict:
        """The intake service's arguments from the cleaned inputs."""
        return {
            "kind": CaseKind.COMPLAINT,
            "merchant": cleaned.get("merchant"),
            "product": cleaned.get("product"),
            "consumer_name": cleaned.get("consumer_name") or "",
            "consumer_email": cleaned.get("consumer_email") or "",
            "consumer_phone": cleaned.get("consumer_phone") or "",
            "order_number": cleaned.get("order_number") or "",
            "delivered_at": self.delivered_at,
            "complaint_type": cleaned.get("complaint_type") or "",
            "description": cleaned.get("description") or "",
            "desired_remedy": cleaned.get("desired_remedy") or "",
            "goods_opened": self.opened(),
        }

    def case_fields(self) -> dict:
        return {**self.filing(self.cleaned_data), "files": self.uploaded("attachment")}


class ReportForm(_ContactMixin):
    """A false-advertising report: the product, the claim, where it was seen, evidence."""

    trusted = False
    kind = CaseKind.AD_REPORT

    product = _ProductNumber(
        help_text=_("The number in the product page's address, e.g. 123 in /products/123/.")
    )
    advertised_claim = forms.CharField(
        label=_("The claim"),
        max_length=LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Copy the words of the advertisement as exactly as you can."),
    )
    claim_seen_at = forms.CharField(
        label=_("Where did you see it?"),
        max_length=500,
        help_text=_("The product page, a livestream, an advertisement… with the date."),
    )
    description = forms.CharField(
        label=_("Why is it false or misleading?"),
        max_length=LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence_1 = _upload(_("Evidence (screenshot)"), 1)
    evidence_2 = _upload(_("Evidence (screenshot)"), 2)
    evidence_3 = _upload(_("Evidence (screenshot)"), 3)

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def clean(self):
        cleaned = super().clean()
        self.check_filing(cleaned)
        return cleaned

    def filing(self, cleaned) -> dict:
        """The intake service's arguments from the cleaned inputs."""
        product = cleaned.get("product")
        return {
            "kind": CaseKind.AD_REPORT,
            "merchant": product.merchant if product is not None else None,
            "product": product,
            "consumer_name": cleaned.get("consumer_name") or "",
            "consumer_email": cleaned.get("consumer_email") or "",
            "consumer_phone": cleaned.get("consumer_phone") or "",
            "advertised_claim": cleaned.get("advertised_claim") or "",
            "claim_seen_at": cleaned.get("claim_seen_at") or "",
            "description": cleaned.get("description") or "",
        }

    def case_fields(self) -> dict:
        return {**self.filing(self.cleaned_data), "files": self.uploaded("evidence")}


# --- Consumer Service intake -----------------------------------------------------------------


class _IntakeMixin:
    """Recorded by staff: the order number alone finds the purchase; the channel and the
    time the consumer reached us (the clocks start then) are recorded."""

    trusted = True

    def add_intake_fields(self):
        self.fields["channel"] = forms.ChoiceField(
            label=_("Channel"),
            choices=[
                (Case.Channel.PHONE, Case.Channel.PHONE.label),
                (Case.Channel.EMAIL, Case.Channel.EMAIL.label),
            ],
        )
        self.fields["received_at"] = forms.DateTimeField(
            label=_("Consumer reached us at"),
            required=False,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
            help_text=_("Leave empty for now. The SLA clocks start at this time."),
        )
        self.fields["consumer_name"].label = _("Consumer name")
        self.order_fields(["channel", "received_at"])

    def filing(self, cleaned) -> dict:
        return {
            **super().filing(cleaned),
            "channel": cleaned.get("channel") or "",
            "received_at": cleaned.get("received_at"),
        }


class IntakeComplaintForm(_IntakeMixin, ComplaintForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_intake_fields()
        self.fields["order_number"].required = False


class IntakeReportForm(_IntakeMixin, ReportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_intake_fields()


class MailCaseForm(ComplaintForm):
    """Turn an unmatched email into a complaint: channel and time come from the email,
    its attachments go with the case."""

    trusted = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order_number"].required = False
        self.fields["consumer_name"].label = _("Consumer name")
        for i in range(1, ATTACHMENTS + 1):
            del self.fields[f"attachment_{i}"]

    def case_fields(self) -> dict:
        fields = super().case_fields()
        del fields["files"]
        return fields


class DismissMailForm(forms.Form):
    reason = forms.CharField(label=_("Why no case is needed"), max_length=500)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"), max_length=LIMIT, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachment_1 = _upload(_("Attachment"), 1)
    attachment_2 = _upload(_("Attachment"), 2)

    def uploaded(self):
        return [f for f in (self.cleaned_data.get(f"attachment_{i}") for i in (1, 2)) if f]


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well was your case handled?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("5 = very satisfied, 1 = very dissatisfied."),
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LookupForm(forms.Form):
    """Ask for a new link to a case: its reference and the contact used at filing."""

    reference = forms.CharField(
        label=_("Case reference"),
        max_length=32,
        help_text=_("As in the messages we sent you, e.g. C20261103-000123."),
    )
    contact = forms.CharField(
        label=_("Email or phone used when filing"),
        max_length=200,
    )

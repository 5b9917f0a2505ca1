from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import Category
from merchants.services import selling_categories
from products.models import ClaimFlag
from products.services.listings import MAX_IMAGES


def _images_help():
    return gettext("JPEG or PNG, at most 10 MB each, %(n)d images per product.") % {"n": MAX_IMAGES}


_images_help_text = lazy(_images_help, str)


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several images in one input; each is checked by the listing service."""

    widget = MultipleImageInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        # Lazy: the form class is built once at import, the text is read per request.
        kwargs.setdefault("help_text", _images_help_text())
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ".jpg,.jpeg,.png,image/jpeg,image/png")

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class ProductForm(forms.Form):
    """The merchant's product editor. Rules live in the listing services."""

    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    sku = forms.CharField(label=_("SKU"), max_length=64)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    price = forms.DecimalField(label=_("Price (CNY)"), max_digits=12, decimal_places=2)
    images = MultipleImageField(label=_("Add images"))

    def __init__(self, *args, merchant, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the categories the merchant may sell in: its own, each with an approved report.
        cleared = selling_categories(merchant)
        self.fields["category"].queryset = cleared.filter(active=True).order_by("code")
        if product is not None:
            self.fields["remove_images"] = forms.MultipleChoiceField(
                label=_("Remove images"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(str(u.pk), u.original_name) for u in product.images.all()],
            )
        for name in ("title", "description"):
            self.fields[name].widget.attrs["data-claim-field"] = name


class FlagDecisionForm(forms.Form):
    CLEAR = "clear"
    RESTRICT = "restrict"

    flags = forms.ModelMultipleChoiceField(
        queryset=ClaimFlag.objects.filter(status=ClaimFlag.Status.OPEN),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one flag.")},
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (CLEAR, _("Clear: lawful or not a claim")),
            (RESTRICT, _("Restrict the listing: breaches art. 9(3)")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

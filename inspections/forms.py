from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import UploadField
from products.models import Product, Requirement


class StartInspectionForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    lot_size = forms.IntegerField(label=_("Lot size"), help_text=_("Items in the lot."))
    batch = forms.CharField(label=_("Batch"), max_length=100)
    lab = forms.CharField(label=_("Laboratory"), max_length=200, required=False)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(merchant=plan.merchant).order_by("title")
        if plan.product_id:
            products = products.filter(pk=plan.product_id)
        elif plan.category_id:
            products = products.filter(category=plan.category_id)
        self.fields["product"].queryset = products


class LabReportForm(forms.Form):
    file = UploadField(label=_("Lab report"))


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Grounds of your objection"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


class CorrectiveActionForm(forms.Form):
    note = forms.CharField(label=_("Corrective action accepted"), max_length=2000)


def grid_cell_name(kind: str, sample: int, requirement_id: int) -> str:
    return f"{'v' if kind == Requirement.Kind.MEASURED else 'f'}-{sample}-{requirement_id}"


def parse_grid(data, *, requirements, plans, known=None) -> list[dict]:
    """The grid's one POST -> result rows for the service (which checks them).

    A pass/fail cell is a "nonconforming" checkbox: unticked means the item conforms. A
    measured cell left empty is not recorded yet. Each measured column posts its unit.
    With `known` (the (sample, requirement) pairs that have a result), an unticked cell is
    recorded only when it already has one or the post marks it conforming (`c-<cell>`, set
    by a pasted "pass"): an untouched cell stays "not recorded" until the inspector fills
    the rest as conforming.
    """
    rows = []
    for requirement in requirements:
        size = plans[requirement.severity]["sample_size"]
        for sample in range(1, size + 1):
            name = grid_cell_name(requirement.kind, sample, requirement.pk)
            row = {"sample_number": sample, "requirement": requirement.pk}
            if requirement.kind == Requirement.Kind.MEASURED:
                value = (data.get(name) or "").strip().replace(",", ".")
                if not value:
                    continue
                row |= {"value": value, "unit": data.get(f"u-{requirement.pk}", "")}
            else:
                row["passed"] = name not in data
                if (
                    row["passed"]
                    and known is not None
                    and (sample, requirement.pk) not in known
                    and f"c-{name}" not in data
                ):
                    continue
            rows.append(row)
    return rows


# --- labs ------------------------------------------------------------------------------------
class AssignSampleForm(forms.Form):
    lab = forms.ModelChoiceField(label=_("Testing lab"), queryset=None)
    seal_number = forms.CharField(label=_("Seal number"), max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        from inspections.models import Lab

        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = Lab.objects.filter(status=Lab.Status.ACTIVE)


class CustodyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Step"), choices=())
    condition = forms.ChoiceField(label=_("Condition on receipt"), choices=(), required=False)
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, steps=(), **kwargs):
        from inspections.models import CustodyKind, Sample

        super().__init__(*args, **kwargs)
        labels = dict(CustodyKind.choices)
        self.fields["kind"].choices = [(s, labels[s]) for s in steps]
        self.fields["condition"].choices = [("", "—"), *Sample.Condition.choices]


class ResultsCsvForm(forms.Form):
    file = forms.FileField(label=_("Results (CSV)"))


class SampleReportForm(forms.Form):
    report = forms.FileField(label=_("Signed test report (PDF)"))


class LabDocumentForm(forms.Form):
    file = UploadField(label=_("Accreditation document"))


class LabSuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)

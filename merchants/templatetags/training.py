from django import template
from django.utils import timezone

from merchants.services import training

register = template.Library()


@register.inclusion_tag("merchants/training/_due.html")
def training_due(merchant, full=False):
    """The merchant's open (and, on the full page, completed) training assignments."""
    rows = []
    if merchant is not None:
        assignments = training.assignments_for_merchant(merchant)
        if not full:
            assignments = assignments.filter(status="open")
        rows = list(assignments[:50])
    return {"rows": rows, "now": timezone.now(), "full": full}

"""The remedies panel's helpers: `{% remedy_grant_form as form %}` and
`{% remedy_grant_url target %}` (a case or a quality incident)."""

from django import template
from django.urls import reverse

from complaints.models import Case

register = template.Library()


@register.simple_tag
def remedy_grant_form():
    from complaints.forms.remedies import GrantRemedyForm

    return GrantRemedyForm(prefix="remedy")


@register.simple_tag
def remedy_grant_url(target) -> str:
    kind = "case" if isinstance(target, Case) else "incident"
    return reverse("complaints:remedy-grant", args=[kind, target.pk])

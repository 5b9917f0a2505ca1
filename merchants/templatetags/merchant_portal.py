from django import template
from django.utils.safestring import mark_safe

from merchants.portal import overview_panels, portal_links, read_only_reason
from merchants.selectors import merchant_of

register = template.Library()


@register.inclusion_tag("merchants/portal/_nav.html", takes_context=True)
def portal_nav(context):
    request = context.get("request")
    return {
        "links": portal_links(),
        "current": getattr(request, "path", ""),
        "read_only": read_only_reason(merchant_of(getattr(request, "user", None))),
    }


@register.simple_tag(takes_context=True)
def portal_overview_panels(context):
    """The blocks other apps registered for the top of the overview (already escaped HTML
    rendered from their own templates)."""
    request = context.get("request")
    return mark_safe("".join(overview_panels(request)))  # noqa: S308 - rendered templates

from django import template

from merchants.portal import portal_links

register = template.Library()


@register.inclusion_tag("merchants/portal/_nav.html", takes_context=True)
def portal_nav(context):
    request = context.get("request")
    return {"links": portal_links(), "current": getattr(request, "path", "")}

"""Panels an incident page includes without building their context itself:

{% load incident_notices %}
{% buyer_notices_panel incident %}
{% quality_notice_panel incident %}
"""

from django import template

from complaints import selectors

register = template.Library()


def _with_request(context, panel: dict) -> dict:
    return {
        **panel,
        "request": context.get("request"),
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("complaints/incidents/_buyer_notices.html", takes_context=True)
def buyer_notices_panel(context, incident):
    return _with_request(context, selectors.buyer_notice_panel(incident, context.get("user")))


@register.inclusion_tag("complaints/incidents/_quality_notice.html", takes_context=True)
def quality_notice_panel(context, incident):
    from complaints.forms.notices import QualityNoticeForm, WithdrawNoticeForm

    panel = selectors.quality_notice_panel(incident, context.get("user"))
    panel.update(
        notice_form=QualityNoticeForm(instance=panel["notice"]),
        withdraw_form=WithdrawNoticeForm(),
    )
    return _with_request(context, panel)

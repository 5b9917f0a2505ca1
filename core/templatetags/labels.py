"""Template filters for codes shown to people: `{{ decision|action_label }}`,
`{{ decision|from_label }}`, `{{ decision|to_label }}`, `{{ decision|actor_label }}`,
`{{ decision|subject_label }}`, `{{ decision|reason_label }}`, `{{ number|version_label }}`,
`{{ instance|state_label:code }}`, `{{ code|state_of:"app.model" }}`, `{{ kind|alert_kind }}`,
`{{ value|score }}` (two decimals) and `{{ user|person }}` (a name). The words live in
core.decision_labels. `{% decisions_read decisions %}…{% end_decisions_read %}`: what the
reasons of a list of decisions name is read once for the list, not per row."""

from decimal import Decimal

from django import template
from django.apps import apps
from django.template.defaultfilters import floatformat

from core import alerts, decision_labels
from core.roles import role_label

register = template.Library()


def _get(decision, name):
    return decision.get(name, "") if isinstance(decision, dict) else getattr(decision, name, "")


@register.filter
def action_label(decision, model: str = "") -> str:
    """A decision's action in words; a bare action code takes the "app_label.model" whose
    states may name it (`{{ code|action_label:"products.product" }}`)."""
    if isinstance(decision, str):
        return decision_labels.action_label(decision, apps.get_model(model) if model else None)
    return decision_labels.action_label(_get(decision, "action"), decision)


@register.filter
def from_label(decision) -> str:
    return decision_labels.state_label(decision, _get(decision, "from_state"))


@register.filter
def to_label(decision) -> str:
    return decision_labels.state_label(decision, _get(decision, "to_state"))


@register.filter
def state_label(subject, value) -> str:
    return decision_labels.state_label(subject, value)


@register.filter
def actor_label(decision) -> str:
    return decision_labels.actor_label(decision)


@register.filter
def subject_label(decision) -> str:
    return decision_labels.subject_label(decision)


@register.filter
def reason_label(decision) -> str:
    return decision_labels.reason_label(decision)


@register.filter
def version_label(number) -> str:
    return decision_labels.version_label(number) if number not in (None, "") else ""


@register.filter
def score(value):
    """A rating or score with two decimals (3.7126 → 3.71, 87 → 87.00)."""
    if value in (None, ""):
        return ""
    return floatformat(value, 2)


@register.filter
def department(group_name: str) -> str:
    """A department's name in the reader's language (its group's name is a code)."""
    return role_label(group_name)


@register.filter
def measured(value):
    """A measured value as the lab wrote it, without padding zeros (1.5000 → 1.5, 2.0 → 2)."""
    if value in (None, ""):
        return ""
    return f"{Decimal(str(value)).normalize():f}"


@register.filter
def score_change(value):
    """A change of score with its sign and two decimals (+2.50, -1.00, 0.00)."""
    if value in (None, ""):
        return ""
    shown = floatformat(value, 2)
    return f"+{shown}" if float(value) > 0 else shown


@register.filter
def state_of(value, model: str) -> str:
    """The label of a state `value` of a model named "app_label.model"."""
    return decision_labels.state_label(apps.get_model(model), value)


@register.filter
def alert_kind(kind: str) -> str:
    return alerts.kind_label(kind)


@register.filter
def person(user) -> str:
    """A user as people know them: the full name, else the login name; "" for nobody."""
    if user is None or user == "":
        return ""
    return user.get_full_name() or user.get_username()


class DecisionsReadNode(template.Node):
    def __init__(self, decisions, nodelist):
        self.decisions, self.nodelist = decisions, nodelist

    def render(self, context):
        decisions = self.decisions.resolve(context)
        formset = getattr(decisions, "formset", None)  # an admin inline: its forms' rows
        if formset is not None:
            decisions = [form.instance for form in formset.forms]
        decisions = list(decisions or [])
        with decision_labels.decisions_read(decisions):
            return self.nodelist.render(context)


@register.tag
def decisions_read(parser, token):
    """`{% decisions_read decisions %}` (decisions, or an admin inline of them) … the rows
    rendered … `{% end_decisions_read %}`: their reasons' names read once for all rows."""
    try:
        _tag, decisions = token.split_contents()
    except ValueError as exc:
        raise template.TemplateSyntaxError("decisions_read takes the decisions") from exc
    nodelist = parser.parse(("end_decisions_read",))
    parser.delete_first_token()
    return DecisionsReadNode(parser.compile_filter(decisions), nodelist)

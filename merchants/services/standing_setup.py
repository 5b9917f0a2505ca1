"""Wiring for merchant standing: alert kinds, navigation and who may read its files."""

from contextvars import ContextVar

from django.utils.translation import gettext_lazy as _

from core.alerts import choice_label, register_kind
from core.decision_labels import read_once
from core.navigation import register_nav
from core.roles import Role, has_role
from core.uploads import register_access_rule
from merchants.selectors import latest_rules

STANDING_READERS = (Role.MERCHANT_MANAGEMENT, Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER)


# The latest version of the rules named by the alerts being rendered, by code (None: no
# such rule), read in one query by `rules_read`.
_RULES: ContextVar[dict | None] = ContextVar("alert_rules", default=None)


def rules_read(codes):
    """Within it, the rules of these codes (of a page of alerts, a delivery batch) are known
    from one query, so `rule_title` asks nothing more. Nested, only the unknown are read."""
    codes = {code for code in codes if isinstance(code, str)}
    return read_once(
        _RULES, codes, lambda missing: {rule.code: rule for rule in latest_rules(missing)}
    )


def rule_title(code: str) -> str:
    """The title of a violation rule, in the reader's language, from the code an alert
    payload keeps (read with the others of the page within `rules_read`)."""
    known = _RULES.get() or {}
    rule = known[code] if code in known else latest_rules([code]).first()
    return rule.title if rule else code


def ready() -> None:
    from merchants import reason_texts
    from merchants.models import Appeal, Sanction

    register_kind(
        "violation_recorded",
        _("Violation recorded"),
        _("%(merchant)s: %(points)s points for “%(rule)s”, counting until %(expires)s"),
        labels={"rule": rule_title},
        readers={"rule": rules_read},
    )
    register_kind(
        "sanction_imposed",
        _("Sanction imposed"),
        _("%(merchant)s: sanction “%(kind)s” at %(points)s points, until %(ends)s"),
        labels={"kind": choice_label(Sanction.Kind)},
    )
    register_kind(
        "sanction_revoked",
        _("Sanction revoked"),
        _("%(merchant)s: sanction “%(kind)s” revoked: %(reason)s"),
        labels={"kind": choice_label(Sanction.Kind), "reason": reason_texts.unquote},
    )
    from merchants.models import Merchant

    register_kind(
        "merchant_reinstated",
        _("Selling rights restored"),
        _("%(merchant)s: the suspension ended; the shop is %(status)s again and may sell."),
        labels={"status": choice_label(Merchant.Status)},
    )
    register_kind(
        "appeal_submitted",
        _("Appeal submitted"),
        _("%(merchant)s appealed; decision due %(due)s"),
    )
    register_kind(
        "appeal_decided",
        _("Appeal decided"),
        _("%(merchant)s: appeal %(outcome)s: %(reason)s"),
        labels={"outcome": choice_label(Appeal.Status)},
    )
    register_kind(
        "appeal_due_soon", _("Appeal decision due soon"), _("%(merchant)s: appeal due %(due)s")
    )
    register_kind(
        "appeal_overdue",
        _("Appeal decision overdue"),
        _("%(merchant)s: appeal was due %(due)s"),
    )
    from merchants.portal import register_portal_link

    register_portal_link(_("Standing"), "merchants:standing", 70)
    register_nav(
        _("Appeals"),
        "merchants:staff-appeals",
        lambda user: has_role(user, Role.MERCHANT_MANAGEMENT),
        order=410,
    )
    register_access_rule(standing_file_readable)


def standing_file_readable(request, upload) -> bool:
    """Appeal files and evidence uploads: the merchant concerned and standing staff."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from merchants.models import Appeal, Sanction, ViolationEntry
    from merchants.selectors import merchant_of

    user = request.user
    if not user.is_authenticated:
        return False
    upload_type = ContentType.objects.get_for_model(upload)
    as_appeal = Appeal.objects.filter(files=upload)
    as_entry = ViolationEntry.objects.filter(
        Q(evidence_type=upload_type, evidence_id=str(upload.pk)) | Q(evidence_file=upload)
    )
    as_sanction = Sanction.objects.filter(evidence_type=upload_type, evidence_id=str(upload.pk))
    if has_role(user, *STANDING_READERS):
        return as_appeal.exists() or as_entry.exists() or as_sanction.exists()
    merchant = merchant_of(user)
    if merchant is None:
        return False
    return (
        as_appeal.filter(merchant=merchant).exists()
        or as_entry.filter(merchant=merchant).exists()
        or as_sanction.filter(merchant=merchant).exists()
    )

"""Public quality notices of confirmed incidents (domain §13, §17; issue 18 item 5).

Staff draft the text (pre-filled from the incident in both languages: the product, the
merchant's public name, what was found, what the platform did, what buyers can do; never a
consumer's data), a Quality Manager approves and publishes it, and it can be withdrawn.
Pages that show notices (the transparency page, the product's public quality record) are
told through `on_notice_change` listeners, so they drop their caches.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import QualityIncident, QualityNotice
from complaints.services.buyer_notices import platform_actions
from core.audit import Workflow, record_decision
from core.exceptions import DomainError, NotAllowed
from core.roles import Role, has_role

NOTICE_FLOW = Workflow(
    "status",
    {
        QualityNotice.Status.DRAFT: {QualityNotice.Status.PUBLISHED},
        QualityNotice.Status.PUBLISHED: {QualityNotice.Status.WITHDRAWN},
        QualityNotice.Status.WITHDRAWN: {QualityNotice.Status.DRAFT},
    },
    labels=dict(QualityNotice.Status.choices),
)

NOTICE_LISTENERS: list = []


def on_notice_change(listener):
    """Register `listener(notice)`, called after commit when a notice is published or
    withdrawn (higher apps drop cached public pages)."""
    if listener not in NOTICE_LISTENERS:
        NOTICE_LISTENERS.append(listener)
    return listener


def _after_change(notice: QualityNotice) -> None:
    from inspections import quality_record

    def run():
        quality_record.forget(
            product_id=notice.incident.product_id,
            lot_code=notice.incident.lot.code if notice.incident.lot_id else None,
        )
        for listener in NOTICE_LISTENERS:
            listener(notice)

    transaction.on_commit(run)


def may_draft(user) -> bool:
    return has_role(user, Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER)


def may_approve(user) -> bool:
    return has_role(user, Role.QUALITY_MANAGER)


def _require_confirmed(incident: QualityIncident) -> None:
    if incident.status != QualityIncident.Status.RESOLVED:
        raise DomainError(
            {
                "incident": _(
                    "A public quality notice is only for a confirmed incident; incident "
                    "%(reference)s is %(status)s."
                )
                % {"reference": incident.reference, "status": incident.get_status_display()}
            },
            code="not_confirmed",
        )


def prefilled_text(incident: QualityIncident, language: str) -> tuple[str, str]:
    """Title and text of a notice in `language`, from the incident: public facts only."""
    with translation.override(language):
        product = incident.product.title
        title = _("Quality notice: %(product)s") % {"product": product}
        paragraphs = [
            _("Product: %(product)s, sold by %(merchant)s.")
            % {"product": product, "merchant": incident.merchant.legal_name},
            _("What was found: %(kind)s.") % {"kind": incident.get_kind_display()}
            + (f" {incident.findings.strip()}" if incident.findings.strip() else ""),
            _("What the platform did:")
            + "\n"
            + "\n".join(f"- {line}" for line in platform_actions(incident)),
            _(
                "What buyers can do: stop using the product if it may be unsafe, and ask for "
                "a remedy (refund, return or compensation) through the complaint form with "
                "your order number. Buyers we could reach have been told by e-mail."
            ),
        ]
    return title, "\n\n".join(paragraphs)


TEXT_FIELDS = ("title_zh_hans", "title_en", "body_zh_hans", "body_en")


def _texts(incident, given: dict) -> dict:
    zh_title, zh_body = prefilled_text(incident, "zh-hans")
    en_title, en_body = prefilled_text(incident, "en")
    texts = {
        "title_zh_hans": zh_title,
        "title_en": en_title,
        "body_zh_hans": zh_body,
        "body_en": en_body,
    }
    for name in TEXT_FIELDS:
        value = given.get(name)
        if value is not None:
            texts[name] = value.strip()
    missing = {name: _("This text cannot be empty.") for name in TEXT_FIELDS if not texts[name]}
    if missing:
        raise DomainError(missing, code="empty")
    return texts


@transaction.atomic
def draft_notice(*, incident: QualityIncident, by, **texts) -> QualityNotice:
    """Create the incident's notice as a draft (texts pre-filled when not given), or edit
    the draft; a withdrawn notice goes back to draft. A published notice is not edited:
    withdraw it first."""
    if not may_draft(by):
        raise NotAllowed(_("Only Quality Management staff may draft a quality notice."))
    incident = QualityIncident.objects.select_for_update().get(pk=incident.pk)
    _require_confirmed(incident)
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown notice fields {sorted(unknown)}")
    notice = QualityNotice.objects.select_for_update().filter(incident=incident).first()
    now = timezone.now()
    if notice is None:
        notice = QualityNotice.objects.create(
            incident=incident,
            drafted_by=by if getattr(by, "is_authenticated", False) else None,
            drafted_at=now,
            **_texts(incident, texts),
        )
        record_decision(notice, action="draft", to_state=notice.status, actor=by)
        return notice
    if notice.status == QualityNotice.Status.PUBLISHED:
        raise DomainError(
            _("This notice is published; withdraw it before changing its text."),
            code="published",
        )
    current = {name: getattr(notice, name) for name in TEXT_FIELDS}
    for name, value in _texts(incident, {**current, **texts}).items():
        setattr(notice, name, value)
    notice.drafted_by = by if getattr(by, "is_authenticated", False) else notice.drafted_by
    notice.drafted_at = now
    fields = [*TEXT_FIELDS, "drafted_by", "drafted_at"]
    if notice.status == QualityNotice.Status.WITHDRAWN:
        notice.approved_by = None
        NOTICE_FLOW.apply(
            notice,
            QualityNotice.Status.DRAFT,
            actor=by,
            action="redraft",
            update_fields=[*fields, "approved_by"],
        )
    else:
        notice.save(update_fields=fields)
        record_decision(notice, action="edit_draft", actor=by)
    return notice


@transaction.atomic
def approve_and_publish(*, notice: QualityNotice, by) -> QualityNotice:
    """A Quality Manager approves the draft's text; the notice is public from now on."""
    if not may_approve(by):
        raise NotAllowed(_("Only a Quality Manager may approve and publish a quality notice."))
    notice = QualityNotice.objects.select_for_update().select_related("incident").get(pk=notice.pk)
    _require_confirmed(notice.incident)
    notice.approved_by = by
    notice.published_at = timezone.now()
    NOTICE_FLOW.apply(
        notice,
        QualityNotice.Status.PUBLISHED,
        actor=by,
        action="approve_and_publish",
        update_fields=["approved_by", "published_at"],
    )
    _after_change(notice)
    return notice


@transaction.atomic
def withdraw(*, notice: QualityNotice, by, reason: str) -> QualityNotice:
    """Take a published notice off the public pages, with the reason (Quality Managers)."""
    if not may_approve(by):
        raise NotAllowed(_("Only a Quality Manager may withdraw a quality notice."))
    if not (reason or "").strip():
        raise DomainError({"reason": _("Say why the notice is withdrawn.")}, code="reason")
    notice = QualityNotice.objects.select_for_update().select_related("incident").get(pk=notice.pk)
    notice.withdrawn_at = timezone.now()
    notice.withdrawal_reason = reason.strip()
    NOTICE_FLOW.apply(
        notice,
        QualityNotice.Status.WITHDRAWN,
        actor=by,
        reason=reason.strip(),
        action="withdraw",
        update_fields=["withdrawn_at", "withdrawal_reason"],
    )
    _after_change(notice)
    return notice

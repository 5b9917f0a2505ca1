"""Opening a case: the tracking token, validation, the pinned policy and clocks, filing with
files, and the mailbox triage."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import (
    Case,
    CaseKind,
    CaseMessage,
    CaseStatus,
    Priority,
)
from complaints.services.assignment import assign
from complaints.services.clocks import sync_clocks
from complaints.services.common import _Enqueue, _post, _target
from complaints.services.eligibility import explain, remedy_eligibility
from complaints.services.incidents import open_for_case
from complaints.services.policies import policy_in_force
from core.audit import batched_decisions, record_decision
from core.db import NextId, NumberedReference
from core.exceptions import DomainError
from core.uploads import with_stored_files


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def case_for_token(token: str, *, now=None) -> Case | None:
    """The case a consumer's tracking link opens, or None: a bad token, or a link that
    expired (COMPLAINTS_LINK_DAYS_AFTER_CLOSE days after the case closed). Only the hash is
    stored, so a database leak reveals no working link."""
    if not token or len(token) > 100:
        return None
    case = Case.objects.filter(tracking_token_hash=hash_token(token)).first()
    if case is None or case.closed_at is None:
        return case
    expires = case.closed_at + timedelta(days=settings.COMPLAINTS_LINK_DAYS_AFTER_CLOSE)
    return None if (now or timezone.now()) > expires else case


def check_filing(
    *,
    kind: str = CaseKind.COMPLAINT,
    merchant=None,
    description: str = "",
    channel: str = Case.Channel.WEB,
    consumer_email: str = "",
    consumer_phone: str = "",
    product=None,
    delivered_at: datetime | None = None,
    complaint_type: str = "",
    desired_remedy: str = "",
    advertised_claim: str = "",
    goods_opened: bool | None = None,
    received_at: datetime | None = None,
    now: datetime | None = None,
    **_other_fields,
) -> datetime:
    """Every rule a new case must pass, writing nothing; returns the instant its clocks
    start. file_case runs it; forms run it in clean() so each refusal shows next to its
    input. Raises one DomainError keyed by argument name (None: the filing as a whole),
    carrying every refusal found, which core.web.add_service_errors and the API map to
    their fields."""
    errors: dict[str | None, list[str]] = {}

    def refuse(field, message):
        errors.setdefault(field, []).append(message)

    now = now or timezone.now()
    if received_at is not None and received_at > now:
        refuse("received_at", _("The time the case was received cannot be in the future."))
    elif received_at is not None:
        now = received_at
    if kind not in CaseKind.values:
        refuse(None, _("Unknown case kind."))
    if channel not in Case.Channel.values:
        refuse("channel", _("Unknown channel."))
    if not ((consumer_email or "").strip() or (consumer_phone or "").strip()):
        refuse("consumer_phone", _("Give an email address or a phone number so we can reach you."))
    if not (description or "").strip():
        refuse("description", _("Describe what happened."))
    if delivered_at is not None and delivered_at > now:
        refuse("delivered_at", _("The delivery date cannot be in the future."))
    if kind == CaseKind.AD_REPORT:
        if product is None or not (advertised_claim or "").strip():
            refuse(
                "advertised_claim" if product is not None else "product",
                _("A false-advertising report needs the product and the claim."),
            )
    else:
        if merchant is None:
            refuse("merchant", _("Choose the shop or give the product number."))
        elif product is not None and product.merchant_id != merchant.pk:
            refuse("product", _("This product is not sold by this merchant."))
        if complaint_type not in Case.ComplaintType.values:
            refuse("complaint_type", _("Choose what the complaint is about."))
        elif desired_remedy and desired_remedy not in Case.Remedy.values:
            refuse("desired_remedy", _("Unknown remedy."))
        elif desired_remedy and "delivered_at" not in errors:
            verdict = remedy_eligibility(
                desired_remedy,
                complaint_type=complaint_type,
                product=product,
                delivered_at=delivered_at,
                now=now,
                opened=goods_opened,
            )
            if not verdict.eligible:
                refuse(
                    "desired_remedy",
                    _("%(remedy)s is not available for this purchase: %(why)s")
                    % {"remedy": Case.Remedy(desired_remedy).label, "why": explain(verdict)},
                )
    if errors:
        general = errors.pop(None, [])
        if not errors:
            raise DomainError(general)
        raise DomainError({**errors, **({"__all__": general} if general else {})})
    return now


@transaction.atomic(savepoint=False)  # file_case's transaction (with its files) is the unit
def _open_case(
    *,
    kind: str = CaseKind.COMPLAINT,
    merchant,
    consumer_name: str,
    description: str,
    channel: str = Case.Channel.WEB,
    consumer_email: str = "",
    consumer_phone: str = "",
    product=None,
    order_number: str = "",
    delivered_at: datetime | None = None,
    complaint_type: str = "",
    desired_remedy: str = "",
    advertised_claim: str = "",
    claim_seen_at: str = "",
    goods_opened: bool | None = None,
    priority: int = Priority.NORMAL,
    attachments=(),
    by=None,
    auto_assign: str | None = None,
    received_at: datetime | None = None,
) -> Case:
    """File a case: pin the SLA policy in force, store both deadlines and their at-risk
    instants, and hand out a tracking token (on `case.tracking_token`, never stored).

    `received_at`: when staff record a phone call or an email later, the clocks start when
    the consumer reached us, not when it was typed in."""
    now = check_filing(
        kind=kind,
        merchant=merchant,
        description=description,
        channel=channel,
        consumer_email=consumer_email,
        consumer_phone=consumer_phone,
        product=product,
        delivered_at=delivered_at,
        complaint_type=complaint_type,
        desired_remedy=desired_remedy,
        advertised_claim=advertised_claim,
        goods_opened=goods_opened,
        received_at=received_at,
    )
    fields = {
        "consumer_email": consumer_email.strip(),
        "consumer_phone": consumer_phone.strip(),
        "description": description,
        "desired_remedy": desired_remedy,
        "advertised_claim": advertised_claim,
    }
    if kind == CaseKind.AD_REPORT:
        complaint_type = fields["desired_remedy"] = ""
        goods_opened = None
    policy = policy_in_force(kind=kind, priority=priority, at=now)
    response = _target(policy, now, policy.first_response_hours)
    resolution = _target(policy, now, policy.resolution_hours)
    token = secrets.token_urlsafe(32)
    # The id and the reference numbered after it are drawn in the INSERT itself.
    reference = NumberedReference(
        Case, f"{'C' if kind == CaseKind.COMPLAINT else 'R'}{now:%Y%m%d}-", digits=6
    )
    case = Case.objects.create(
        id=NextId(Case),
        kind=kind,
        reference=reference,
        channel=channel,
        priority=priority,
        consumer_name=consumer_name.strip(),
        order_number=order_number.strip(),
        delivered_at=delivered_at,
        merchant=merchant,
        product=product,
        complaint_type=complaint_type,
        claim_seen_at=claim_seen_at.strip(),
        goods_opened=goods_opened,
        policy=policy,
        response_due_at=response.due_at,
        response_at_risk_at=response.at_risk_at,
        resolution_due_at=resolution.due_at,
        resolution_at_risk_at=resolution.at_risk_at,
        tracking_token_hash=hash_token(token),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        created_at=now,
        **fields,
    )
    case.reference = reference.reference(case.pk)
    _post(case, CaseMessage.Author.CONSUMER, description, attachments=attachments)
    # The case's "open" and its incident's "open" or "join": one INSERT.
    with batched_decisions():
        record_decision(
            case,
            action="open",
            to_state=CaseStatus.NEW,
            actor=by,
            actor_label="" if by else "consumer",
            data={"channel": channel, "policy": policy.pk, "policy_version": policy.version},
        )
        sync_clocks(case)
        # Every channel files through here: a counterfeit, defect or safety complaint about
        # a product opens (or joins) its quality incident now, not when the case is
        # resolved, so staff can suspend the listing while the case is still being worked (C5).
        open_for_case(case, by=by, files=list(attachments))
    if auto_assign:
        case = assign(case=case, strategy=auto_assign)
    case.tracking_token = token
    return case


def purchase_for_filer(*, order_number: str, contacts=(), trusted: bool = False, product=None):
    """The purchase behind an order number, when the person filing may rely on it.

    A consumer on the public form only gets the stored purchase (its delivered-at, product
    and merchant) when one of the contacts they typed is the purchase's consumer: otherwise
    anyone could read a stranger's delivery date off the remedy list by guessing order
    numbers. Staff recording a call or an email (`trusted`) match on the order alone.
    `product`: the product the filer named, already read (reviews.selectors.purchase_for_order
    does not read it again)."""
    from reviews.identity import normalize
    from reviews.selectors import purchase_for_order

    order_number = (order_number or "").strip()
    if not order_number:
        return None
    purchase = purchase_for_order(order_number, product=product)
    if purchase is None or trusted:
        return purchase
    given = {normalize(c) for c in contacts if c and c.strip()}
    return purchase if purchase.consumer in given else None


def file_case(*, files=(), attachments=(), by=None, **fields) -> Case:
    """The one way to open a case, for every channel (public form, staff intake, mailbox,
    API, admin): check the filing, store the uploaded `files` (core.uploads) and open the
    case with them and any already stored `attachments` (an email's) in one transaction,
    record the decision, and mail the consumer their tracking link after commit. When
    anything is refused nothing stays behind: rows roll back, files written are removed."""

    def open_with(stored):
        case = _open_case(attachments=[*attachments, *stored], by=by, **fields)
        # Every channel: a consumer who closes the tab still has the link in their mail.
        mail_tracking_link(case)
        return case

    return with_stored_files(files, by=by, then=open_with)


def mail_tracking_link(case: Case) -> None:
    """After commit, send the consumer the link of a case just opened (to their e-mail and
    phone; the token is only known right after the case opened)."""
    if (case.consumer_email or case.consumer_phone) and getattr(case, "tracking_token", None):
        transaction.on_commit(_Enqueue("send_tracking_link", (case.pk, case.tracking_token)))


def _locked_mail(mail):
    from complaints.models import InboundMail

    mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
    if mail.status != InboundMail.Status.NEEDS_TRIAGE:
        raise DomainError(
            _("This email has already been handled (%(status)s).")
            % {"status": mail.get_status_display()}
        )
    return mail


@transaction.atomic
def open_case_from_mail(*, mail, by, **fields) -> Case:
    """Consumer Service makes a case of an email the ingestion could not match. The clocks
    start when the email arrived; its stored attachments go with the case."""
    from complaints.models import InboundMail

    mail = _locked_mail(mail)
    fields.setdefault("consumer_email", mail.from_address)
    case = file_case(
        channel=Case.Channel.EMAIL,
        received_at=mail.received_at,
        attachments=list(mail.attachments.all()),
        by=by,
        **fields,
    )
    mail.status = InboundMail.Status.CASE_OPENED
    mail.case = case
    mail.triaged_by = by if getattr(by, "is_authenticated", False) else None
    mail.triaged_at = timezone.now()
    mail.save(update_fields=["status", "case", "triaged_by", "triaged_at"])
    record_decision(
        mail,
        action="open_case",
        from_state=InboundMail.Status.NEEDS_TRIAGE,
        to_state=InboundMail.Status.CASE_OPENED,
        actor=by,
        data={"case": case.pk},
    )
    return case


@transaction.atomic
def dismiss_mail(*, mail, by, reason: str):
    """Spam, an auto-reply, nothing to act on: closed with the reason, kept for the audit."""
    from complaints.models import InboundMail

    if not reason.strip():
        raise DomainError(_("Say why this email needs no case."))
    mail = _locked_mail(mail)
    mail.status = InboundMail.Status.DISMISSED
    mail.dismiss_reason = reason.strip()
    mail.triaged_by = by if getattr(by, "is_authenticated", False) else None
    mail.triaged_at = timezone.now()
    mail.save(update_fields=["status", "dismiss_reason", "triaged_by", "triaged_at"])
    record_decision(
        mail,
        action="dismiss",
        from_state=InboundMail.Status.NEEDS_TRIAGE,
        to_state=InboundMail.Status.DISMISSED,
        actor=by,
        reason=reason,
    )
    return mail

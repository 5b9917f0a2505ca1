"""Onboarding: sign-up, the application workflow, documents and their review, requirements,
agreement, training, probation and the daily expiry sweep.

Rules live here; portal views, admin, API and tasks only call these functions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import policies
from core.alerts import AlertSpec, raise_alerts, raise_alerts_from_select
from core.audit import SYSTEM, Workflow, record_decision
from core.db import advisory_xact_lock
from core.decision_labels import reason_data
from core.exceptions import DomainError, NotAllowed
from core.roles import Role, has_role
from core.text import validate_single_line
from core.uploads import atomic_with_uploads, store_upload
from merchants import credit_code as credit_codes
from merchants import reason_texts
from merchants.models import (
    CATEGORY_SCOPED_TYPES,
    AgreementAcceptance,
    AgreementVersion,
    Application,
    CategoryDocumentRule,
    Document,
    DocumentType,
    Membership,
    Merchant,
    Probation,
    Restriction,
    TeamInvitation,
    TrainingAttendance,
    TrainingSession,
    slot_key,
)
from merchants.policies import ONBOARDING
from merchants.selectors import merchant_of
from merchants.services.selling import (
    after_restrictions_change,
    lift,
    refuse_categories_without_report,
)

S = Application.Status
APPLICATION_FLOW = Workflow(
    "status",
    {
        S.DRAFT: {S.SUBMITTED},
        S.SUBMITTED: {S.UNDER_REVIEW},
        S.UNDER_REVIEW: {S.APPROVED, S.REJECTED, S.NEEDS_CHANGES},
        S.NEEDS_CHANGES: {S.SUBMITTED},
    },
    labels=dict(S.choices),
)
PORTAL_DOCUMENTS_URL = "/merchant/documents/"
PORTAL_HOME_URL = "/merchant/"
REVIEW_QUEUE_URL = "/staff/merchants/review/"
SWEEP_LABEL = "merchants-daily-sweep"


# --- who may act ------------------------------------------------------------------------
def is_merchant_staff(user) -> bool:
    """Merchant Management staff (superusers count)."""
    return has_role(user, Role.MERCHANT_MANAGEMENT)


def is_platform_staff(user) -> bool:
    """Any department role, the admin flag or superuser: such an account never belongs to a
    merchant (and a merchant user never becomes staff; the database refuses both)."""
    return bool(
        getattr(user, "is_staff", False)
        or getattr(user, "is_superuser", False)
        or has_role(user, *Role.values)
    )


def ensure_may_join_merchant(user) -> None:
    """The one check before a membership is created (API, portal, admin all call it)."""
    if is_platform_staff(user):
        raise DomainError(
            _("Platform staff accounts cannot belong to a merchant."), code="staff_account"
        )
    if Membership.objects.filter(user=user).exists():
        raise DomainError(_("This account already belongs to a merchant."), code="has_merchant")


def refuse_staff_role_for_member(user) -> None:
    """core.roles guard: a merchant user cannot be given a staff role or the staff flag."""
    if user.pk and Membership.objects.filter(user_id=user.pk).exists():
        raise DomainError(
            _("This account belongs to a merchant; it cannot be platform staff."),
            code="merchant_user",
        )


def ensure_can_act_for(actor, merchant: Merchant) -> None:
    """A merchant user acts only for their own merchant; Merchant Management for any."""
    if is_merchant_staff(actor):
        return
    own = merchant_of(actor)
    if own is None or own.pk != merchant.pk:
        raise NotAllowed(_("You can only act for your own merchant."), code="not_your_merchant")


def ensure_staff(actor) -> None:
    if not is_merchant_staff(actor):
        raise NotAllowed(
            _("Only Merchant Management staff can do this."), code="merchant_management_only"
        )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give a reason."), code="reason_required")
    return reason


# --- sign-up and merchant details -----------------------------------------------------------
@transaction.atomic
def register_merchant(
    *,
    user,
    legal_name: str,
    credit_code: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    categories=(),
) -> Merchant:
    """A new merchant with the user as owner and a draft application."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Please log in first."), code="login_required")
    if merchant_of(user) is not None:
        raise DomainError(_("Your account already belongs to a merchant."), code="has_merchant")
    if is_platform_staff(user):
        raise DomainError(_("Staff accounts cannot register a merchant."), code="staff_account")
    code = (credit_code or "").strip().upper()
    if not credit_codes.is_valid(code):
        raise DomainError(
            {
                "credit_code": _(
                    "This is not a valid unified social credit code (18 characters, check "
                    "digit per GB 32100-2015)."
                )
            },
            code="credit_code",
        )
    if Merchant.objects.filter(credit_code=code).exists():
        raise DomainError(
            {"credit_code": _("A merchant with this credit code is already registered.")},
            code="credit_code_taken",
        )
    if not (legal_name or "").strip():
        raise DomainError({"legal_name": _("Please enter the legal name.")}, code="required")
    try:
        validate_single_line(legal_name)
    except ValidationError as exc:
        raise DomainError({"legal_name": exc.messages}, code="single_line") from exc
    merchant = Merchant.objects.create(
        legal_name=legal_name.strip(),
        credit_code=code,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        status=Merchant.Status.ONBOARDING,
    )
    merchant.categories.set(categories)
    Membership.objects.create(user=user, merchant=merchant, role=Membership.Role.OWNER)
    record_decision(merchant, action="registered", to_state=merchant.status, actor=user)
    application = Application.objects.create(merchant=merchant, created_by=user)
    record_decision(application, action="created", to_state=application.status, actor=user)
    return merchant


@transaction.atomic
def sign_up(*, username: str, email: str, password: str, **merchant) -> Merchant:
    """A visitor creates an account and registers a merchant in one step (or neither)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password

    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise DomainError({"username": _("Please choose a user name.")}, code="required")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError({"username": _("This user name is taken.")}, code="username_taken")
    user = User(username=username, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError({"password1": exc.messages}, code="password") from exc
    user.set_password(password)
    user.save()
    return register_merchant(user=user, **merchant)


@transaction.atomic
def update_merchant_details(*, merchant: Merchant, actor, categories=None, **details) -> Merchant:
    """Contact details and categories, while the application is a draft or needs changes."""
    ensure_can_act_for(actor, merchant)
    application = open_application(merchant)
    if not is_merchant_staff(actor) and (
        application is None or not application.is_editable_by_merchant
    ):
        raise DomainError(
            _(
                "Your details can be changed only while the application is a draft or needs "
                "changes."
            ),
            code="not_editable",
        )
    allowed = {"legal_name", "contact_name", "contact_email", "contact_phone"}
    unknown = set(details) - allowed
    if unknown:
        raise DomainError(_("These details cannot be changed here."), code="not_editable")
    before = {name: getattr(merchant, name) for name in details}
    for name, value in details.items():
        setattr(merchant, name, value)
    merchant.full_clean(exclude=["credit_code", "categories"])
    merchant.save()
    if categories is not None:
        refuse_categories_without_report(merchant, categories)
        merchant.categories.set(categories)
    record_decision(
        merchant,
        action="details_changed",
        actor=actor,
        data={"before": before, "categories": [c.pk for c in categories or []]},
    )
    return merchant


@transaction.atomic
def add_staff_member(*, merchant: Merchant, actor, user) -> Membership:
    """An owner adds a staff member (an existing account that has no merchant yet)."""
    ensure_can_act_for(actor, merchant)
    membership = getattr(actor, "membership", None)
    if not is_merchant_staff(actor) and (
        membership is None or membership.role != Membership.Role.OWNER
    ):
        raise NotAllowed(_("Only an owner can add staff."), code="owner_only")
    ensure_may_join_merchant(user)
    created = Membership.objects.create(user=user, merchant=merchant, role=Membership.Role.STAFF)
    record_decision(merchant, action="staff_added", actor=actor, data={"user": user.get_username()})
    return created


# --- team invitations ----------------------------------------------------------------------
INVITATIONS_PER_HOUR = 10
INVITATION_DAYS = 7
INVITATIONS_URL = "/merchant/invitations/"


def _invitable_account(identifier: str):
    """The one account an owner's text names and that may join a merchant, or None."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    if "@" in identifier:
        matches = list(users.filter(email__iexact=identifier)[:2])
    else:
        matches = list(users.filter(username=identifier)[:1])
    if len(matches) != 1:
        return None
    user = matches[0]
    if is_platform_staff(user) or Membership.objects.filter(user=user).exists():
        return None
    return user


@transaction.atomic
def invite_team_member(*, merchant: Merchant, actor, identifier: str) -> TeamInvitation:
    """An owner invites someone (user name or e-mail) to the team.

    The outcome looks the same to the owner whatever the account's state (none, platform
    staff, already in a merchant, already invited): an invitation row exists, and only an
    account that may join is linked to it and told (an alert, e-mailed). At most
    INVITATIONS_PER_HOUR per merchant, so the form cannot be used to probe accounts."""
    ensure_can_act_for(actor, merchant)
    membership = getattr(actor, "membership", None)
    if membership is None or membership.role != Membership.Role.OWNER:
        raise NotAllowed(_("Only an owner can invite team members."), code="owner_only")
    identifier = (identifier or "").strip()
    if not identifier:
        raise DomainError(
            {"identifier": _("Please enter a user name or e-mail address.")}, code="required"
        )
    try:
        validate_single_line(identifier)
    except ValidationError as exc:
        raise DomainError({"identifier": exc.messages}, code="single_line") from exc
    now = timezone.now()
    # Serialise one merchant's invitations, so the hourly limit holds under concurrency.
    advisory_xact_lock(f"merchant-invitations:{merchant.pk}")
    sent = TeamInvitation.objects.filter(
        merchant=merchant, created_at__gt=now - timedelta(hours=1)
    ).count()
    if sent >= INVITATIONS_PER_HOUR:
        raise DomainError(
            _("Too many invitations in the last hour. Please try again later."),
            code="rate_limited",
        )
    invitee = _invitable_account(identifier)
    if (
        invitee is not None
        and TeamInvitation.objects.filter(
            merchant=merchant,
            invitee=invitee,
            status=TeamInvitation.Status.PENDING,
            expires_at__gt=now,
        ).exists()
    ):
        invitee = None  # already invited: the earlier invitation stands, no second alert
    invitation = TeamInvitation.objects.create(
        merchant=merchant,
        addressed_to=identifier[:254],
        invitee=invitee,
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    if invitee is not None:
        raise_alerts(
            [
                AlertSpec(
                    kind="team_invitation",
                    key=f"team_invitation:{invitation.pk}",
                    user_id=invitee.pk,
                    obj=invitation,
                    payload={"merchant": merchant.legal_name},
                    url=INVITATIONS_URL,
                )
            ],
            now=now,
        )
    record_decision(
        merchant, action="team_invitation_sent", actor=actor, data={"invitation": invitation.pk}
    )
    return invitation


def open_invitations_for(user):
    """The invitations a logged-in account may accept now."""
    return TeamInvitation.objects.filter(
        invitee=user, status=TeamInvitation.Status.PENDING, expires_at__gt=timezone.now()
    ).select_related("merchant", "invited_by")


@transaction.atomic
def decide_invitation(*, invitation: TeamInvitation, user, accept: bool) -> Membership | None:
    """The invitee accepts (joins as staff) or declines their invitation."""
    invitation = TeamInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.invitee_id is None or invitation.invitee_id != getattr(user, "pk", None):
        raise NotAllowed(_("This invitation is not for your account."), code="not_invitee")
    now = timezone.now()
    if invitation.status != TeamInvitation.Status.PENDING or invitation.expires_at <= now:
        raise DomainError(_("This invitation is no longer open."), code="invitation_closed")
    membership = None
    if accept:
        ensure_may_join_merchant(user)
        membership = Membership.objects.create(
            user=user, merchant=invitation.merchant, role=Membership.Role.STAFF
        )
        record_decision(
            invitation.merchant,
            action="staff_added",
            actor=user,
            data={"user": user.get_username(), "invitation": invitation.pk},
        )
    invitation.status = TeamInvitation.Status.ACCEPTED if accept else TeamInvitation.Status.DECLINED
    invitation.decided_at = now
    invitation.save(update_fields=["status", "decided_at"])
    return membership


class InvalidReview(DomainError):
    pass


# --- documents ------------------------------------------------------------------------------
def document_label(document_type: str, category=None) -> str:
    label = str(DocumentType(document_type).label)
    if category is not None:
        label = _("%(document)s for %(category)s") % {"document": label, "category": category}
    return label


@atomic_with_uploads()
def upload_document(
    *,
    merchant: Merchant,
    actor,
    document_type: str,
    number: str,
    issuer: str,
    issued_on: date,
    file,
    expires_on: date | None = None,
    category=None,
) -> Document:
    """Store a document for review. Every check runs before the file is written."""
    ensure_can_act_for(actor, merchant)
    if merchant.status == Merchant.Status.TERMINATED:
        raise DomainError(_("This merchant has been terminated."), code="terminated")
    if document_type not in DocumentType.values:
        raise DomainError({"document_type": _("Unknown document type.")}, code="document_type")
    errors = {}
    if document_type == DocumentType.BUSINESS_LICENCE:
        if category is not None:
            errors["category"] = _("A business licence covers the whole merchant, not a category.")
    elif category is None:
        errors["category"] = _("Choose the category this document is for.")
    elif not merchant.categories.filter(pk=category.pk).exists():
        errors["category"] = (
            _(
                "You do not sell in %(category)s; request the category with its test report "
                "on the Categories page."
            )
            if merchant.is_live
            else _("You do not sell in %(category)s; add the category to your application first.")
        ) % {"category": category}
    errors.update(
        document_field_errors(
            document_type=document_type,
            number=number,
            issuer=issuer,
            issued_on=issued_on,
            expires_on=expires_on,
        )
    )
    if errors:
        raise DomainError(errors, code="invalid_document")
    return store_document(
        merchant=merchant,
        actor=actor,
        document_type=document_type,
        category=category,
        number=number,
        issuer=issuer,
        issued_on=issued_on,
        expires_on=expires_on,
        file=file,
    )


def document_field_errors(*, document_type, number, issuer, issued_on, expires_on) -> dict:
    """The checks of a document's own fields, keyed by field (empty when all is well)."""
    errors = {}
    if not (number or "").strip():
        errors["number"] = _("Please enter the document number.")
    if not (issuer or "").strip():
        errors["issuer"] = _("Please enter who issued the document.")
    today = timezone.localdate()
    if issued_on is None:
        errors["issued_on"] = _("Please enter the issue date.")
    elif issued_on > today:
        errors["issued_on"] = _("The issue date cannot be in the future.")
    if expires_on is not None:
        if issued_on is not None and expires_on <= issued_on:
            errors["expires_on"] = _("The expiry date must be after the issue date.")
        elif expires_on <= today:
            errors["expires_on"] = _("This document has already expired.")
    elif document_type == DocumentType.TEST_REPORT:
        errors["expires_on"] = _("A test report must state until when it is valid.")
    return errors


def store_document(
    *, merchant, actor, document_type, category, number, issuer, issued_on, expires_on, file
) -> Document:
    """Store a checked document for review (callers ran `document_field_errors` first)."""
    upload = store_upload(file, uploaded_by=actor)
    document = Document.objects.create(
        merchant=merchant,
        document_type=document_type,
        category=category,
        number=number.strip(),
        issuer=issuer.strip(),
        issued_on=issued_on,
        expires_on=expires_on,
        file=upload,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_decision(document, action="uploaded", to_state=document.status, actor=actor)
    return document


@transaction.atomic
def review_document(
    *, document: Document, actor, verdict: str, reason_code: str = "", note: str = ""
) -> Document:
    """Accept or reject a pending document. Accepting replaces the slot's previous document
    and lifts the restrictions its expiry or overdue re-verification caused."""
    ensure_staff(actor)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status != Document.Status.PENDING:
        raise InvalidReview(
            _("This document has already been reviewed (%(status)s).")
            % {"status": document.get_status_display()}
        )
    now = timezone.now()
    if verdict == Document.Status.REJECTED:
        if reason_code not in Document.Reason.values:
            raise DomainError(
                {"reason_code": _("Choose a reason code for the rejection.")}, code="reason_code"
            )
        if reason_code == Document.Reason.OTHER and not (note or "").strip():
            raise DomainError({"review_note": _("Please explain the reason.")}, code="note")
    elif verdict == Document.Status.ACCEPTED:
        if document.expires_on is not None and document.expires_on <= timezone.localdate(now):
            raise DomainError(
                _("An expired document cannot be accepted; reject it with reason “expired”."),
                code="expired",
            )
        reason_code = ""
        Document.objects.filter(
            merchant_id=document.merchant_id,
            document_type=document.document_type,
            category_id=document.category_id,
            status=Document.Status.ACCEPTED,
        ).update(status=Document.Status.SUPERSEDED)
        if document.document_type == DocumentType.BUSINESS_LICENCE:
            document.verified_at = now
    else:
        raise DomainError({"verdict": _("Choose accept or reject.")}, code="verdict")
    document.status = verdict
    document.reason_code = reason_code
    document.review_note = note or ""
    document.reviewed_by = actor
    document.reviewed_at = now
    document.save()
    record_decision(
        document,
        action="review",
        from_state=Document.Status.PENDING,
        to_state=verdict,
        actor=actor,
        reason=note,
        data={"reason_code": reason_code},
    )
    if verdict == Document.Status.ACCEPTED:
        for reason in (Restriction.Reason.DOCUMENT_EXPIRED, Restriction.Reason.REVERIFICATION_DUE):
            lift(
                merchant=document.merchant,
                reason=reason,
                source=document.slot,
                by=actor,
                reason_code=reason_texts.DOCUMENT_ACCEPTED,
                reason_params={
                    "document_type": document.document_type,
                    "category": str(document.category) if document.category_id else "",
                    "number": document.number,
                },
            )
    return document


@transaction.atomic
def reverify_licence(*, document: Document, actor, note: str = "") -> Document:
    """Staff checked the accepted licence against the official register again."""
    ensure_staff(actor)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if (
        document.document_type != DocumentType.BUSINESS_LICENCE
        or document.status != Document.Status.ACCEPTED
    ):
        raise DomainError(
            _("Only the accepted business licence can be re-verified."), code="not_reverifiable"
        )
    document.verified_at = timezone.now()
    document.save(update_fields=["verified_at"])
    record_decision(document, action="reverified", actor=actor, reason=note)
    lift(
        merchant=document.merchant,
        reason=Restriction.Reason.REVERIFICATION_DUE,
        source=document.slot,
        by=actor,
        note=note,
    )
    return document


# --- requirements -----------------------------------------------------------------------------
CURRENTLY_DUE = "currently_due"
PAST_DUE = "past_due"
EVENTUALLY_DUE = "eventually_due"
PENDING_VERIFICATION = "pending_verification"


@dataclass
class Requirement:
    code: str
    label: str
    state: str
    deadline: date | datetime | None = None
    document_type: str = ""
    category_id: int | None = None
    detail: str = ""
    # Nothing valid is in place yet (a pending upload still counts as missing).
    missing: bool = False

    @property
    def action(self) -> tuple[str, str] | None:
        """(link, words) of the one step that meets this requirement, or None while staff
        review it. Upload links pick the document's type and category on the form."""
        if self.state == PENDING_VERIFICATION:
            return None
        kind = self.code.split(":", 1)[0]
        if kind in ("document", "reverification"):
            query = {"type": self.document_type}
            if self.category_id:
                query["category"] = self.category_id
            link = f"{reverse('merchants:portal-documents')}?{urlencode(query)}#upload"
            return link, _("Upload")
        pages = {
            "agreement": ("merchants:portal-agreement", _("Read and accept")),
            "training": ("merchants:portal-training", _("Start training")),
            "categories": ("merchants:portal-categories", _("Choose categories")),
        }
        if kind not in pages:
            return None
        name, words = pages[kind]
        return reverse(name), words


@dataclass
class Requirements:
    """A merchant's checklist, the way Stripe Connect groups it."""

    currently_due: list[Requirement] = field(default_factory=list)
    past_due: list[Requirement] = field(default_factory=list)
    eventually_due: list[Requirement] = field(default_factory=list)
    pending_verification: list[Requirement] = field(default_factory=list)

    def add(self, requirement: Requirement) -> None:
        getattr(self, requirement.state).append(requirement)

    @property
    def all(self) -> list[Requirement]:
        return self.past_due + self.currently_due + self.pending_verification + self.eventually_due

    def as_dict(self) -> dict:
        return {
            name: [asdict(r) for r in getattr(self, name)]
            for name in (CURRENTLY_DUE, PAST_DUE, EVENTUALLY_DUE, PENDING_VERIFICATION)
        }


def document_slots(merchant: Merchant) -> list[tuple[str, object]]:
    """(document type, category or None) the merchant must hold, in display order."""
    categories = list(merchant.categories.all())
    slots = [(DocumentType.BUSINESS_LICENCE.value, None)]
    if not categories:
        return slots
    by_id = {c.pk: c for c in categories}
    rules = CategoryDocumentRule.objects.filter(
        Q(category_id__in=by_id)
        | Q(category_id__in={c.parent_id for c in categories if c.parent_id})
    ).values_list("category_id", "document_type")
    extra: dict[int, set[str]] = {}
    for category_id, document_type in rules:
        extra.setdefault(category_id, set()).add(document_type)
    for category in categories:
        types = {DocumentType.TEST_REPORT.value}
        types |= extra.get(category.pk, set()) | extra.get(category.parent_id, set())
        slots.extend((t, category) for t in DocumentType.values if t in types)
    return slots


def current_agreement(at=None) -> AgreementVersion | None:
    return (
        AgreementVersion.objects.filter(published_at__lte=at or timezone.now())
        .order_by("-version")
        .first()
    )


def training_completed(merchant: Merchant) -> bool:
    return merchant.training_attendances.filter(
        completed_at__isnull=False, session__is_onboarding=True
    ).exists()


def requirements_for(merchant: Merchant, *, at=None) -> Requirements:
    """What the merchant must provide: past due, due now, awaiting review, due later."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    policy = policies.get(ONBOARDING, at=now)
    soon = today + timedelta(days=policy["due_soon_days"])
    live = merchant.is_live or merchant.status == Merchant.Status.SUSPENDED
    result = Requirements()
    documents = list(
        merchant.documents.filter(
            status__in=[Document.Status.ACCEPTED, Document.Status.PENDING]
        ).order_by("created_at")
    )
    accepted = {d.slot: d for d in documents if d.status == Document.Status.ACCEPTED}
    pending = {d.slot: d for d in documents if d.status == Document.Status.PENDING}
    for document_type, category in document_slots(merchant):
        slot = slot_key(document_type, getattr(category, "pk", None))
        label = document_label(document_type, category)
        base = {
            "code": f"document:{document_type}:{getattr(category, 'pk', '-')}",
            "label": label,
            "document_type": document_type,
            "category_id": getattr(category, "pk", None),
        }
        current, waiting = accepted.get(slot), pending.get(slot)
        expired = current is not None and current.expires_on and current.expires_on <= today
        if current is None or expired:
            deadline = current.expires_on if current else None
            detail = _("Expired on %(date)s.") % {"date": deadline} if expired else ""
            if waiting is not None:
                state = PENDING_VERIFICATION
                detail = _("Uploaded, awaiting review.")
            else:
                state = PAST_DUE if live else CURRENTLY_DUE
            result.add(
                Requirement(state=state, deadline=deadline, detail=detail, missing=True, **base)
            )
            continue
        if current.expires_on:
            if waiting is not None:
                state, detail = PENDING_VERIFICATION, _("Renewal uploaded, awaiting review.")
            elif current.expires_on <= soon:
                state, detail = CURRENTLY_DUE, _("Upload the renewed document before it expires.")
            else:
                state, detail = EVENTUALLY_DUE, _("Renew before it expires.")
            result.add(Requirement(state=state, deadline=current.expires_on, detail=detail, **base))
        if document_type == DocumentType.BUSINESS_LICENCE and current.verified_at:
            due = current.verified_at + relativedelta(months=policy["licence_reverify_months"])
            due_day = timezone.localdate(due)
            state = PAST_DUE if due <= now else CURRENTLY_DUE if due_day <= soon else EVENTUALLY_DUE
            result.add(
                Requirement(
                    code="reverification:business_licence",
                    label=_("Business licence re-verification"),
                    state=state,
                    deadline=due,
                    document_type=document_type,
                    detail=_("The platform re-checks your licence with the official register."),
                )
            )
    agreement = current_agreement(now)
    if (
        agreement is not None
        and not merchant.agreement_acceptances.filter(version=agreement).exists()
    ):
        deadline = agreement.accept_by if live else None
        state = PAST_DUE if deadline and deadline <= now else CURRENTLY_DUE
        result.add(
            Requirement(
                code=f"agreement:{agreement.version}",
                label=_("Accept %(agreement)s") % {"agreement": agreement},
                state=state,
                deadline=deadline,
                missing=True,
            )
        )
    if not live and not training_completed(merchant):
        result.add(
            Requirement(
                code="training:onboarding",
                label=_("Complete the onboarding training"),
                state=CURRENTLY_DUE,
                missing=True,
            )
        )
    if not merchant.categories.exists():
        result.add(
            Requirement(
                code="categories",
                label=_("Choose the categories you will sell in"),
                state=CURRENTLY_DUE,
                missing=True,
            )
        )
    return result


def missing_for_submission(merchant: Merchant) -> list[str]:
    """What must be provided before staff can review: every document uploaded (awaiting
    review or accepted and valid), the current agreement accepted, at least one category.
    Training can be completed while the application is under review."""
    return [
        r.label
        for r in requirements_for(merchant).all
        if r.missing and r.state != PENDING_VERIFICATION and not r.code.startswith("training:")
    ]


def missing_for_go_live(merchant: Merchant) -> list[str]:
    """Every document accepted and valid, agreement accepted, onboarding training done."""
    return [r.label for r in requirements_for(merchant).all if r.missing]


# --- the application workflow ---------------------------------------------------------------
def open_application(merchant: Merchant) -> Application | None:
    return merchant.applications.filter(status__in=Application.OPEN).first()


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("merchant").get(pk=application.pk)


@transaction.atomic
def start_application(*, merchant: Merchant, actor) -> Application:
    """A new draft after a rejection."""
    ensure_can_act_for(actor, merchant)
    if merchant.status != Merchant.Status.ONBOARDING:
        raise DomainError(_("Only a merchant in onboarding can apply."), code="not_onboarding")
    if open_application(merchant) is not None:
        raise DomainError(_("There is already an open application."), code="open_application")
    try:
        with transaction.atomic():
            application = Application.objects.create(merchant=merchant, created_by=actor)
    except IntegrityError as exc:
        raise DomainError(
            _("There is already an open application."), code="open_application"
        ) from exc
    record_decision(application, action="created", to_state=application.status, actor=actor)
    return application


@transaction.atomic
def submit_application(*, application: Application, actor) -> Application:
    ensure_can_act_for(actor, application.merchant)
    application = _locked(application)
    if not APPLICATION_FLOW.can(application, S.SUBMITTED):
        APPLICATION_FLOW.apply(application, S.SUBMITTED, actor=actor)  # raises the clear error
    missing = missing_for_submission(application.merchant)
    if missing:
        raise DomainError(
            _("The application is not complete yet. Still missing: %(missing)s.")
            % {"missing": "; ".join(missing)},
            code="incomplete",
        )
    application.submitted_at = timezone.now()
    APPLICATION_FLOW.apply(application, S.SUBMITTED, actor=actor, update_fields=["submitted_at"])
    return application


@transaction.atomic
def start_review(*, application: Application, actor) -> Application:
    ensure_staff(actor)
    application = _locked(application)
    APPLICATION_FLOW.apply(application, S.UNDER_REVIEW, actor=actor)
    return application


@transaction.atomic
def request_changes(*, application: Application, actor, reason: str) -> Application:
    ensure_staff(actor)
    reason = _require_reason(reason)
    application = _locked(application)
    APPLICATION_FLOW.apply(application, S.NEEDS_CHANGES, actor=actor, reason=reason)
    _notify_owners(
        application.merchant,
        kind="application_needs_changes",
        key=f"application_needs_changes:{application.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
        payload={"reason": reason},
    )
    return application


@transaction.atomic
def reject_application(*, application: Application, actor, reason: str) -> Application:
    ensure_staff(actor)
    reason = _require_reason(reason)
    application = _locked(application)
    application.decided_at = timezone.now()
    APPLICATION_FLOW.apply(
        application, S.REJECTED, actor=actor, reason=reason, update_fields=["decided_at"]
    )
    _notify_owners(
        application.merchant,
        kind="application_decided",
        key=f"application_decided:{application.pk}",
        payload={"status": str(S.REJECTED.label), "reason": reason},
    )
    return application


@transaction.atomic
def approve_application(*, application: Application, actor, reason: str = "") -> Application:
    """Approve: the merchant goes live on probation. Requires every go-live requirement."""
    ensure_staff(actor)
    application = _locked(application)
    if not APPLICATION_FLOW.can(application, S.APPROVED):
        APPLICATION_FLOW.apply(application, S.APPROVED, actor=actor)  # raises the clear error
    merchant = Merchant.objects.select_for_update().get(pk=application.merchant_id)
    if merchant.status != Merchant.Status.ONBOARDING:
        raise DomainError(
            _("The merchant is %(status)s and cannot be approved.")
            % {"status": merchant.get_status_display()},
            code="not_onboarding",
        )
    missing = missing_for_go_live(merchant)
    if missing:
        raise DomainError(
            _("The merchant cannot go live yet. Still missing: %(missing)s.")
            % {"missing": "; ".join(missing)},
            code="not_ready",
        )
    application.decided_at = timezone.now()
    APPLICATION_FLOW.apply(
        application, S.APPROVED, actor=actor, reason=reason, update_fields=["decided_at"]
    )
    start_probation(merchant=merchant, actor=actor, at=application.decided_at)
    _notify_owners(
        merchant,
        kind="application_decided",
        key=f"application_decided:{application.pk}",
        payload={"status": str(S.APPROVED.label), "reason": reason},
    )
    return application


# --- probation --------------------------------------------------------------------------------
def _set_merchant_status(merchant: Merchant, to: str, *, actor, reason="", data=None, fields=()):
    before = merchant.status
    merchant.status = to
    merchant.save(update_fields=["status", *fields])
    record_decision(
        merchant,
        action="status",
        from_state=before,
        to_state=to,
        actor=actor,
        reason=reason,
        data=data,
    )


@transaction.atomic
def start_probation(*, merchant: Merchant, actor, at=None) -> Probation:
    """Approval puts the merchant live on probation (policy: days, first spot check)."""
    at = at or timezone.now()
    version = policies.ensure_version(ONBOARDING)
    settings = policies.get(ONBOARDING, at=at)
    probation = Probation.objects.create(
        merchant=merchant,
        starts_at=at,
        ends_at=at + timedelta(days=settings["probation_days"]),
        first_spot_check_due_at=at + timedelta(days=settings["first_spot_check_days"]),
        policy_version=version,
    )
    merchant.went_live_at = at
    merchant.probation_ends_at = probation.ends_at
    _set_merchant_status(
        merchant,
        Merchant.Status.PROBATION,
        actor=actor,
        data={
            "probation": probation.pk,
            "policy_version": version.version,
            **reason_data(reason_texts.APPLICATION_APPROVED),
        },
        fields=["went_live_at", "probation_ends_at"],
    )
    record_decision(
        probation,
        action="started",
        to_state=probation.status,
        actor=actor,
        data={
            "ends_at": probation.ends_at.isoformat(),
            "first_spot_check_due_at": probation.first_spot_check_due_at.isoformat(),
        },
    )
    return probation


def open_probation(merchant: Merchant) -> Probation | None:
    return merchant.probations.filter(status=Probation.Status.OPEN).first()


@transaction.atomic
def decide_probation(
    *,
    probation: Probation,
    outcome: str,
    reason: str,
    reason_code: str = "",
    reason_params: dict | None = None,
    actor=None,
    evidence: dict | None = None,
    extend_days: int | None = None,
) -> Probation:
    """Pass, extend or terminate a probation, with the reason and the evidence used.

    Staff call it from the admin and the staff pages with the reason they typed; the
    automatic end-of-probation review (reports) calls it with actor=None, its reason as a
    code plus parameters (shown in each reader's language) and the figures it read as
    `evidence`.
    """
    if actor is not None:
        ensure_staff(actor)
    reason = "" if reason_code else _require_reason(reason)
    reason_params = reason_params or {}
    probation = (
        Probation.objects.select_for_update().select_related("merchant").get(pk=probation.pk)
    )
    if probation.status != Probation.Status.OPEN:
        raise DomainError(_("This probation has already been decided."), code="decided")
    merchant = probation.merchant
    now = timezone.now()
    data = {"evidence": evidence or {}, **reason_data(reason_code, reason_params)}
    probation.decision_reason = reason
    probation.decision_reason_code = reason_code
    probation.decision_reason_params = reason_params
    why = ["decision_reason", "decision_reason_code", "decision_reason_params"]
    if outcome == Probation.Outcome.EXTEND:
        days = extend_days or policies.get(ONBOARDING)["probation_extension_days"]
        if days <= 0:
            raise DomainError(_("The extension must be at least one day."), code="extend_days")
        probation.ends_at = max(probation.ends_at, now) + timedelta(days=days)
        probation.extensions += 1
        probation.save(update_fields=["ends_at", "extensions", *why])
        merchant.probation_ends_at = probation.ends_at
        merchant.save(update_fields=["probation_ends_at"])
        data["ends_at"] = probation.ends_at.isoformat()
        record_decision(
            probation, action="extend", to_state="open", actor=actor, reason=reason, data=data
        )
        return probation
    if outcome == Probation.Outcome.PASS:
        probation.status = Probation.Status.PASSED
        merchant_status = Merchant.Status.ACTIVE
    elif outcome == Probation.Outcome.TERMINATE:
        probation.status = Probation.Status.TERMINATED
        merchant_status = Merchant.Status.TERMINATED
    else:
        raise DomainError(_("Choose pass, extend or terminate."), code="outcome")
    probation.decided_at = now
    probation.save(update_fields=["status", "decided_at", *why])
    record_decision(
        probation,
        action=outcome,
        from_state=Probation.Status.OPEN,
        to_state=probation.status,
        actor=actor,
        reason=reason,
        data=data,
    )
    # A suspended merchant whose probation fails is terminated too; one that passes comes
    # back active when its suspension ends (the standing sweep reinstates it).
    if merchant.status == Merchant.Status.PROBATION or (
        merchant.status == Merchant.Status.SUSPENDED
        and merchant_status == Merchant.Status.TERMINATED
    ):
        _set_merchant_status(merchant, merchant_status, actor=actor, reason=reason, data=data)
    if outcome == Probation.Outcome.TERMINATE:
        from merchants.services.selling import restrict

        restrict(
            merchant=merchant,
            kind=Restriction.Kind.TERMINATION,
            reason=Restriction.Reason.MANUAL,
            source=f"merchants.probation:{probation.pk}",
            detail=reason,
            reason_code=reason_code,
            reason_params=reason_params,
            by=actor,
        )
    return probation


# --- agreement --------------------------------------------------------------------------------
@transaction.atomic
def publish_agreement(*, version: AgreementVersion, actor, grace_days: int | None = None):
    """Publish a version; live merchants must accept it within the grace period."""
    ensure_staff(actor)
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    if version.published_at is not None:
        raise DomainError(_("This version is already published."), code="published")
    latest = current_agreement()
    if latest is not None and latest.version > version.version:
        raise DomainError(
            _("A newer version (%(version)s) is already published.") % {"version": latest.version},
            code="older_version",
        )
    if not (version.text_zh.strip() and version.text_en.strip()):
        raise DomainError(_("Both the Chinese and the English text are required."), code="text")
    days = policies.get(ONBOARDING)["agreement_grace_days"] if grace_days is None else grace_days
    now = timezone.now()
    version.published_at = now
    version.accept_by = now + timedelta(days=days)
    version.save(update_fields=["published_at", "accept_by"])
    record_decision(
        version, action="published", actor=actor, data={"grace_days": days}, to_state="published"
    )
    raise_alerts_from_select(
        """
        SELECT 'agreement_acceptance_due', 'agreement_acceptance_due:' || %s::text || ':user:'
               || ms.user_id, ms.user_id, NULL::integer, NULL::integer, '',
               jsonb_build_object('agreement', %s::text, 'due', %s::text), %s::text
        FROM merchants_membership ms
        JOIN merchants_merchant m ON m.id = ms.merchant_id
        WHERE ms.role = 'owner' AND m.status IN ('probation', 'active', 'suspended')
        """,
        [
            version.pk,
            str(version),
            timezone.localtime(version.accept_by).strftime("%Y-%m-%d %H:%M"),
            "/merchant/agreement/",
        ],
    )
    return version


@transaction.atomic
def accept_agreement(
    *, merchant: Merchant, actor, version: AgreementVersion, ip_address: str | None = None
) -> AgreementAcceptance:
    ensure_can_act_for(actor, merchant)
    if is_merchant_staff(actor) and merchant_of(actor) is None:
        raise NotAllowed(
            _("The agreement must be accepted by a person of the merchant."), code="merchant_only"
        )
    current = current_agreement()
    if current is None or current.pk != version.pk:
        raise DomainError(
            _("Only the current version of the agreement can be accepted."), code="not_current"
        )
    if AgreementAcceptance.objects.filter(merchant=merchant, version=version).exists():
        raise DomainError(
            _("Your merchant has already accepted this version."), code="already_accepted"
        )
    try:
        with transaction.atomic():
            acceptance = AgreementAcceptance.objects.create(
                merchant=merchant,
                version=version,
                user=actor,
                accepted_at=timezone.now(),
                ip_address=ip_address or None,
            )
    except IntegrityError as exc:  # a concurrent click
        raise DomainError(
            _("Your merchant has already accepted this version."), code="already_accepted"
        ) from exc
    record_decision(
        merchant,
        action="agreement_accepted",
        actor=actor,
        data={"version": version.version, "ip": ip_address},
    )
    sources = set(
        Restriction.objects.filter(
            merchant=merchant,
            reason=Restriction.Reason.AGREEMENT_NOT_ACCEPTED,
            lifted_at__isnull=True,
        ).values_list("source", flat=True)
    )
    for source in sources:
        lift(
            merchant=merchant,
            reason=Restriction.Reason.AGREEMENT_NOT_ACCEPTED,
            source=source,
            by=actor,
            reason_code=reason_texts.AGREEMENT_ACCEPTED,
            reason_params={"version": version.version},
        )
    return acceptance


# --- training ---------------------------------------------------------------------------------
@transaction.atomic
def register_for_training(*, session: TrainingSession, merchant: Merchant, actor):
    ensure_can_act_for(actor, merchant)
    attendance, created = TrainingAttendance.objects.get_or_create(
        session=session, merchant=merchant, defaults={"attendee": actor}
    )
    if not created:
        raise DomainError(
            _("Your merchant is already registered for this session."), code="registered"
        )
    return attendance


@transaction.atomic
def record_training_completed(
    *, session: TrainingSession, merchant: Merchant, actor, attendee=None
) -> TrainingAttendance:
    """Staff record that the merchant completed the session."""
    ensure_staff(actor)
    attendance, _created = TrainingAttendance.objects.select_for_update().get_or_create(
        session=session, merchant=merchant, defaults={"attendee": attendee}
    )
    if attendance.completed_at is not None:
        raise DomainError(_("Completion is already recorded."), code="completed")
    attendance.completed_at = timezone.now()
    attendance.recorded_by = actor
    if attendee is not None:
        attendance.attendee = attendee
    attendance.save()
    record_decision(
        merchant, action="training_completed", actor=actor, data={"session": session.pk}
    )
    from merchants.services.training import session_attended

    session_attended(attendance, actor=actor)
    return attendance


# --- alerts to a merchant's owners ------------------------------------------------------------
def _notify_owners(merchant: Merchant, *, kind: str, key: str, payload: dict, url=PORTAL_HOME_URL):
    owners = merchant.memberships.filter(role=Membership.Role.OWNER).values_list(
        "user_id", flat=True
    )
    raise_alerts(
        [
            AlertSpec(
                kind=kind,
                key=f"{key}:user:{uid}",
                user_id=uid,
                obj=merchant,
                payload={"merchant": str(merchant), **payload},
                url=url,
            )
            for uid in owners
        ]
    )


# --- the daily sweep --------------------------------------------------------------------------
@dataclass
class SweepResult:
    reminders: int = 0
    expired_alerts: int = 0
    restricted: int = 0
    reverification_alerts: int = 0
    probation_alerts: int = 0
    merchant_ids: list[int] = field(default_factory=list)


def _type_label_sql() -> tuple[str, list]:
    cases = " ".join("WHEN %s THEN %s::text" for _ in DocumentType.values)
    params = [p for value, label in DocumentType.choices for p in (value, str(label))]
    return f"(CASE d.document_type {cases} END || ' ' || d.number)", params


_RESTRICT_SQL = """
WITH due AS ({select}),
ins AS (
    INSERT INTO merchants_restriction
        (merchant_id, category_id, kind, reason, detail, reason_code, reason_params, source,
         starts_at, created_at)
    SELECT merchant_id, category_id, 'sales_restriction', %s::text, '', %s::text, params, source,
           %s::timestamptz, %s::timestamptz
    FROM due
    ON CONFLICT (merchant_id, reason, source) WHERE lifted_at IS NULL DO NOTHING
    RETURNING id, merchant_id, reason_code, reason_params
),
decided AS (
    INSERT INTO core_decision
        (content_type_id, object_id, action, from_state, to_state, actor_label, reason, data,
         created_at)
    SELECT %s::integer, ins.id::text, 'restrict', '', 'sales_restriction', %s::text, '',
           jsonb_build_object('reason_code', ins.reason_code, 'reason_params', ins.reason_params),
           %s::timestamptz
    FROM ins
)
SELECT DISTINCT merchant_id FROM ins
"""

# Live merchants (suspended ones too: their restrictions must be in place when they return).
_LIVE = "('probation', 'active', 'suspended')"


def run_daily_sweep(*, now: datetime | None = None) -> SweepResult:
    """Reminders, expiry restrictions, re-verification, agreement grace, probation ends.

    A constant number of statements whatever the number of merchants; every insert is
    idempotent (alert keys, one open restriction per cause), and an advisory lock makes
    overlapping runs wait for each other.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = policies.get(ONBOARDING, at=now)
    result = SweepResult()
    with transaction.atomic():
        advisory_xact_lock("merchants:daily-sweep")
        document_ct = ContentType.objects.get_for_model(Document).pk
        restriction_ct = ContentType.objects.get_for_model(Restriction).pk
        probation_ct = ContentType.objects.get_for_model(Probation).pk
        label_sql, label_params = _type_label_sql()
        group_sql = "(SELECT id FROM auth_group WHERE name = 'merchant_management')"

        # 1. Reminders before expiry: each threshold once, catching up after missed days.
        thresholds = sorted({int(d) for d in policy["reminder_days"] if int(d) > 0}, reverse=True)
        if thresholds:
            bands = list(zip(thresholds, [*thresholds[1:], 0], strict=True))
            values = ", ".join("(%s::integer, %s::integer)" for _ in bands)
            result.reminders = len(
                raise_alerts_from_select(
                    f"""
                    SELECT 'document_expiring',
                           'document_expiring:' || b.days || ':document:' || d.id
                             || ':user:' || ms.user_id,
                           ms.user_id, NULL::integer, %s::integer, d.id::text,
                           jsonb_build_object('document', {label_sql},
                                              'expires', d.expires_on::text, 'days', b.days),
                           %s::text
                    FROM merchants_document d
                    JOIN merchants_membership ms
                      ON ms.merchant_id = d.merchant_id AND ms.role = 'owner'
                    JOIN (VALUES {values}) AS b(days, below)
                      ON d.expires_on - %s::date <= b.days AND d.expires_on - %s::date > b.below
                    WHERE d.status = 'accepted'
                      AND d.expires_on > %s::date AND d.expires_on <= %s::date
                    """,  # noqa: S608 - fragments are ours, values are parameters
                    [
                        document_ct,
                        *label_params,
                        PORTAL_DOCUMENTS_URL,
                        *[v for band in bands for v in band],
                        today,
                        today,
                        today,
                        today + timedelta(days=thresholds[0]),
                    ],
                )
            )

        # 2. Expired documents: alert owners and Merchant Management once, restrict selling.
        result.expired_alerts = len(
            raise_alerts_from_select(
                f"""
                SELECT 'document_expired', 'document_expired:document:' || d.id || ':user:'
                         || ms.user_id,
                       ms.user_id, NULL::integer, %s::integer, d.id::text,
                       jsonb_build_object('document', {label_sql},
                                          'expires', d.expires_on::text), %s::text
                FROM merchants_document d
                JOIN merchants_membership ms
                  ON ms.merchant_id = d.merchant_id AND ms.role = 'owner'
                WHERE d.status = 'accepted' AND d.expires_on <= %s::date
                UNION ALL
                SELECT 'document_expired', 'document_expired:document:' || d.id || ':staff',
                       NULL::integer, {group_sql}, %s::integer, d.id::text,
                       jsonb_build_object('document', m.legal_name || ': ' || {label_sql},
                                          'expires', d.expires_on::text), %s::text
                FROM merchants_document d JOIN merchants_merchant m ON m.id = d.merchant_id
                WHERE d.status = 'accepted' AND d.expires_on <= %s::date
                  AND m.status IN {_LIVE}
                """,  # noqa: S608
                [
                    document_ct,
                    *label_params,
                    PORTAL_DOCUMENTS_URL,
                    today,
                    document_ct,
                    *label_params,
                    "/admin/merchants/document/",
                    today,
                ],
            )
        )
        merchant_ids: set[int] = set()
        merchant_ids |= _restrict_select(
            f"""
            SELECT d.merchant_id, d.category_id,
                   'merchants.document:' || d.document_type || ':'
                     || COALESCE(d.category_id::text, '-') AS source,
                   jsonb_build_object('document_type', d.document_type, 'number', d.number,
                                      'expires', d.expires_on::text) AS params
            FROM merchants_document d JOIN merchants_merchant m ON m.id = d.merchant_id
            WHERE d.status = 'accepted' AND d.expires_on <= %s::date AND m.status IN {_LIVE}
            """,  # noqa: S608
            [today],
            reason=Restriction.Reason.DOCUMENT_EXPIRED,
            code=reason_texts.DOCUMENT_EXPIRED,
            now=now,
            restriction_ct=restriction_ct,
        )

        # 3. Licence re-verification: staff alerted when due soon, selling stops when overdue.
        months = f"{int(policy['licence_reverify_months'])} months"
        result.reverification_alerts = len(
            raise_alerts_from_select(
                f"""
                SELECT 'licence_reverification_due',
                       'licence_reverification_due:document:' || d.id || ':'
                         || extract(epoch FROM d.verified_at)::bigint,
                       NULL::integer, {group_sql}, %s::integer, d.id::text,
                       jsonb_build_object('merchant', m.legal_name, 'document', d.number,
                                          'due', (d.verified_at + %s::interval)::date::text),
                       %s::text
                FROM merchants_document d JOIN merchants_merchant m ON m.id = d.merchant_id
                WHERE d.status = 'accepted' AND d.document_type = 'business_licence'
                  AND d.verified_at + %s::interval <= %s::timestamptz + %s::interval
                  AND m.status IN {_LIVE}
                """,  # noqa: S608
                [
                    document_ct,
                    months,
                    "/admin/merchants/document/",
                    months,
                    now,
                    f"{int(policy['due_soon_days'])} days",
                ],
            )
        )
        merchant_ids |= _restrict_select(
            f"""
            SELECT d.merchant_id, NULL::integer AS category_id,
                   'merchants.document:business_licence:-' AS source,
                   jsonb_build_object('number', d.number) AS params
            FROM merchants_document d JOIN merchants_merchant m ON m.id = d.merchant_id
            WHERE d.status = 'accepted' AND d.document_type = 'business_licence'
              AND d.verified_at + %s::interval <= %s::timestamptz AND m.status IN {_LIVE}
            """,  # noqa: S608
            [months, now],
            reason=Restriction.Reason.REVERIFICATION_DUE,
            code=reason_texts.REVERIFICATION_OVERDUE,
            now=now,
            restriction_ct=restriction_ct,
        )

        # 4. Agreement: past the grace period of the current version without acceptance.
        merchant_ids |= _restrict_select(
            f"""
            SELECT m.id AS merchant_id, NULL::integer AS category_id,
                   'merchants.agreementversion:' || v.id AS source,
                   jsonb_build_object('version', v.version) AS params
            FROM merchants_merchant m
            CROSS JOIN (
                SELECT id, version, accept_by FROM merchants_agreementversion
                WHERE published_at <= %s::timestamptz ORDER BY version DESC LIMIT 1
            ) v
            WHERE m.status IN {_LIVE} AND v.accept_by <= %s::timestamptz
              AND NOT EXISTS (
                SELECT 1 FROM merchants_agreementacceptance a
                WHERE a.merchant_id = m.id AND a.version_id = v.id)
            """,  # noqa: S608
            [now, now],
            reason=Restriction.Reason.AGREEMENT_NOT_ACCEPTED,
            code=reason_texts.AGREEMENT_NOT_ACCEPTED,
            now=now,
            restriction_ct=restriction_ct,
        )

        # 5. Probation ending: Merchant Management reviews it (once per end date).
        result.probation_alerts = len(
            raise_alerts_from_select(
                f"""
                SELECT 'probation_review_due',
                       'probation_review_due:probation:' || p.id || ':'
                         || extract(epoch FROM p.ends_at)::bigint,
                       NULL::integer, {group_sql}, %s::integer, p.id::text,
                       jsonb_build_object('merchant', m.legal_name,
                                          'ends', (p.ends_at AT TIME ZONE %s::text)::date::text),
                       '/admin/merchants/probation/' || p.id || '/change/'
                FROM merchants_probation p JOIN merchants_merchant m ON m.id = p.merchant_id
                WHERE p.status = 'open' AND p.ends_at <= %s::timestamptz
                """,  # noqa: S608
                [probation_ct, timezone.get_current_timezone_name(), now],
            )
        )
        result.merchant_ids = sorted(merchant_ids)
        result.restricted = len(merchant_ids)
        if merchant_ids:
            transaction.on_commit(lambda: after_restrictions_change(result.merchant_ids))
    return result


def _restrict_select(select: str, params: list, *, reason, code, now, restriction_ct) -> set[int]:
    """Open the restrictions of one cause for the rows of `select` (merchant_id,
    category_id, source, params: the reason's parameters as jsonb), set-based."""
    sql = _RESTRICT_SQL.format(select=select)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [*params, reason, code, now, now, restriction_ct, f"{SYSTEM}:{SWEEP_LABEL}", now],
        )
        return {row[0] for row in cursor.fetchall()}


__all__ = [
    "APPLICATION_FLOW",
    "CATEGORY_SCOPED_TYPES",
    "Requirement",
    "Requirements",
    "SweepResult",
]

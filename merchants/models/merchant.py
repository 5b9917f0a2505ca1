import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.audit import governed
from core.text import validate_single_line
from merchants import credit_code


def validate_credit_code(value: str) -> None:
    if not credit_code.is_valid(value):
        raise ValidationError(
            _(
                "This is not a valid unified social credit code (18 characters, check digit "
                "per GB 32100-2015)."
            ),
            code="credit_code",
        )


@governed
class Merchant(models.Model):
    class Status(models.TextChoices):
        ONBOARDING = "onboarding", _("Onboarding")
        PROBATION = "probation", _("On probation")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")

    legal_name = models.CharField(
        _("legal name"), max_length=200, validators=[validate_single_line]
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.ONBOARDING,
        db_index=True,
    )
    categories = models.ManyToManyField(
        "core.Category",
        blank=True,
        related_name="merchants",
        verbose_name=_("categories it sells in"),
    )
    went_live_at = models.DateTimeField(_("went live"), null=True, blank=True)
    probation_ends_at = models.DateTimeField(_("probation ends"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["legal_name"]

    def __str__(self):
        return self.legal_name

    def save(self, *args, **kwargs):
        self.credit_code = (self.credit_code or "").strip().upper()
        super().save(*args, **kwargs)

    @property
    def is_live(self) -> bool:
        return self.status in (self.Status.PROBATION, self.Status.ACTIVE)


class Membership(models.Model):
    """A merchant user. A user belongs to at most one merchant."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        STAFF = "staff", _("Staff")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("merchant"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    handles_cases = models.BooleanField(
        _("handles complaint cases"),
        default=False,
        help_text=_(
            "Staff members with this right are alerted (inbox and e-mail) when Consumer "
            "Service asks the shop a question and before and at the answer deadline. "
            "Owners always are."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} @ {self.merchant}"


class TeamInvitation(models.Model):
    """An owner's invitation to join the merchant's team; the invitee accepts it while
    logged in. One row per invitation the owner sent, whatever account (if any) matched:
    `invitee` is set only when an account that may join matched, and only the invitee ever
    sees that; the owner sees what they typed, so the page reveals nothing about accounts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("merchant"),
    )
    addressed_to = models.CharField(
        _("user name or e-mail"), max_length=254, validators=[validate_single_line]
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="team_invitations",
        verbose_name=_("invitee"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("team invitation")
        verbose_name_plural = _("team invitations")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["merchant", "created_at"], name="invitation_merchant_sent"),
            models.Index(
                fields=["invitee"],
                name="invitation_pending_invitee",
                condition=Q(status="pending", invitee__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.addressed_to} → {self.merchant}"


# Statement-level history: the daily sweep opens restrictions by the ten thousand in one
# INSERT ... SELECT (a first run over the whole book); one history INSERT per statement.
@governed(level=pghistory.Statement)
class Restriction(models.Model):
    """A limit on selling: the whole merchant (category empty) or one category.

    `merchants.services.can_sell` is the only place that reads these to decide.
    """

    class Kind(models.TextChoices):
        SALES_RESTRICTION = "sales_restriction", _("Sales restriction")
        SUSPENSION = "suspension", _("Suspension")
        TERMINATION = "termination", _("Termination")

    class Reason(models.TextChoices):
        DOCUMENT_EXPIRED = "document_expired", _("Required document expired")
        REVERIFICATION_DUE = "reverification_due", _("Licence re-verification overdue")
        AGREEMENT_NOT_ACCEPTED = "agreement_not_accepted", _("Agreement not accepted")
        SANCTION = "sanction", _("Sanction")
        RATING = "rating", _("Service rating below threshold")
        INSPECTION = "inspection", _("Inspection acceptance stopped")
        MANUAL = "manual", _("Staff decision")
        TRAINING_OVERDUE = "training_overdue", _("Required training overdue")

    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.CASCADE,
        related_name="restrictions",
        verbose_name=_("merchant"),
    )
    category = models.ForeignKey(
        "core.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Empty: the whole merchant."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    # Staff write `detail` as text; the system stores a code and its parameters instead
    # (merchants.reason_texts), rendered in the reader's language by `detail_text`.
    detail = models.TextField(_("detail"), blank=True, default="")
    reason_code = models.CharField(
        _("reason code"), max_length=40, blank=True, default="", db_default=""
    )
    reason_params = models.JSONField(
        _("reason parameters"), blank=True, default=dict, db_default={}
    )
    # What caused it, as "app_label.model:pk", so a lift can find the restriction again.
    source = models.CharField(_("source"), max_length=100, blank=True, default="")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("imposed by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("restriction")
        verbose_name_plural = _("restrictions")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(
                fields=["merchant", "category"],
                name="restriction_open",
                condition=Q(lifted_at__isnull=True),
            ),
        ]
        constraints = [
            # One open restriction per cause, so raising it twice is harmless.
            models.UniqueConstraint(
                fields=["merchant", "reason", "source"],
                condition=Q(lifted_at__isnull=True),
                name="restriction_one_open_per_source",
            ),
        ]

    def __str__(self):
        scope = self.category or _("all categories")
        return f"{self.merchant}: {self.get_kind_display()} ({scope})"

    @property
    def detail_text(self) -> str:
        """The detail in the reader's language: rendered from the code and its parameters
        when the system wrote it, else what staff typed."""
        if self.reason_code:
            from merchants import reason_texts

            return reason_texts.render(self.reason_code, self.reason_params) or self.detail
        return self.detail

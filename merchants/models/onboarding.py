"""Onboarding: applications, qualification documents, per-category document rules,
agreement versions and acceptances, training, probation."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.audit import governed
from core.decision_labels import version_label


class DocumentType(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    TEST_REPORT = "test_report", _("Product quality test report")
    TRADEMARK = "trademark", _("Trademark registration")
    BRAND_AUTHORISATION = "brand_authorisation", _("Brand authorisation")
    FOOD_LICENCE = "food_licence", _("Food business licence")
    OTHER = "other", _("Other certificate")


# Types that belong to one category (all but the business licence).
CATEGORY_SCOPED_TYPES = frozenset(DocumentType.values) - {DocumentType.BUSINESS_LICENCE}


@governed
class Application(models.Model):
    """A merchant's request to go live. Status moves only through the onboarding workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        NEEDS_CHANGES = "needs_changes", _("Needs changes")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("merchant"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    OPEN = (Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.NEEDS_CHANGES)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"],
                condition=Q(status__in=["draft", "submitted", "under_review", "needs_changes"]),
                name="application_one_open_per_merchant",
            )
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="application_queue")]

    def __str__(self):
        return _("Application #%(id)s by %(merchant)s") % {"id": self.pk, "merchant": self.merchant}

    @property
    def is_editable_by_merchant(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.NEEDS_CHANGES)


class CategoryDocumentRule(models.Model):
    """A document type required from merchants selling in a category (and its sub-categories),
    on top of the business licence and the test report that are always required."""

    category = models.ForeignKey(
        "core.Category",
        on_delete=models.CASCADE,
        related_name="document_rules",
        verbose_name=_("category"),
    )
    document_type = models.CharField(
        _("document type"),
        max_length=30,
        choices=[c for c in DocumentType.choices if c[0] in CATEGORY_SCOPED_TYPES],
    )
    note = models.CharField(_("note for merchants"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("required document for a category")
        verbose_name_plural = _("required documents per category")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "document_type"], name="category_document_rule_unique"
            )
        ]

    def __str__(self):
        return f"{self.category}: {self.get_document_type_display()}"


@governed
class Document(models.Model):
    """A qualification document uploaded by a merchant and reviewed by staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Replaced by a newer document")

    class Reason(models.TextChoices):
        EXPIRED = "expired", _("Expired")
        NAME_MISMATCH = "name_mismatch", _("Name does not match the merchant")
        ILLEGIBLE = "illegible", _("Illegible")
        MANIPULATED = "manipulated", _("Manipulated")
        DATES_MISSING = "dates_missing", _("Dates missing")
        OTHER = "other", _("Other")

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("merchant"),
    )
    document_type = models.CharField(
        _("document type"), max_length=30, choices=DocumentType.choices, db_index=True
    )
    category = models.ForeignKey(
        "core.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Required for every type except the business licence."),
    )
    number = models.CharField(_("document number"), max_length=100)
    issuer = models.CharField(_("issued by"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(
        _("expires on"),
        null=True,
        blank=True,
        help_text=_("The first day the document is no longer valid. Empty: no expiry date."),
    )
    file = models.ForeignKey(
        "core.Upload", on_delete=models.PROTECT, related_name="+", verbose_name=_("file")
    )
    status = models.CharField(
        _("review status"),
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    reason_code = models.CharField(
        _("reason code"), max_length=20, choices=Reason.choices, blank=True, default=""
    )
    review_note = models.TextField(_("review note"), blank=True, default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    # When staff last checked the licence against the official register (every 6 months).
    verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]
        constraints = [
            # One accepted document per requirement slot; older ones become superseded.
            models.UniqueConstraint(
                fields=["merchant", "document_type", "category"],
                condition=Q(status="accepted"),
                nulls_distinct=False,
                name="document_one_accepted_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("issued_on")),
                name="document_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(document_type="business_licence", category__isnull=True)
                | (~Q(document_type="business_licence") & Q(category__isnull=False)),
                name="document_category_matches_type",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_on"],
                name="document_accepted_expiry",
                condition=Q(status="accepted"),
            ),
        ]

    def __str__(self):
        label = self.get_document_type_display()
        if self.category_id:
            label = f"{label} ({self.category})"
        return f"{label} {self.number}"

    def clean(self):
        errors = {}
        if self.expires_on and self.issued_on and self.expires_on <= self.issued_on:
            errors["expires_on"] = _("The expiry date must be after the issue date.")
        if self.document_type == DocumentType.BUSINESS_LICENCE and self.category_id:
            errors["category"] = _("A business licence covers the whole merchant, not a category.")
        if self.document_type in CATEGORY_SCOPED_TYPES and not self.category_id:
            errors["category"] = _("Choose the category this document is for.")
        if errors:
            raise ValidationError(errors)

    @property
    def slot(self) -> str:
        """The requirement this document fills, also the source of restrictions about it."""
        return slot_key(self.document_type, self.category_id)


def slot_key(document_type: str, category_id) -> str:
    return f"merchants.document:{document_type}:{category_id or '-'}"


@governed
class AgreementVersion(models.Model):
    """The merchant agreement. A published version is never edited; publish a new one."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    accept_by = models.DateTimeField(
        _("live merchants must accept by"),
        null=True,
        blank=True,
        help_text=_("Set on publishing from the grace period; then selling is restricted."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["-version"]

    def __str__(self):
        return _("Merchant agreement, %(version)s") % {"version": version_label(self.version)}

    @property
    def title(self) -> str:
        from django.utils.translation import get_language

        return self.title_en if (get_language() or "").startswith("en") else self.title_zh

    @property
    def text(self) -> str:
        from django.utils.translation import get_language

        return self.text_en if (get_language() or "").startswith("en") else self.text_zh


class AgreementAcceptance(models.Model):
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="agreement_acceptances",
        verbose_name=_("merchant"),
    )
    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("version"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(_("accepted"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "version"], name="agreement_accepted_once_per_version"
            )
        ]

    def __str__(self):
        return f"{self.merchant} · {self.version}"


class TrainingSession(models.Model):
    """A live or online session: onboarding training, an expert talk or an
    experience-exchange meeting. A session may deliver a programme: attendance recorded by
    staff then completes the attendee's assignment of that programme."""

    class Kind(models.TextChoices):
        ONBOARDING = "onboarding", _("Onboarding training")
        EXPERT = "expert", _("Industry expert session")
        EXCHANGE = "exchange", _("Experience exchange")
        ONLINE = "online", _("Online training")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ONBOARDING)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    location = models.CharField(_("place or link"), max_length=300)
    description = models.TextField(_("description"), blank=True, default="")
    speaker = models.CharField(_("speaker"), max_length=200, blank=True, default="")
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    programme = models.ForeignKey(
        "merchants.TrainingProgramme",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
        verbose_name=_("programme delivered"),
    )
    for_staff = models.BooleanField(
        _("for staff"), default=False, help_text=_("Staff register instead of merchants.")
    )
    is_onboarding = models.BooleanField(
        _("onboarding training"),
        default=True,
        help_text=_("Completing one onboarding session is required to go live."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at"]

    def __str__(self):
        return self.title


class TrainingAttendance(models.Model):
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=pgettext_lazy("training", "session"),
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="training_attendances",
        verbose_name=_("merchant"),
    )
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("attendee"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "merchant"], name="training_attendance_once_per_session"
            ),
            models.UniqueConstraint(
                fields=["session", "attendee"],
                condition=Q(merchant__isnull=True),
                name="training_attendance_staff_once",
            ),
        ]

    def __str__(self):
        return f"{self.merchant or self.attendee} · {self.session}"


@governed
class Probation(models.Model):
    """An approved merchant's probation. The inspections app reads `first_spot_check_due_at`."""

    class Status(models.TextChoices):
        OPEN = "open", _("Running")
        PASSED = "passed", _("Passed")
        TERMINATED = "terminated", _("Terminated")

    class Outcome(models.TextChoices):
        PASS = "pass", _("Pass")
        EXTEND = "extend", _("Extend")
        TERMINATE = "terminate", _("Terminate")

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="probations",
        verbose_name=_("merchant"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), db_index=True)
    first_spot_check_due_at = models.DateTimeField(_("first spot check due"))
    extensions = models.PositiveSmallIntegerField(_("times extended"), default=0)
    policy_version = models.ForeignKey(
        "core.PolicyVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("policy used"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # What staff wrote; the automatic end-of-probation review stores a code and its
    # parameters instead (rendered by the app that registered it), see `decision_text`.
    decision_reason = models.TextField(_("reason"), blank=True, default="")
    decision_reason_code = models.CharField(
        _("reason code"), max_length=40, blank=True, default="", db_default=""
    )
    decision_reason_params = models.JSONField(
        _("reason parameters"), blank=True, default=dict, db_default={}
    )

    class Meta:
        verbose_name = _("probation")
        verbose_name_plural = _("probations")
        ordering = ["ends_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"], condition=Q(status="open"), name="probation_one_open"
            )
        ]

    def __str__(self):
        return _("Probation of %(merchant)s") % {"merchant": self.merchant}

    @property
    def decision_text(self) -> str:
        """Why it was decided, in the reader's language (staff's words as written)."""
        from core.decision_labels import reason_text

        code, params = self.decision_reason_code, self.decision_reason_params
        return (reason_text(code, params) if code else "") or self.decision_reason

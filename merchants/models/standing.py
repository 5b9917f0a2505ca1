"""Merchant standing: violation rules, the points ledger, sanctions and appeals."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from core.audit import governed
from merchants.models.merchant import Merchant


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    SEVERE = "severe", _("Severe")
    CRITICAL = "critical", _("Critical")


@governed
class ViolationRule(models.Model):
    """One version of a rule. Versions are added, never edited: an entry keeps pointing at
    the version that was in force when its violation happened."""

    code = models.SlugField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    points = models.PositiveIntegerField(_("points"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    effective_from = models.DateTimeField(_("in force from"))
    effective_until = models.DateTimeField(
        _("in force until"), null=True, blank=True, help_text=_("Empty: until replaced.")
    )
    note = models.TextField(_("why this version"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("violation rule version")
        verbose_name_plural = _("violation rules")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="violation_rule_version"),
            models.CheckConstraint(condition=Q(points__gt=0), name="violation_rule_points_pos"),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gt=models.F("effective_from")),
                name="violation_rule_period",
            ),
        ]

    def __str__(self):
        return self.title_and_version

    @property
    def title_and_version(self) -> str:
        """The rule as a person reads it: its title and version, never its code."""
        from core.decision_labels import titled_version

        return titled_version(self.title, self.version)

    @property
    def title(self) -> str:
        return self.title_zh if (get_language() or "").startswith("zh") else self.title_en


class MerchantStanding(models.Model):
    """The ladder step a merchant currently holds, so each crossing applies once.

    Written only while the merchant row is locked (record_violation, withdrawals, the sweep).
    """

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="standing", verbose_name=_("merchant")
    )
    ladder_step = models.PositiveIntegerField(_("ladder step held (points)"), default=0)
    # Set when a sanction suspended or terminated the merchant: the status it had before.
    # Empty: the merchant's status is not the sanctions' doing (never reinstated by them).
    status_before_sanction = models.CharField(
        _("status before the sanction"), max_length=20, blank=True, default=""
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("merchant standing")
        verbose_name_plural = _("merchant standings")

    def __str__(self):
        return f"{self.merchant}: {self.ladder_step}"


class EvidenceMixin(models.Model):
    evidence_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("evidence type")
    )
    evidence_id = models.CharField(_("evidence id"), max_length=64)
    evidence = GenericForeignKey("evidence_type", "evidence_id")

    class Meta:
        abstract = True

    @property
    def evidence_label(self) -> str:
        if self.evidence_type_id is None:
            return ""
        obj = self.evidence
        if obj is None:
            return f"{self.evidence_type.name} #{self.evidence_id}"
        return f"{self.evidence_type.name}: {obj}"

    @property
    def evidence_url(self) -> str:
        obj = self.evidence if self.evidence_type_id else None
        if obj is None:
            return ""
        if self.evidence_type.app_label == "core" and self.evidence_type.model == "upload":
            return f"/files/{obj.pk}/"
        return obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""


@governed
class ViolationEntry(EvidenceMixin):
    """One violation in a merchant's points ledger."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Counting")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # The ledger is the big table: every index here is paid by each insert and by each row
    # the daily sweep expires, so only the ones a query uses exist. The evidence type leads
    # the unique constraint's index; rules and users are never deleted (PROTECT, no admin
    # delete), so their foreign keys go unindexed.
    evidence_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("evidence type"),
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="violations", verbose_name=_("merchant")
    )
    rule = models.ForeignKey(
        ViolationRule,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
        verbose_name=_("rule"),
    )
    rule_code = models.SlugField(_("rule code"), max_length=64, db_index=False)
    points = models.PositiveIntegerField(_("points"))
    occurred_at = models.DateTimeField(_("occurred"))
    expires_at = models.DateTimeField(_("expires"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # What staff wrote; a note the system writes is a code and its parameters
    # (merchants.reason_texts), read by `note_text` in the reader's language.
    note = models.TextField(_("note"), blank=True, default="")
    note_code = models.CharField(
        _("note code"), max_length=40, blank=True, default="", db_default=""
    )
    note_params = models.JSONField(_("note parameters"), blank=True, default=dict, db_default={})
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    appeal_until = models.DateTimeField(_("appeal until"))
    expired_at = models.DateTimeField(_("marked expired"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("withdrawn by"),
    )
    # What staff wrote; a withdrawal the system makes (a re-test overturned the verdict, an
    # appeal was upheld) is a code and its parameters (merchants.reason_texts), read by
    # `withdrawal_text` in the reader's language.
    withdrawal_reason = models.TextField(_("why withdrawn"), blank=True, default="")
    withdrawal_code = models.CharField(
        _("withdrawal code"), max_length=40, blank=True, default="", db_default=""
    )
    withdrawal_params = models.JSONField(
        _("withdrawal parameters"), blank=True, default=dict, db_default={}
    )
    # A file staff attached when the evidence is another object (a case, an inspection).
    evidence_file = models.ForeignKey(
        "core.Upload",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("evidence file"),
    )

    class Meta:
        verbose_name = _("violation entry")
        verbose_name_plural = _("violation ledger")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # record_violation is idempotent per evidence object and rule.
            models.UniqueConstraint(
                fields=["evidence_type", "evidence_id", "rule_code"],
                name="violation_once_per_evidence_rule",
            ),
            models.CheckConstraint(condition=Q(points__gt=0), name="violation_points_positive"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("occurred_at")), name="violation_expiry"
            ),
        ]
        indexes = [
            # current_points: the merchant's counting entries.
            models.Index(
                fields=["merchant", "expires_at"],
                name="violation_counting",
                condition=Q(status="active"),
            ),
            # The daily sweep: counting entries past their expiry.
            models.Index(
                fields=["expires_at"], name="violation_to_expire", condition=Q(status="active")
            ),
        ]

    def __str__(self):
        return gettext("%(merchant)s: %(rule)s, %(points)s points") % {
            "merchant": self.merchant,
            "rule": self.rule.title,
            "points": self.points,
        }

    @property
    def note_text(self) -> str:
        from merchants import reason_texts

        return reason_texts.text(self.note_code, self.note_params, self.note)

    @property
    def withdrawal_text(self) -> str:
        from merchants import reason_texts

        return reason_texts.text(
            self.withdrawal_code, self.withdrawal_params, self.withdrawal_reason
        )


@governed
class Sanction(EvidenceMixin):
    """A sanction: applied by the ladder (why = the entries that summed to it) or by staff
    (always with a rule and evidence). Restrictions go through merchants.services.restrict,
    with source `merchants.sanction:<id>`."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        SALES_RESTRICTION = "sales_restriction", _("Sales restriction")
        PRODUCT_DELISTING = "product_delisting", _("Product delisting")
        SUSPENSION = "suspension", _("Suspension")
        TERMINATION = "termination", _("Termination")

    class Origin(models.TextChoices):
        LADDER = "ladder", _("Points ladder")
        MANUAL = "manual", _("Staff decision")

    class Status(models.TextChoices):
        ACTIVE = "active", _("In force")
        ENDED = "ended", _("Ended")
        REVOKED = "revoked", _("Revoked")

    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="sanctions", verbose_name=_("merchant")
    )
    # A ladder sanction's evidence is its entries; a manual one names its own.
    evidence_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("evidence type"),
    )
    evidence_id = models.CharField(_("evidence id"), max_length=64, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    step_points = models.PositiveIntegerField(_("ladder step (points)"), null=True, blank=True)
    points_at_imposition = models.PositiveIntegerField(_("points when imposed"), default=0)
    entries = models.ManyToManyField(
        ViolationEntry,
        blank=True,
        related_name="sanctions",
        verbose_name=_("ledger entries that summed to it"),
    )
    rule = models.ForeignKey(
        ViolationRule,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sanctions",
        verbose_name=_("rule"),
    )
    ladder_policy = models.ForeignKey(
        "core.PolicyVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ladder version"),
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
    restriction = models.OneToOneField(
        "merchants.Restriction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sanction",
        verbose_name=_("restriction"),
    )
    # What a product delisting takes off sale (required for that kind, empty otherwise).
    product = models.ForeignKey(
        "products.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sanctions",
        verbose_name=_("product"),
    )
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("shortened from"),
    )
    # What staff wrote; the ladder stores a code and its numbers too (merchants.reason_texts),
    # so `why` can say it in the reader's language.
    reason = models.TextField(_("reason"))
    reason_code = models.CharField(
        _("reason code"), max_length=40, blank=True, default="", db_default=""
    )
    reason_params = models.JSONField(
        _("reason parameters"), blank=True, default=dict, db_default={}
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    appeal_until = models.DateTimeField(_("appeal until"))
    imposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("imposed by"),
    )
    ended_at = models.DateTimeField(_("ended or revoked"), null=True, blank=True)
    end_reason = models.TextField(_("why it ended"), blank=True, default="")
    end_reason_code = models.CharField(
        _("end reason code"), max_length=40, blank=True, default="", db_default=""
    )
    end_reason_params = models.JSONField(
        _("end reason parameters"), blank=True, default=dict, db_default={}
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["ends_at"], name="sanction_to_end", condition=Q(status="active")),
            models.Index(fields=["merchant", "status"], name="sanction_merchant_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(origin="ladder", step_points__isnull=False)
                | Q(origin="manual", rule__isnull=False, evidence_type__isnull=False),
                name="sanction_has_why",
            ),
            models.CheckConstraint(
                condition=Q(kind="product_delisting", product__isnull=False)
                | (~Q(kind="product_delisting") & Q(product__isnull=True)),
                name="sanction_product_for_delisting",
            ),
        ]

    def __str__(self):
        return f"{self.merchant}: {self.get_kind_display()}"

    @property
    def end_text(self) -> str:
        """Why it ended, in the reader's language (staff's words as written)."""
        from merchants import reason_texts

        return reason_texts.text(self.end_reason_code, self.end_reason_params, self.end_reason)

    @property
    def why(self) -> str:
        """The reason in the reader's language: rendered from its code and parameters when
        the system wrote it; a ladder sanction of before the codes explains itself from its
        numbers; a manual one shows what staff wrote."""
        if self.reason_code:
            from merchants import reason_texts

            text = reason_texts.render(self.reason_code, self.reason_params)
            if text:
                return text
        if self.origin != self.Origin.LADDER:
            return self.reason
        numbers = {"points": self.points_at_imposition, "step": self.step_points}
        if self.replaces_id:
            return (
                gettext(
                    "Shortened after a violation was withdrawn: %(points)s points remain for "
                    "the %(step)s-point step."
                )
                % numbers
            )
        return (
            gettext("%(points)s points reached the %(step)s-point step of the sanction ladder.")
            % numbers
        )


def _one_target():
    return Q(entry__isnull=False, sanction__isnull=True) | Q(
        entry__isnull=True, sanction__isnull=False
    )


@governed
class Appeal(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("merchant")
    )
    entry = models.ForeignKey(
        ViolationEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("ledger entry"),
    )
    sanction = models.ForeignKey(
        Sanction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("sanction"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    statement = models.TextField(_("statement"))
    files = models.ManyToManyField(
        "core.Upload", blank=True, related_name="+", verbose_name=_("files")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decision_due_at = models.DateTimeField(_("decision due"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True, default="")

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=_one_target(), name="appeal_one_target"),
            # One appeal per ledger entry and per sanction.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(entry__isnull=False), name="appeal_once_per_entry"
            ),
            models.UniqueConstraint(
                fields=["sanction"],
                condition=Q(sanction__isnull=False),
                name="appeal_once_per_sanction",
            ),
        ]
        indexes = [
            models.Index(
                fields=["decision_due_at"],
                name="appeal_open_due",
                condition=Q(status__in=["submitted", "under_review"]),
            ),
        ]

    def __str__(self):
        return f"{self.merchant}: {self.target}"

    @property
    def target(self):
        return self.entry or self.sanction

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.UNDER_REVIEW)

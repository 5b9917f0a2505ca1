import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.audit import governed
from products import claims


# Statement-level history: the selling-rights listener restricts tens of thousands of
# listings in one UPDATE (a first deployment's catch-up); one INSERT ... SELECT from the
# transition tables instead of one trigger call per row (docs/scaling.md).
@governed(level=pghistory.Statement)
class Product(models.Model):
    """A merchant's listing in one category."""

    class Status(models.TextChoices):
        LISTED = "listed", _("Listed")
        RESTRICTED = "restricted", _("Restricted")
        DELISTED = "delisted", _("Delisted")

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("merchant"),
        # (merchant, status) and (merchant, sku) lead with it: a third index would only
        # be one more entry to write per listing a set-based sync changes.
        db_index=False,
    )
    category = models.ForeignKey(
        "core.Category",
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("category"),
    )
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    images = models.ManyToManyField(
        "core.Upload", blank=True, related_name="+", verbose_name=_("images")
    )
    status = models.CharField(
        _("listing status"),
        max_length=20,
        choices=Status.choices,
        default=Status.LISTED,
    )

    class Cause(models.TextChoices):
        """Why a listing is not listed; decides how it may come back."""

        MANUAL = "manual", _("Staff decision")
        SELLING_RIGHTS = "selling_rights", _("Merchant or category restricted")
        QUALITY = "quality", _("Quality (inspection)")
        AD_CLAIM = "ad_claim", _("Advertising claim")
        SANCTION = "sanction", _("Sanction (product delisting)")
        INCIDENT = "incident", _("Quality incident under investigation")

    supplier = models.ForeignKey(
        "products.Supplier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("supplier"),
        help_text=_("Self-operated goods: the approved supplier."),
    )
    status_cause = models.CharField(
        _("status cause"), max_length=20, choices=Cause.choices, blank=True, default=""
    )
    # What staff wrote; a reason the system writes is a code and its parameters
    # (merchants.reason_texts), read by `status_reason_text` in the reader's language.
    status_reason = models.TextField(_("status reason"), blank=True, default="")
    status_reason_code = models.CharField(
        _("status reason code"), max_length=40, blank=True, default="", db_default=""
    )
    status_reason_params = models.JSONField(
        _("status reason parameters"), blank=True, default=dict, db_default={}
    )
    status_evidence = models.CharField(_("status evidence"), max_length=200, blank=True, default="")
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("status changed by"),
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "sku"], name="product_sku_per_merchant")
        ]
        indexes = [
            models.Index(fields=["merchant", "status"]),
            # Not `db_index=True`: that adds a varchar_pattern_ops copy for LIKE, which no
            # query uses and every status change writes.
            models.Index(fields=["status"], name="product_status"),
        ]

    def __str__(self):
        return self.title

    @property
    def status_reason_text(self) -> str:
        from merchants import reason_texts

        return reason_texts.text(
            self.status_reason_code, self.status_reason_params, self.status_reason
        )


# --- advertising claims ------------------------------------------------------------------


class ClaimCategory(models.TextChoices):
    STATE_LEVEL = claims.STATE_LEVEL, _("State or world level")
    SUPERLATIVE = claims.SUPERLATIVE, _("Superlative")
    RANK_FIRST = claims.RANK_FIRST, _("Ranked first")
    TOP_GRADE = claims.TOP_GRADE, _("Top grade")
    UNIQUENESS = claims.UNIQUENESS, _("Uniqueness")
    ABSOLUTE = claims.ABSOLUTE, _("Absolute promise")
    PRICE = claims.PRICE, _("Lowest price")


class ExemptionKind(models.TextChoices):
    TRADEMARK = claims.TRADEMARK, _("Registered trademark")
    OFFICIAL_GRADE = claims.OFFICIAL_GRADE, _("Official grade or designation")
    OWN_RANGE = claims.OWN_RANGE, _("Comparison within the merchant's own range")
    QUOTED_AWARD = claims.QUOTED_AWARD, _("Quoted award name")


@governed
class ClaimTerm(models.Model):
    """One absolute term of the maintained list (Advertising Law art. 9(3))."""

    text = models.CharField(_("term"), max_length=60, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=ClaimCategory.choices)
    explanation_zh = models.TextField(_("why it may breach the law (Chinese)"), blank=True)
    explanation_en = models.TextField(_("why it may breach the law (English)"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("claim term")
        verbose_name_plural = _("claim terms")
        ordering = ["category", "text"]

    def __str__(self):
        return self.text


@governed
class ClaimPhrase(models.Model):
    """A phrase containing a term: a context exception (not a claim: 第一次, best before) or
    a lawful use to hint at (a merchant's registered brand name, an official designation)."""

    class Kind(models.TextChoices):
        CONTEXT = claims.CONTEXT, _("Not a claim (context exception)")
        TRADEMARK = claims.TRADEMARK, _("Registered trademark")
        OFFICIAL_GRADE = claims.OFFICIAL_GRADE, _("Official grade or designation")
        OWN_RANGE = claims.OWN_RANGE, _("Comparison within the merchant's own range")
        QUOTED_AWARD = claims.QUOTED_AWARD, _("Quoted award name")

    text = models.CharField(_("phrase"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("claim exemption phrase")
        verbose_name_plural = _("claim exemption phrases")
        ordering = ["kind", "text"]
        constraints = [models.UniqueConstraint(fields=["text", "kind"], name="claim_phrase_unique")]

    def __str__(self):
        return f"{self.text} ({self.get_kind_display()})"


class ClaimFlag(models.Model):
    """A term found in a product's title or description, waiting for (or past) review.

    A flag is identified by product, field and `context_key` (the term and the normalised
    characters around it), so a rescan finds the same flag again and a staff decision
    survives edits elsewhere in the text, but not a change to the flagged phrase itself.
    """

    class Field(models.TextChoices):
        TITLE = "title", _("title")
        DESCRIPTION = "description", _("description")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLEARED = "cleared", _("Cleared")
        ACTIONED = "actioned", _("Listing restricted")
        OBSOLETE = "obsolete", _("No longer matches")

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="claim_flags", verbose_name=_("product")
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    term = models.ForeignKey(
        ClaimTerm,
        null=True,
        on_delete=models.SET_NULL,
        related_name="flags",
        verbose_name=_("term"),
    )
    term_text = models.CharField(_("term"), max_length=60)
    category = models.CharField(_("category"), max_length=20, choices=ClaimCategory.choices)
    start = models.PositiveIntegerField(_("starts at"))
    end = models.PositiveIntegerField(_("ends at"))
    matched = models.CharField(_("matched text"), max_length=200)
    excerpt = models.CharField(_("excerpt"), max_length=400)
    context_key = models.CharField(max_length=32)
    exemption_hint = models.CharField(
        _("possible exemption"),
        max_length=20,
        choices=ExemptionKind.choices,
        blank=True,
        default="",
    )
    exemption_detail = models.CharField(
        _("exemption evidence"), max_length=200, blank=True, default=""
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, default="")
    created_at = models.DateTimeField(_("flagged"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("claim flag")
        verbose_name_plural = _("claim flags")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "field", "context_key"], name="claim_flag_one_per_context"
            ),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="claim_flag_span"),
        ]
        indexes = [
            # The review queue lists open flags, oldest first.
            models.Index(fields=["created_at"], name="claim_flag_open", condition=Q(status="open")),
            models.Index(fields=["status", "category"], name="claim_flag_status"),
        ]

    def __str__(self):
        return f"{self.product}: {self.term_text}"


class ScanRun(models.Model):
    """A bulk rescan of every product, with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        SUPERSEDED = "superseded", _("Superseded by a newer run")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    # Why the run was asked for: a code of products.reason_texts and its parameters, read by
    # `reason_text` in the reader's language; `reason` keeps the words of a run of before
    # the codes that no known sentence matched.
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    reason_code = models.CharField(
        _("reason code"), max_length=40, blank=True, default="", db_default=""
    )
    reason_params = models.JSONField(
        _("reason parameters"), blank=True, default=dict, db_default={}
    )
    total = models.PositiveIntegerField(_("products to scan"), default=0)
    processed = models.PositiveIntegerField(_("products scanned"), default=0)
    flags_seen = models.PositiveIntegerField(_("hits found"), default=0)
    flags_new = models.PositiveIntegerField(_("new flags"), default=0)
    flags_closed = models.PositiveIntegerField(_("flags no longer matching"), default=0)
    # Highest product id done: a redelivered task resumes after it.
    cursor = models.BigIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")

    class Meta:
        verbose_name = _("claim scan run")
        verbose_name_plural = _("claim scan runs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"#{self.pk} {self.get_status_display()} {self.processed}/{self.total}"

    @property
    def reason_text(self) -> str:
        from products import reason_texts

        return reason_texts.text(self.reason_code, self.reason_params, self.reason)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.processed / self.total))


# --- quality standards -----------------------------------------------------------------


class QualityStandard(models.Model):
    """What products of one category must meet; its content lives in versions."""

    category = models.OneToOneField(
        "core.Category",
        on_delete=models.PROTECT,
        related_name="quality_standard",
        verbose_name=_("category"),
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("quality standard")
        verbose_name_plural = _("quality standards")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


_PUBLISHED_IS_FROZEN = pgtrigger.Protect(
    name="published_version_frozen",
    operation=pgtrigger.Update | pgtrigger.Delete,
    condition=pgtrigger.Q(old__status="published"),
)


@governed
class StandardVersion(models.Model):
    """One version of a standard. Drafts are edited; a published version never changes
    (a database trigger refuses it), so an inspection that recorded it keeps its meaning.
    A version applies from its `effective_from` until the next published one's."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    standard = models.ForeignKey(
        QualityStandard,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("standard"),
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    effective_from = models.DateTimeField(_("effective from"), null=True, blank=True)
    note = models.TextField(_("what changed"), blank=True, default="")
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        ordering = ["standard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="standard_version_unique"),
            models.UniqueConstraint(
                fields=["standard"],
                condition=Q(status="draft"),
                name="standard_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(effective_from__isnull=False, published_at__isnull=False),
                name="standard_published_has_dates",
            ),
        ]
        indexes = [models.Index(fields=["standard", "status", "effective_from"])]
        triggers = [_PUBLISHED_IS_FROZEN]

    def __str__(self):
        from core.decision_labels import titled_version

        return titled_version(self.standard, self.number)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Requirement(models.Model):
    class Kind(models.TextChoices):
        PASS_FAIL = "pass_fail", _("Pass or fail")
        MEASURED = "measured", _("Measured")

    class Severity(models.TextChoices):
        CRITICAL = "critical", pgettext_lazy("defect class", "Critical")
        MAJOR = "major", pgettext_lazy("defect class", "Major")
        MINOR = "minor", pgettext_lazy("defect class", "Minor")

    version = models.ForeignKey(
        StandardVersion,
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("version"),
    )
    code = models.CharField(_("code"), max_length=40)
    description = models.TextField(_("description (Chinese)"))
    description_en = models.TextField(_("description (English)"), blank=True, default="")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=30, blank=True, default="")
    min_value = models.DecimalField(
        _("minimum"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    test_method = models.CharField(_("test method"), max_length=200, blank=True, default="")
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    position = models.PositiveIntegerField(_("order"), default=0)
    # Set when the version is published; the trigger below then refuses any change.
    locked = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["version", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="requirement_code_unique"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="requirement_min_le_max",
            ),
            models.CheckConstraint(
                condition=Q(kind="measured", unit__gt="")
                & (Q(min_value__isnull=False) | Q(max_value__isnull=False))
                | Q(kind="pass_fail", unit="", min_value__isnull=True, max_value__isnull=True),
                name="requirement_kind_fields",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="published_requirement_frozen",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__locked=True),
            )
        ]

    def __str__(self):
        return f"{self.code}: {self.label[:60]}"

    @property
    def label(self) -> str:
        """The item's name in the reader's language: the English description on English
        pages when there is one, the Chinese one otherwise (never the bare code)."""
        from django.utils.translation import get_language

        english = (get_language() or "").startswith("en")
        return self.description_en if english and self.description_en else self.description

    @property
    def label_with_unit(self) -> str:
        """The label followed by the unit a measured item is recorded in, e.g. "水分 (g/100g)"."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


# --- suppliers of self-operated goods and lots ---------------------------------------------


@governed
class Supplier(models.Model):
    """A supplier of the platform's self-operated goods, screened like a merchant: licence,
    certificates and factory audit record; approved, re-verified periodically, suspended."""

    class Status(models.TextChoices):
        SCREENING = "screening", _("Screening")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")

    class Reason(models.TextChoices):
        """Reason codes of screening decisions (as in merchant onboarding)."""

        DOCUMENTS_COMPLETE = "documents_complete", _("Documents complete and valid")
        LICENCE_EXPIRED = "licence_expired", _("Licence expired")
        LICENCE_MISSING = "licence_missing", _("Licence missing or illegible")
        CERTIFICATE_MISSING = "certificate_missing", _("Certificate missing")
        AUDIT_FAILED = "audit_failed", _("Factory audit failed")
        AUDIT_MISSING = "audit_missing", _("No factory audit record")
        REVERIFICATION_OVERDUE = "reverification_overdue", _("Re-verification overdue")
        QUALITY = "quality", _("Quality problems (rejected lots)")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    licence_number = models.CharField(_("business licence number"), max_length=64, unique=True)
    licence_valid_until = models.DateField(_("licence valid until"), null=True, blank=True)
    certificates = models.TextField(
        _("certificates"), blank=True, default="", help_text=_("e.g. ISO 9001, production licence")
    )
    factory_audit_date = models.DateField(_("factory audit on"), null=True, blank=True)
    factory_audit_passed = models.BooleanField(_("factory audit passed"), default=False)
    documents = models.ManyToManyField(
        "core.Upload", blank=True, related_name="+", verbose_name=_("documents")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCREENING
    )
    reason_code = models.CharField(
        _("reason code"),
        max_length=30,
        choices=Reason.choices,
        blank=True,
        default="",
        db_default="",
    )
    reverify_by = models.DateField(_("re-verify by"), null=True, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "reverify_by"], name="supplier_due")]

    def __str__(self):
        return self.name


@governed
class Lot(models.Model):
    """A production lot of one product (the supplier's or the merchant's lot number).

    A lot number names one product within its merchant: the same number for another product
    is refused. `code` is the public code printed on the packaging (the QR code's target)."""

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="lots",
        verbose_name=_("merchant"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="lots", verbose_name=_("product")
    )
    supplier = models.ForeignKey(
        Supplier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lots",
        verbose_name=_("supplier"),
    )
    number = models.CharField(_("lot number"), max_length=64)
    code = models.CharField(_("public code"), max_length=24, unique=True, editable=False)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="lot_number_per_merchant")
        ]
        indexes = [models.Index(fields=["product", "-created_at"], name="lot_by_product")]

    def __str__(self):
        return self.number

"""Spot-check inspections: plans, inspections of one lot, results per sample and
requirement, the switching state per merchant and category, objections.

The rules live in the pure modules (sampling, switching, verdict) and in services; these
tables only hold what was decided and what it was decided with.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.audit import governed
from core.decision_labels import reason_text
from inspections import switching


class Severity(models.TextChoices):
    """Inspection severity (ISO 2859-1 clause 9); discontinued only for the switching state."""

    NORMAL = switching.NORMAL, pgettext_lazy("inspection severity", "Normal")
    TIGHTENED = switching.TIGHTENED, _("Tightened")
    REDUCED = switching.REDUCED, _("Reduced")
    DISCONTINUED = switching.DISCONTINUED, _("Discontinued (acceptance stopped)")


#: The severities a lot is inspected on (discontinued is a state, not a severity).
INSPECTION_SEVERITIES = Severity.choices[:3]


class DefectClass(models.TextChoices):
    CRITICAL = "critical", pgettext_lazy("defect class", "Critical")
    MAJOR = "major", pgettext_lazy("defect class", "Major")
    MINOR = "minor", pgettext_lazy("defect class", "Minor")


@governed
class InspectionPlan(models.Model):
    """An inspection that is due. `period` is the plan's identity within its merchant and
    kind (a quarter, a month, "probation", or the source of a risk trigger or objection),
    so the planner and triggers can insert with ON CONFLICT DO NOTHING."""

    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Periodic (quarterly)")
        PROBATION = "probation", _("Probation (first within 30 days)")
        RISK_TRIGGERED = "risk_triggered", _("Risk-triggered")
        RANDOM = "random", _("Random")
        RETEST = "retest", _("Re-test")

    class Status(models.TextChoices):
        DUE = "due", pgettext_lazy("inspection plan", "Due")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="inspection_plans",
        verbose_name=_("merchant"),
    )
    category = models.ForeignKey(
        "core.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Empty: any category the merchant sells in."),
    )
    product = models.ForeignKey(
        "products.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_plans",
        verbose_name=_("product"),
    )
    period = models.CharField(_("period"), max_length=100)
    due_by = models.DateField(_("due by"))
    tightened = models.BooleanField(
        _("tightened"), default=False, help_text=_("Start on tightened inspection (probation).")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DUE
    )
    # Staff's words; a reason the system writes is a code plus parameters instead, rendered in
    # the reader's language (`reason_text`, codes of the apps' reason_texts).
    reason = models.TextField(_("reason"), blank=True, default="")
    reason_code = models.CharField(
        _("reason code"), max_length=40, blank=True, default="", db_default=""
    )
    reason_params = models.JSONField(
        _("reason parameters"), blank=True, default=dict, db_default={}
    )
    # What caused it, as "app_label.model:pk" (a complaint, an objection), or "planner".
    source = models.CharField(_("source"), max_length=100, blank=True, default="")
    retest_of = models.ForeignKey(
        "Inspection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retest_plans",
        verbose_name=_("re-test of"),
    )
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
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["due_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "kind", "period"], name="inspection_plan_one_per_period"
            ),
        ]
        indexes = [
            # The queue: open plans by due date.
            models.Index(
                fields=["due_by"],
                name="inspection_plan_open",
                condition=Q(status__in=["due", "in_progress"]),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.merchant} · {self.due_by}"

    @property
    def reason_text(self) -> str:
        """Why it was planned, in the reader's language (staff's words as written)."""
        return reason_text(self.reason_code, self.reason_params) or self.reason


@governed
class Inspection(models.Model):
    """One lot of one product inspected against the standard version in force."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECORDED = "recorded", _("Results recorded")
        ACCEPTED = "accepted", pgettext_lazy("lot verdict", "Accepted")
        REJECTED = "rejected", pgettext_lazy("lot verdict", "Rejected")
        OVERTURNED = "overturned", _("Rejected, overturned by re-test")

    plan = models.ForeignKey(
        InspectionPlan,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("plan"),
    )
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("product"),
    )
    # Copied from the product when the inspection starts: scoping and switching read them.
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("merchant"),
    )
    category = models.ForeignKey(
        "core.Category", on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    lot_size = models.PositiveIntegerField(_("lot size"))
    batch = models.CharField(_("batch"), max_length=100)
    lot = models.ForeignKey(
        "products.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("lot"),
    )
    standard_version = models.ForeignKey(
        "products.StandardVersion",
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("standard version"),
    )
    severity = models.CharField(
        _("inspection severity"), max_length=20, choices=INSPECTION_SEVERITIES
    )
    level = models.CharField(_("inspection level"), max_length=5, default="II")
    sampling_policy = models.ForeignKey(
        "core.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sampling policy"),
    )
    # {"critical": {"aql", "code_letter", "sample_size", "accept", "reject",
    #  "full_inspection"}, "major": {...}, "minor": {...}}: one plan per class that the
    # standard version has requirements of.
    sampling_plans = models.JSONField(_("sampling plans"))
    sample_size = models.PositiveIntegerField(
        _("items to draw"), help_text=_("The largest sample of the classes' plans.")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inspector"),
    )
    lab = models.CharField(_("laboratory"), max_length=200, blank=True, default="")
    attachments = models.ManyToManyField(
        "core.Upload", blank=True, related_name="+", verbose_name=_("lab reports")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # {"critical": {"nonconforming", "sample_size", "accept", "reject", "accepted"}, ...}
    verdict_detail = models.JSONField(_("verdict detail"), default=dict, blank=True)
    decided_by_class = models.CharField(
        _("rejected for"), max_length=20, choices=DefectClass.choices, blank=True, default=""
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verdict by"),
    )
    decided_at = models.DateTimeField(_("verdict at"), null=True, blank=True)
    overturned_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="overturned",
        verbose_name=_("overturned by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "-created_at"], name="inspection_by_merchant"),
            models.Index(fields=["product", "-created_at"], name="inspection_by_product"),
            models.Index(fields=["status"], name="inspection_status"),
            # Quality dashboards: the refresh and drill-downs read verdicts by day.
            models.Index(
                fields=["decided_at", "id"],
                name="inspection_decided",
                condition=Q(decided_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(lot_size__gte=1), name="inspection_lot_size"),
        ]

    def __str__(self):
        return _("Inspection #%(id)s") % {"id": self.pk}

    @property
    def is_retest(self) -> bool:
        return self.plan.kind == InspectionPlan.Kind.RETEST

    @property
    def is_decided(self) -> bool:
        return self.status in (
            self.Status.ACCEPTED,
            self.Status.REJECTED,
            self.Status.OVERTURNED,
        )


class SampleResult(models.Model):
    """The result of one requirement on one sampled item."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="results", verbose_name=_("inspection")
    )
    sample_number = models.PositiveIntegerField(_("sample"))
    requirement = models.ForeignKey(
        "products.Requirement",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requirement"),
    )
    passed = models.BooleanField(_("conforms"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("sample result")
        verbose_name_plural = _("sample results")
        ordering = ["sample_number", "requirement_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "sample_number", "requirement"],
                name="sample_result_one_per_cell",
            ),
            models.CheckConstraint(condition=Q(sample_number__gte=1), name="sample_number_min"),
        ]

    def __str__(self):
        return f"#{self.sample_number} {self.requirement_id}: {self.passed}"


@governed
class SwitchingRecord(models.Model):
    """Where a merchant stands in the ISO 2859-1 switching scheme for one category."""

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="switching_records",
        verbose_name=_("merchant"),
    )
    category = models.ForeignKey(
        "core.Category", on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    severity = models.CharField(
        _("inspection severity"),
        max_length=20,
        choices=Severity.choices,
        default=Severity.NORMAL,
    )
    lots = models.PositiveIntegerField(_("lots judged"), default=0)
    recent_normal = models.JSONField(_("last lots on normal inspection"), default=list)
    switching_score = models.PositiveIntegerField(_("switching score"), default=0)
    consecutive_accepted = models.PositiveIntegerField(
        _("consecutive accepted on tightened"), default=0
    )
    rejected_on_tightened = models.PositiveIntegerField(_("rejected since tightened"), default=0)
    # [{"lot", "from_state", "to_state", "reason", "lot_ref", "at"}]
    history = models.JSONField(_("history"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("switching state")
        verbose_name_plural = _("switching states")
        ordering = ["merchant", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "category"], name="switching_one_per_merchant_category"
            )
        ]

    def __str__(self):
        return f"{self.merchant} · {self.category}: {self.get_severity_display()}"

    @property
    def restriction_source(self) -> str:
        return f"inspections.switchingrecord:{self.pk}"


@governed
class Objection(models.Model):
    """A merchant's objection to a rejected lot, asking for a re-test (Product Quality Law)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETEST_SCHEDULED = "retest_scheduled", _("Re-test scheduled")
        UPHELD = "upheld", _("Upheld (verdict overturned)")
        DISMISSED = "dismissed", _("Dismissed (verdict stands)")

    inspection = models.OneToOneField(
        Inspection,
        on_delete=models.PROTECT,
        related_name="objection",
        verbose_name=_("inspection"),
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="inspection_objections",
        verbose_name=_("merchant"),
    )
    reason = models.TextField(_("grounds"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    retest_plan = models.OneToOneField(
        InspectionPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objection",
        verbose_name=_("re-test plan"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True, default="")
    # The re-test decides an objection: its words are a code of inspections.reason_texts.
    decision_code = models.CharField(
        _("decision code"), max_length=40, blank=True, default="", db_default=""
    )
    decision_params = models.JSONField(
        _("decision parameters"), blank=True, default=dict, db_default={}
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-submitted_at"]

    def __str__(self):
        return _("Objection to inspection #%(id)s") % {"id": self.inspection_id}

    @property
    def decision_text(self) -> str:
        """The decision in the reader's language (text stored before the codes as it is)."""
        from inspections import reason_texts

        return reason_texts.text(self.decision_code, self.decision_params, self.decision_note)


# --- third-party testing labs, samples and chain of custody --------------------------------


@governed
class Lab(models.Model):
    """A third-party testing lab with its accreditation (CNAS, CMA), accredited scope and
    validity. An expired accreditation suspends the lab (no new samples, no results)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("name"), max_length=200, unique=True)
    cnas_number = models.CharField(_("CNAS accreditation number"), max_length=40, blank=True)
    cma_number = models.CharField(_("CMA certificate number"), max_length=40, blank=True)
    scope_methods = models.JSONField(
        _("accredited test methods"),
        default=list,
        blank=True,
        help_text=_("The test methods (standard numbers) the accreditation covers."),
    )
    scope_categories = models.ManyToManyField(
        "core.Category",
        blank=True,
        related_name="+",
        verbose_name=_("accredited categories"),
        help_text=_("Empty: the methods are accredited for any category."),
    )
    valid_from = models.DateField(_("accredited from"))
    valid_until = models.DateField(_("accredited until"))
    documents = models.ManyToManyField(
        "core.Upload", blank=True, related_name="+", verbose_name=_("accreditation documents")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    # Staff's words; the system's reasons are a code plus parameters (inspections.reason_texts).
    status_reason = models.TextField(_("status reason"), blank=True, default="")
    status_reason_code = models.CharField(
        _("status reason code"), max_length=40, blank=True, default="", db_default=""
    )
    status_reason_params = models.JSONField(
        _("status reason parameters"), blank=True, default=dict, db_default={}
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("testing lab")
        verbose_name_plural = _("testing labs")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lte=models.F("valid_until")), name="lab_validity_order"
            ),
            models.CheckConstraint(
                condition=~Q(cnas_number="") | ~Q(cma_number=""), name="lab_has_accreditation"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def status_reason_text(self) -> str:
        """Why it is suspended, in the reader's language (staff's words as written)."""
        return reason_text(self.status_reason_code, self.status_reason_params) or self.status_reason


class LabMember(models.Model):
    """A lab user's lab (the user also belongs to the `lab` role group)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lab_membership",
        verbose_name=_("user"),
    )
    lab = models.ForeignKey(
        Lab, on_delete=models.CASCADE, related_name="members", verbose_name=_("lab")
    )

    class Meta:
        verbose_name = _("lab user")
        verbose_name_plural = _("lab users")

    def __str__(self):
        return f"{self.user} @ {self.lab}"


class CustodyKind(models.TextChoices):
    SEALED = "sealed", _("Sealed")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received by lab")
    TESTED = "tested", _("Tested")
    RETAINED = "retained", _("Retained")
    DISPOSED = "disposed", _("Disposed")
    REFUSED = "refused", _("Refused by lab")


@governed
class Sample(models.Model):
    """The sealed sample of an inspected lot sent to a lab. Its status is the last custody
    event; the lab records results per item (`SampleResult`) and the signed report."""

    class Condition(models.TextChoices):
        INTACT = "intact", _("Seal intact, sample sound")
        DAMAGED = "damaged", _("Packaging damaged, sample sound")
        COMPROMISED = "compromised", _("Seal broken or sample spoiled")

    code = models.CharField(_("sample code"), max_length=32, unique=True)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="samples", verbose_name=_("inspection")
    )
    lab = models.ForeignKey(
        Lab, on_delete=models.PROTECT, related_name="samples", verbose_name=_("lab")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CustodyKind.choices, default=CustodyKind.SEALED
    )
    seal_number = models.CharField(_("seal number"), max_length=64, blank=True, default="")
    condition = models.CharField(
        _("condition on receipt"), max_length=20, choices=Condition.choices, blank=True
    )
    refusal_reason = models.TextField(_("refusal reason"), blank=True, default="")
    report = models.ForeignKey(
        "core.Upload",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed report"),
    )
    report_sha256 = models.CharField(_("report SHA-256"), max_length=64, blank=True, default="")
    results_submitted_at = models.DateTimeField(_("results submitted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lab", "status"], name="sample_by_lab")]

    def __str__(self):
        return self.code


class CustodyEvent(models.Model):
    """One step of a sample's chain of custody: who, when, what."""

    sample = models.ForeignKey(
        Sample, on_delete=models.CASCADE, related_name="custody", verbose_name=_("sample")
    )
    kind = models.CharField(_("event"), max_length=20, choices=CustodyKind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    # A person's words; the seal number of a "sealed" step is the sample's, not a note.
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.sample} {self.get_kind_display()}"

    @property
    def note_text(self) -> str:
        """What the step says, in the reader's language: the seal of a sealed sample, else
        the note as written."""
        if self.kind == CustodyKind.SEALED and not self.note and self.sample.seal_number:
            return _("Seal %(seal)s") % {"seal": self.sample.seal_number}
        return self.note

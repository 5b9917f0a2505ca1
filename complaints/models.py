"""Complaints and false-advertising reports, their SLA policies and clocks.

A case stores its deadlines as absolute instants (and the 75 % at-risk instants) computed
from the policy version it started with; the minute sweep (complaints.sweep) compares them
with now() through partial indexes that hold only running, not-yet-alerted clocks.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case as SQLCase
from django.db.models import F, Q, When
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints import sla
from core.audit import governed
from core.exceptions import DomainError


def filing_language() -> str:
    """The language active when a case is filed (the consumer's page language), as one of
    settings.LANGUAGES; a case created outside a request takes the site default."""
    from django.utils.translation import get_language

    current = (get_language() or settings.LANGUAGE_CODE).lower()
    codes = [code for code, _label in settings.LANGUAGES]
    for code in codes:
        if current == code or current.split("-")[0] == code.split("-")[0]:
            return code
    return settings.LANGUAGE_CODE


class CaseKind(models.TextChoices):
    COMPLAINT = "complaint", _("After-sales complaint")
    AD_REPORT = "ad_report", _("False-advertising report")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, pgettext_lazy("case priority", "Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class CalendarKind(models.TextChoices):
    CALENDAR_HOURS = "calendar", _("Calendar hours (24x7)")
    BUSINESS_HOURS = "business", _("Business hours")


def default_weekly_hours() -> dict:
    return {str(d): "09:00-18:00" for d in range(5)}


def validate_weekly_hours(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError(_("Weekly hours must map weekdays 0-6 to hours like 09:00-18:00."))
    try:
        sla.business_calendar(value)
    except (sla.CalendarError, ValueError, TypeError) as exc:
        raise ValidationError(
            _("Weekly hours are not valid: %(error)s") % {"error": exc}, code="weekly_hours"
        ) from exc


@governed
class BusinessCalendar(models.Model):
    """Working hours per weekday in a time zone, with holidays and make-up workdays."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=sla.DEFAULT_TIME_ZONE)
    weekly_hours = models.JSONField(
        _("weekly hours"),
        default=default_weekly_hours,
        validators=[validate_weekly_hours],
        help_text=_(
            'Weekday (0 = Monday … 6 = Sunday) to working intervals, e.g. {"0": '
            '"09:00-12:00, 13:00-18:00"}. Days not listed are days off.'
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            ZoneInfo(self.time_zone)
        except (ValueError, ZoneInfoNotFoundError) as exc:
            raise ValidationError({"time_zone": _("Unknown time zone.")}) from exc

    def as_calendar(self) -> sla.BusinessHours:
        days = list(self.days.values_list("date", "kind"))
        return sla.business_calendar(
            self.weekly_hours,
            holidays=[d for d, kind in days if kind == CalendarDay.Kind.HOLIDAY],
            makeup_workdays=[d for d, kind in days if kind == CalendarDay.Kind.WORKDAY],
            time_zone=self.time_zone,
        )


class CalendarDay(models.Model):
    """An exception to the weekly hours: a public holiday or a make-up workday."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no working time)")
        WORKDAY = "workday", _("Make-up workday")

    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="days",
        verbose_name=_("calendar"),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique")
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


@governed
class SLAPolicy(models.Model):
    """One version of the SLA targets for a case kind and priority.

    Versions are added, never edited once a case has pinned them: a case keeps the rules it
    started with. The version in force is the highest-numbered one whose `effective_from`
    has come.
    """

    kind = models.CharField(_("case kind"), max_length=20, choices=CaseKind.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    version = models.PositiveIntegerField(_("version"))
    first_response_hours = models.DecimalField(
        _("first response target (hours)"),
        max_digits=7,
        decimal_places=2,
        default=24,
        validators=[MinValueValidator(0.01)],
    )
    resolution_hours = models.DecimalField(
        _("resolution target (hours)"),
        max_digits=7,
        decimal_places=2,
        default=72,
        validators=[MinValueValidator(0.01)],
    )
    merchant_answer_hours = models.DecimalField(
        _("merchant answer target (hours)"),
        max_digits=7,
        decimal_places=2,
        default=24,
        validators=[MinValueValidator(0.01)],
    )
    at_risk_percent = models.PositiveSmallIntegerField(
        _("at risk at (% of target)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    calendar_kind = models.CharField(
        _("calendar"),
        max_length=10,
        choices=CalendarKind.choices,
        default=CalendarKind.CALENDAR_HOURS,
    )
    business_calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("business calendar"),
    )
    effective_from = models.DateTimeField(_("effective from"))
    note = models.TextField(_("why it changed"), blank=True, default="")
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
        verbose_name = _("SLA policy version")
        verbose_name_plural = _("SLA policy versions")
        ordering = ["kind", "-priority", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "priority", "version"], name="sla_policy_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(calendar_kind="calendar") | Q(business_calendar__isnull=False),
                name="sla_policy_business_needs_calendar",
            ),
        ]
        indexes = [models.Index(fields=["kind", "priority", "effective_from"])]

    def __str__(self):
        from core.decision_labels import titled_version

        return titled_version(
            f"{self.get_kind_display()} / {self.get_priority_display()}", self.version
        )

    def save(self, *args, **kwargs):
        if self.pk and self.is_used:
            raise DomainError(
                _("This SLA policy version is used by cases; publish a new version instead.")
            )
        super().save(*args, **kwargs)

    def clean(self):
        if self.calendar_kind == CalendarKind.BUSINESS_HOURS and not self.business_calendar_id:
            raise ValidationError(
                {"business_calendar": _("Business hours need a business calendar.")}
            )

    @property
    def is_used(self) -> bool:
        return bool(self.pk) and Case.objects.filter(policy=self).exists()

    #: The calendar worked out once, on the versions services.policies keeps per process.
    kept_calendar: sla.Calendar | None = None

    def calendar(self) -> sla.Calendar:
        if self.kept_calendar is not None:
            return self.kept_calendar
        if self.calendar_kind == CalendarKind.BUSINESS_HOURS:
            return self.business_calendar.as_calendar()
        return sla.CALENDAR_HOURS

    @property
    def at_risk_fraction(self) -> float:
        return self.at_risk_percent / 100


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    AWAITING_MERCHANT = "awaiting_merchant", _("Awaiting merchant")
    AWAITING_CONSUMER = "awaiting_consumer", _("Awaiting consumer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The SLA clock runs in these states; it pauses in awaiting_consumer and stops at resolved.
RUNNING = [CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.AWAITING_MERCHANT]
OPEN = [*RUNNING, CaseStatus.AWAITING_CONSUMER]


def _running(column: str, condition: Q):
    return SQLCase(When(condition, then=F(column)), default=None)


_RESPONSE_RUNS = Q(first_responded_at__isnull=True)
_MERCHANT_RUNS = Q(status=CaseStatus.AWAITING_MERCHANT, merchant_answered_at__isnull=True)

# A case's nearest running deadline: the first response until it is given, the resolution,
# and the merchant's answer while we wait for it (LEAST ignores NULLs). Staff queues sort by
# it; partial indexes on the same expression serve their first page. Whether a clock is on
# time, at risk, breached or paused is complaints.sla_state's to say.
NEXT_DUE = Least(
    _running("response_due_at", _RESPONSE_RUNS),
    F("resolution_due_at"),
    _running("merchant_answer_due_at", _MERCHANT_RUNS),
)


def next_deadline():
    """The nearest deadline still running on an open case (NULL once decided): what the API
    lists sort by. The index case_open_next_deadline holds exactly this expression."""
    return models.Case(models.When(status__in=OPEN, then=NEXT_DUE))


class SweepStage(models.IntegerChoices):
    """How far the sweep has alerted on one clock. Alerted clocks leave the sweep's partial
    indexes, so a sweep only ever reads clocks that still have an alert to raise."""

    NONE = 0, _("On time")
    AT_RISK = 1, _("At risk")
    BREACHED = 2, _("Breached")


class Target(models.TextChoices):
    RESPONSE = "response", _("first response")
    RESOLUTION = "resolution", _("resolution")
    MERCHANT_ANSWER = "merchant_answer", _("merchant answer")


@governed
class Case(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        API = "api", _("API")

    class ComplaintType(models.TextChoices):
        QUALITY_DEFECT = "quality_defect", _("Quality defect")
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        COUNTERFEIT = "counterfeit", _("Counterfeit")
        SAFETY = "safety", _("Safety hazard")
        DELIVERY = "delivery", _("Delivery delay or damage")
        RETURN_REFUSED = "return_refused", _("Return refused")
        REFUND_NOT_RECEIVED = "refund_not_received", _("Refund not received")
        REPAIR = "repair", _("Repair")
        OTHER = "other", _("Other")

    class Remedy(models.TextChoices):
        REFUND = "refund", _("Refund")
        RETURN = "return", _("Return")
        EXCHANGE = "exchange", pgettext_lazy("remedy", "Exchange")
        REPAIR = "repair", _("Repair")
        COMPENSATION = "compensation", _("Compensation")
        RESHIPMENT = "reshipment", _("Reshipment")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        REFUND = "refund", _("Refund")
        RETURN = "return", _("Return")
        EXCHANGE = "exchange", pgettext_lazy("remedy", "Exchange")
        REPAIR = "repair", _("Repair")
        COMPENSATION = "compensation", _("Compensation")
        SUBSTANTIATED = "substantiated", _("Substantiated (listing restricted)")
        REJECTED = "rejected", _("Rejected")

    Status = CaseStatus

    kind = models.CharField(
        _("kind"), max_length=20, choices=CaseKind.choices, default=CaseKind.COMPLAINT
    )
    reference = models.CharField(_("reference"), max_length=32)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )

    consumer_name = models.CharField(_("consumer name"), max_length=100)
    consumer_email = models.EmailField(_("consumer email"), blank=True, default="")
    consumer_phone = models.CharField(_("consumer phone"), max_length=30, blank=True, default="")
    order_number = models.CharField(_("order number"), max_length=64, blank=True, default="")
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    goods_opened = models.BooleanField(
        _("goods opened"),
        null=True,
        blank=True,
        help_text=_("Asked only for categories excluded from the no-reason return once opened."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=filing_language,
        help_text=_("The consumer's language at filing: every message to them uses it."),
    )
    # No single-column indexes where a composite one below leads with the column: every
    # index is written again when the sweep escalates a row that cannot be updated in place.
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("merchant"),
        db_index=False,
    )
    product = models.ForeignKey(
        "products.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("product"),
    )
    complaint_type = models.CharField(
        _("complaint type"), max_length=30, choices=ComplaintType.choices, blank=True, default=""
    )
    description = models.TextField(_("description"))
    desired_remedy = models.CharField(
        _("desired remedy"), max_length=20, choices=Remedy.choices, blank=True, default=""
    )
    advertised_claim = models.TextField(_("advertised claim"), blank=True, default="")
    claim_seen_at = models.CharField(_("where the claim was seen"), max_length=500, blank=True)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
        db_index=False,
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    escalated = models.BooleanField(_("escalated to supervisor"), default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    outcome_reason = models.TextField(_("outcome reason"), blank=True, default="")

    # The SLA clock, pinned to the policy version the case started with.
    policy = models.ForeignKey(
        SLAPolicy, on_delete=models.PROTECT, related_name="cases", verbose_name=_("SLA policy")
    )
    response_due_at = models.DateTimeField(_("first response due"))
    response_at_risk_at = models.DateTimeField(_("first response at risk"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    resolution_at_risk_at = models.DateTimeField(_("resolution at risk"))
    merchant_answer_due_at = models.DateTimeField(_("merchant answer due"), null=True, blank=True)
    merchant_answer_at_risk_at = models.DateTimeField(
        _("merchant answer at risk"), null=True, blank=True
    )
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("time paused (seconds)"), default=0)
    first_responded_at = models.DateTimeField(_("first responded"), null=True, blank=True)
    merchant_asked_at = models.DateTimeField(_("merchant asked"), null=True, blank=True)
    merchant_answered_at = models.DateTimeField(_("merchant answered"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # Counters that make the alert key of a restarted clock (reopen, a second merchant
    # request) a new fact.
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    merchant_request_count = models.PositiveSmallIntegerField(default=0)

    tracking_token_hash = models.CharField(max_length=64, editable=False)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    satisfaction_comment = models.TextField(_("satisfaction comment"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("filed"))

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        constraints = [
            # Constraints rather than unique=True: no extra LIKE index on a million rows.
            models.UniqueConstraint(fields=["reference"], name="case_reference_unique"),
            models.UniqueConstraint(fields=["tracking_token_hash"], name="case_token_unique"),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__range=(1, 5)),
                name="case_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="rejected") | ~Q(outcome_reason=""),
                name="case_rejection_has_reason",
            ),
        ]
        indexes = [
            # Staff queues sort open cases by their nearest deadline.
            models.Index(
                fields=["response_due_at"],
                name="case_open_response_due",
                condition=Q(status__in=OPEN, first_responded_at__isnull=True),
            ),
            models.Index(
                fields=["resolution_due_at"],
                name="case_open_resolution_due",
                condition=Q(status__in=OPEN),
            ),
            models.Index(
                fields=["merchant_answer_due_at"],
                name="case_merchant_answer_due",
                condition=Q(status=CaseStatus.AWAITING_MERCHANT),
            ),
            # Queues: open cases by agent and by merchant, nearest deadline first.
            models.Index(
                fields=["assignee", "resolution_due_at"],
                name="case_open_by_assignee",
                condition=Q(status__in=OPEN),
            ),
            # Staff queues (complaints.selectors.queue): open cases by nearest deadline, all
            # of them and per agent.
            models.Index(NEXT_DUE, name="case_open_next_due", condition=Q(status__in=OPEN)),
            models.Index(
                F("assignee"),
                NEXT_DUE,
                name="case_open_assignee_next_due",
                condition=Q(status__in=OPEN),
            ),
            # The admin list: newest first.
            models.Index(fields=["-created_at", "-id"], name="case_newest"),
            # Round-robin assignment reads each agent's latest assignment.
            models.Index(fields=["assignee", "assigned_at"], name="case_by_assignee"),
            models.Index(
                fields=["merchant", "-created_at"],
                name="case_by_merchant",
            ),
            # API lists page by keyset (cursor pagination): newest first, and open cases
            # by their nearest running deadline.
            models.Index(fields=["created_at", "id"], name="case_by_created"),
            models.Index(
                next_deadline(),
                F("id"),
                name="case_open_next_deadline",
                condition=Q(status__in=OPEN),
            ),
            # Quality dashboards (reports.services.dashboards): the refresh of a few days
            # reads each figure's event column by range (one BitmapOr over these instead of
            # a scan of the whole table), and a drill-down lists a figure's rows newest
            # first. Filed: case_by_created.
            models.Index(
                fields=["first_responded_at", "id"],
                name="case_complaint_first_response",
                condition=Q(kind=CaseKind.COMPLAINT, first_responded_at__isnull=False),
            ),
            models.Index(
                fields=["resolved_at", "id"],
                name="case_resolved",
                condition=Q(resolved_at__isnull=False),
            ),
            models.Index(
                fields=["response_due_at", "id"],
                name="case_complaint_response_due",
                condition=Q(kind=CaseKind.COMPLAINT),
            ),
            models.Index(
                fields=["resolution_due_at", "id"],
                name="case_complaint_resolution_due",
                condition=Q(kind=CaseKind.COMPLAINT),
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def is_paused(self) -> bool:
        return self.status == CaseStatus.AWAITING_CONSUMER


class SLAClock(models.Model):
    """One SLA target of a case as the sweep sees it: a narrow mirror of the case's deadline
    columns (the case stays the source of truth; services.sync_clocks writes this).

    Why a separate table: the sweep marks what it alerted (`stage`) on every crossing
    clock. Updating the wide, heavily indexed case row for that costs ~20x more than this
    row with three indexes, and `stage` in the partial index predicates is what keeps the
    indexes holding only clocks that still owe an alert.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks", db_index=False)
    target = models.CharField(max_length=20, choices=Target.choices)
    due_at = models.DateTimeField()
    at_risk_at = models.DateTimeField()
    running = models.BooleanField(default=True)
    stage = models.PositiveSmallIntegerField(choices=SweepStage.choices, default=SweepStage.NONE)
    cycle = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [models.UniqueConstraint(fields=["case", "target"], name="sla_clock_unique")]
        indexes = [
            models.Index(
                fields=["at_risk_at"],
                name="sla_clock_at_risk",
                condition=Q(running=True, stage__lt=SweepStage.AT_RISK),
            ),
            models.Index(
                fields=["due_at"],
                name="sla_clock_due",
                condition=Q(running=True, stage__lt=SweepStage.BREACHED),
            ),
        ]

    def __str__(self):
        return f"{self.case_id} {self.target}"


class SLABreach(models.Model):
    """A lasting fact: one clock of one case missed its deadline, once per clock cycle.

    The sweep writes it in the same statement that raises the breach alert (complaints.sweep,
    ON CONFLICT DO NOTHING on the unique key), with `breached_at` the clock's due instant,
    not the sweep's; complaints.services.clocks.sync_clocks writes it the same way when a
    clock stops already breached (met late, or paused after its deadline) between sweeps.
    The cycle is the clock's: 0 for the first response, the reopen count
    for the resolution, the request count for the merchant's answer, so a re-asked merchant
    starts a new cycle and the earlier breach stays on record. Violation points, risk,
    probation and dashboards read these rows, never the alerts.
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="breaches", verbose_name=_("case")
    )
    target = models.CharField(_("target"), max_length=20, choices=Target.choices)
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=0)
    breached_at = models.DateTimeField(_("breached at"))
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        ordering = ["-breached_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "target", "cycle"], name="sla_breach_once_per_cycle"
            )
        ]
        indexes = [models.Index(fields=["target", "breached_at"], name="sla_breach_by_target")]

    def __str__(self):
        return f"{self.case_id} {self.target} #{self.cycle}"


class CasePause(models.Model):
    """One stop of the SLA clock while waiting for the consumer."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("case")
    )
    started_at = models.DateTimeField(_("paused"))
    ended_at = models.DateTimeField(_("resumed"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    paused_seconds = models.PositiveIntegerField(
        _("SLA time paused (seconds)"), null=True, blank=True
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("paused by"),
    )

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True), name="case_one_open_pause"
            )
        ]

    def __str__(self):
        return f"{self.case} {self.started_at:%Y-%m-%d %H:%M}"


class CaseMessage(models.Model):
    class Author(models.TextChoices):
        CONSUMER = "consumer", _("Consumer")
        STAFF = "staff", _("Consumer Service")
        MERCHANT = "merchant", _("Merchant")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="messages", verbose_name=_("case")
    )
    author_kind = models.CharField(
        pgettext_lazy("message author", "from"), max_length=10, choices=Author.choices
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"))
    internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Not shown to the consumer.")
    )
    attachments = models.ManyToManyField(
        "core.Upload", blank=True, related_name="+", verbose_name=_("attachments")
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.case} {self.get_author_kind_display()}"


class InboundMail(models.Model):
    """One email read from the complaints mailbox.

    The Message-ID is unique (a constraint, so two overlapping ingestions cannot both store
    a message): reading the same mailbox twice adds nothing. Mail whose order number
    matches a purchase becomes a case straight away; the rest waits on the intake page
    until Consumer Service makes a case of it or dismisses it."""

    class Status(models.TextChoices):
        NEEDS_TRIAGE = "needs_triage", _("Needs triage")
        CASE_OPENED = "case_opened", _("Case opened")
        DISMISSED = "dismissed", pgettext_lazy("inbound mail", "Dismissed")

    message_id = models.CharField(_("Message-ID"), max_length=998)
    mailbox = models.CharField(_("mailbox"), max_length=200, blank=True, default="")
    from_name = models.CharField(_("sender name"), max_length=200, blank=True, default="")
    from_address = models.EmailField(_("sender address"), max_length=320, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=500, blank=True, default="")
    body = models.TextField(_("text"), blank=True, default="")
    order_number = models.CharField(_("order number"), max_length=64, blank=True, default="")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEEDS_TRIAGE
    )
    why_unmatched = models.CharField(_("why not matched"), max_length=300, blank=True, default="")
    case = models.OneToOneField(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_mail",
        verbose_name=_("case"),
    )
    attachments = models.ManyToManyField(
        "core.Upload", blank=True, related_name="+", verbose_name=_("attachments")
    )
    # [{"name": ..., "reason": ...}] for attachments refused by the upload checks.
    refused_attachments = models.JSONField(_("refused attachments"), default=list, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("triaged by"),
    )
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    dismiss_reason = models.TextField(_("why dismissed"), blank=True, default="")

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["message_id"], name="inbound_mail_message_id_unique")
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="inbound_mail_triage",
                condition=Q(status="needs_triage"),
            )
        ]

    def __str__(self):
        return self.subject or self.message_id

    # why_unmatched holds one of these codes (shown in the reader's language), or the
    # engine's own refusal as it was worded when the mail was read.
    UNMATCHED = {
        "no_order_number": _("No order number found in the email."),
        "no_sender": _("The sender address is missing or invalid."),
        "no_purchase": _("No purchase with order number %(order)s."),
    }

    def get_why_unmatched_display(self) -> str:
        text = self.UNMATCHED.get(self.why_unmatched)
        return str(text) % {"order": self.order_number} if text else self.why_unmatched


@governed
class QualityIncident(models.Model):
    """One product (or lot) problem gathered from the cases, lots and reports that show it
    (domain §13): counterfeit, quality defect or safety hazard. Containment (the listing
    suspended while staff investigate) comes before the investigation ends."""

    class Kind(models.TextChoices):
        COUNTERFEIT = "counterfeit", _("Counterfeit")
        QUALITY_DEFECT = "quality_defect", _("Quality defect")
        SAFETY = "safety", _("Safety hazard")
        FALSE_ADVERTISING = "false_advertising", _("False advertising")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("incident status", "Open")
        CONTAINED = "contained", _("Contained")
        RESOLVED = "resolved", pgettext_lazy("incident status", "Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    class Source(models.TextChoices):
        COMPLAINT = "complaint", _("Consumer complaint")
        LOT_REJECTED = "lot_rejected", _("Inspection lot rejected")
        AD_REPORT = "ad_report", _("False-advertising report")
        STAFF = "staff", _("Staff")

    reference = models.CharField(_("reference"), max_length=32)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    source = models.CharField(_("opened from"), max_length=20, choices=Source.choices)
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="quality_incidents",
        verbose_name=_("merchant"),
    )
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="quality_incidents",
        verbose_name=_("product"),
    )
    lot = models.ForeignKey(
        "products.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quality_incidents",
        verbose_name=_("lot"),
    )
    inspection = models.ForeignKey(
        "inspections.Inspection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quality_incidents",
        verbose_name=_("inspection"),
    )
    cases = models.ManyToManyField(
        Case, blank=True, related_name="quality_incidents", verbose_name=_("cases")
    )
    evidence = models.ManyToManyField(
        "core.Upload", blank=True, related_name="+", verbose_name=_("evidence")
    )
    # The words a person wrote (a complaint, a report's claim, staff's own summary). What the
    # system says about them is a code and parameters, rendered in the reader's language
    # (`summary_text`, complaints.reason_texts); a lot rejection has no words of a person.
    summary = models.TextField(_("what is reported"), blank=True, default="")
    summary_code = models.CharField(
        _("summary code"), max_length=40, blank=True, default="", db_default=""
    )
    summary_params = models.JSONField(
        _("summary parameters"), blank=True, default=dict, db_default={}
    )
    findings = models.TextField(_("what was found"), blank=True, default="")
    # Containment: the listing's status before it was suspended, so lifting it restores that.
    contained_at = models.DateTimeField(_("contained"), null=True, blank=True)
    containment_reason = models.TextField(_("containment reason"), blank=True, default="")
    listing_status_before = models.CharField(
        _("listing status before containment"), max_length=20, blank=True, default=""
    )
    resolved_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution_reason = models.TextField(_("decision reason"), blank=True, default="")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened"))

    class Meta:
        verbose_name = _("quality incident")
        verbose_name_plural = _("quality incidents")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="incident_reference_unique"),
            # One open incident per product and kind: a second complaint joins it.
            models.UniqueConstraint(
                fields=["product", "kind"],
                condition=Q(status__in=["open", "contained"]),
                name="incident_one_open_per_product_kind",
            ),
            # An inspection lot's rejection opens one incident, however often it is replayed.
            models.UniqueConstraint(
                fields=["inspection"],
                condition=Q(source="lot_rejected"),
                name="incident_once_per_rejected_lot",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-opened_at"], name="incident_queue"),
            models.Index(fields=["merchant", "-opened_at"], name="incident_by_merchant"),
        ]
        permissions = [
            ("contain_qualityincident", _("Can suspend a listing while an incident is open")),
            ("decide_qualityincident", _("Can confirm or dismiss a quality incident")),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("complaints:incident-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.CONTAINED)

    @property
    def summary_text(self) -> str:
        """What is reported, in the reader's language."""
        from complaints.reason_texts import summary_text

        return summary_text(self.summary_code, self.summary_params, self.summary)


# --- remedies (domain §13) -----------------------------------------------------------------

# Remedy kinds where money moves: an amount is required, above zero and not above the order
# amount unless a supervisor gives a reason (complaints.services.remedies).
MONEY_KINDS = ("refund", "return_refund", "compensation")


@governed
class Remedy(models.Model):
    """One remedy granted on a case or an incident: what, how much, who pays, by when, and
    whether it was done (with proof). When the merchant does not pay by the due date, or the
    platform is at fault, the platform pays first and a Recovery is opened against the
    merchant (C2.6, C3.5)."""

    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund")
        RETURN_REFUND = "return_refund", _("Return and refund")
        EXCHANGE = "exchange", pgettext_lazy("remedy", "Exchange")
        REPAIR = "repair", _("Repair")
        RESHIPMENT = "reshipment", _("Reshipment")
        COMPENSATION = "compensation", _("Compensation")

    class Payer(models.TextChoices):
        MERCHANT = "merchant", _("Merchant")
        PLATFORM = "platform", _("Platform")

    class Status(models.TextChoices):
        PROMISED = "promised", _("Promised")
        DONE = "done", pgettext_lazy("remedy status", "Done")
        FAILED = "failed", pgettext_lazy("remedy status", "Failed")

    class PlatformReason(models.TextChoices):
        MERCHANT_DID_NOT_PAY = "merchant_did_not_pay", _("The merchant did not pay by the due date")
        PLATFORM_AT_FAULT = "platform_at_fault", _("The platform is at fault")

    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remedies",
        db_index=False,  # see Meta.indexes
        verbose_name=_("case"),
    )
    incident = models.ForeignKey(
        QualityIncident,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remedies",
        db_index=False,  # see Meta.indexes
        verbose_name=_("quality incident"),
    )
    purchase = models.ForeignKey(
        "reviews.Purchase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remedies",
        db_index=False,  # see Meta.indexes
        verbose_name=_("purchase"),
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="remedies",
        db_index=False,  # see Meta.indexes
        verbose_name=_("merchant"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    order_amount = models.DecimalField(
        _("order amount"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The order's amount when the remedy was granted (the cap on money)."),
    )
    above_order_reason = models.TextField(
        _("supervisor's reason for an amount above the order"), blank=True, default=""
    )
    payer = models.CharField(_("payer"), max_length=10, choices=Payer.choices)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROMISED
    )
    note = models.TextField(_("note"), blank=True, default="")
    proof_reference = models.CharField(_("proof reference"), max_length=200, blank=True, default="")
    proof = models.ForeignKey(
        "core.Upload",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # see Meta.indexes
        verbose_name=_("proof file"),
    )
    failure_reason = models.TextField(_("why it failed"), blank=True, default="")
    platform_paid_first = models.BooleanField(_("platform pays first"), default=False)
    platform_reason = models.CharField(
        _("why the platform pays"),
        max_length=30,
        choices=PlatformReason.choices,
        blank=True,
        default="",
    )
    # Set by the due-date sweep in the statement that raises the overdue alert: a remedy
    # alerts once, and an alerted remedy leaves the sweep's partial index.
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)

    class Meta:
        verbose_name = _("remedy")
        verbose_name_plural = _("remedies")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(incident__isnull=False),
                name="remedy_has_case_or_incident",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=MONEY_KINDS) | Q(amount__gt=0),
                name="remedy_money_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="remedy_amount_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(proof_reference="") | Q(proof__isnull=False),
                name="remedy_done_has_proof",
            ),
            models.CheckConstraint(
                condition=Q(platform_paid_first=False) | ~Q(platform_reason=""),
                name="remedy_platform_first_has_reason",
            ),
        ]
        indexes = [
            # The due-date sweep: promised remedies not yet alerted, by due date.
            models.Index(
                fields=["due_at"],
                name="remedy_promised_due",
                condition=Q(status="promised", overdue_at__isnull=True),
            ),
            # Also the merchant foreign key's index (it leads with merchant).
            models.Index(fields=["merchant", "status", "due_at"], name="remedy_by_merchant"),
            models.Index(fields=["granted_at"], name="remedy_by_granted"),
            # The optional foreign keys, indexed where set: a row enters (and the sweep's
            # update, which cannot be HOT since it moves overdue_at, writes) only the
            # indexes whose key it has. `col = x` implies `col IS NOT NULL`, so lookups and
            # the PROTECT checks of deletions use them as they used the full indexes.
            *(
                models.Index(
                    fields=[field],
                    name=f"remedy_{field}_set",
                    condition=Q(**{f"{field}__isnull": False}),
                )
                for field in ("case", "incident", "purchase", "proof")
            ),
        ]
        permissions = [
            (
                "grant_remedy_above_order",
                _("Can grant a remedy above the order amount (supervisor)"),
            ),
        ]

    def __str__(self):
        amount = f" {self.amount} {self.currency}" if self.amount is not None else ""
        return f"{self.get_kind_display()}{amount}"

    @property
    def target(self):
        return self.case if self.case_id else self.incident

    @property
    def moves_money(self) -> bool:
        return self.kind in MONEY_KINDS

    @property
    def is_final(self) -> bool:
        return self.status != self.Status.PROMISED


@governed
class Recovery(models.Model):
    """What the platform claims back from a merchant after paying a remedy first."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("recovery status", "Open")
        SETTLED = "settled", _("Settled")
        WRITTEN_OFF = "written_off", _("Written off")

    remedy = models.OneToOneField(
        Remedy, on_delete=models.PROTECT, related_name="recovery", verbose_name=_("remedy")
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="recoveries",
        db_index=False,  # recovery_by_merchant leads with it
        verbose_name=_("merchant"),
    )
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    reason = models.CharField(
        _("why the platform paid"), max_length=30, choices=Remedy.PlatformReason.choices
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened"))
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # see Meta.indexes
        verbose_name=_("settled by"),
    )
    settlement_reference = models.CharField(
        _("settlement reference"), max_length=200, blank=True, default=""
    )
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        verbose_name = _("recovery from merchant")
        verbose_name_plural = _("recoveries from merchants")
        ordering = ["-opened_at", "-id"]
        indexes = [
            # Also the merchant foreign key's index (it leads with merchant).
            models.Index(fields=["merchant", "status"], name="recovery_by_merchant"),
            # Set when settled: an open recovery enters no settled_by index.
            models.Index(
                fields=["settled_by"],
                name="recovery_settled_by_set",
                condition=Q(settled_by__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.merchant} {self.amount or ''} {self.get_status_display()}"


class BuyerNotice(models.Model):
    """One buyer told about a quality incident: one row per (incident, purchase).

    Created set-based by complaints.services.buyer_notices.notify_buyers (one INSERT ...
    SELECT over the purchases), delivered in batches by the mail queue. Not row-history
    tracked: per-row history triggers would make a 100,000-buyer notice superlinear; the
    incident's decision record says who notified how many, and each row keeps its delivery
    state. The remedy-request link's token is never stored, only its SHA-256."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", pgettext_lazy("buyer notice", "Sent")
        FAILED = "failed", pgettext_lazy("buyer notice", "Failed")
        NO_CONTACT = "no_contact", _("No contact")

    incident = models.ForeignKey(
        QualityIncident,
        on_delete=models.CASCADE,
        related_name="buyer_notices",
        verbose_name=_("incident"),
        db_index=False,  # the unique (incident, purchase) constraint leads with it
    )
    purchase = models.ForeignKey(
        "reviews.Purchase",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("purchase"),
    )
    contact = models.CharField(_("e-mail"), max_length=200, blank=True, default="")
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True, default="")
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # SHA-256 of the token in the e-mail's remedy-request link (set when it is sent).
    token_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("buyer notice")
        verbose_name_plural = _("buyer notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "purchase"], name="buyer_notice_once_per_purchase"
            ),
            models.UniqueConstraint(fields=["token_hash"], name="buyer_notice_token_unique"),
        ]
        indexes = [
            # Delivery claims queued rows oldest first; only queued rows are in the index.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="buyer_notice_queued",
                condition=Q(status="queued"),
            ),
            models.Index(fields=["incident", "status"], name="buyer_notice_progress"),
        ]

    def __str__(self):
        return f"{self.incident_id}/{self.purchase_id}"


@governed
class QualityNotice(models.Model):
    """The public notice of a confirmed incident (domain §13, §17): product, the merchant's
    public name, what was found, what the platform did, what buyers can do, in both
    languages. Published only after a Quality Manager approves the text; never holds
    consumer data."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    incident = models.OneToOneField(
        QualityIncident,
        on_delete=models.PROTECT,
        related_name="quality_notice",
        verbose_name=_("incident"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    title_zh_hans = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_zh_hans = models.TextField(_("text (Chinese)"))
    body_en = models.TextField(_("text (English)"))
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    drafted_at = models.DateTimeField(_("drafted"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("why withdrawn"), blank=True, default="")

    class Meta:
        verbose_name = _("quality notice")
        verbose_name_plural = _("quality notices")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["-published_at"],
                name="quality_notice_published",
                condition=Q(status="published"),
            )
        ]
        permissions = [("approve_qualitynotice", _("Can approve and publish a quality notice"))]

    def __str__(self):
        return self.title

    def _in(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        return "en" if (language or get_language() or "").startswith("en") else "zh_hans"

    @property
    def title(self) -> str:
        return getattr(self, f"title_{self._in()}")

    @property
    def body(self) -> str:
        return getattr(self, f"body_{self._in()}")

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

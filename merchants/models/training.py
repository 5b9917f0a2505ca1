"""Training that continues after go-live: versioned programmes for an audience, their modules,
materials and quiz, the assignments (one per merchant or staff member and cycle), quiz
attempts and the recorded steps (reminders, overdue alert, restriction, lift).

The onboarding training sessions (`TrainingSession` in onboarding.py) belong to the same
family: a session may name the programme it delivers, and attendance recorded by staff
completes the attendee's assignment of that programme."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.audit import governed
from core.roles import role_label


class Audience(models.TextChoices):
    ALL_MERCHANTS = "all_merchants", _("All live merchants")
    CATEGORIES = "categories", _("Merchants selling in given categories")
    RISK_TIER = "risk_tier", _("Merchants in a risk tier")
    PROBATION = "probation", _("Merchants on probation")
    STAFF = "staff", _("Staff of a department")


RISK_TIERS = [
    ("low", pgettext_lazy("risk tier", "Low")),
    ("medium", pgettext_lazy("risk tier", "Medium")),
    ("high", pgettext_lazy("risk tier", "High")),
]


def in_language(chinese: str, english: str) -> str:
    """Of a text kept in Chinese and English: the reader's language (English pages take the
    English one), falling back to the other when it is empty."""
    if (get_language() or "").startswith("en"):
        return english or chinese
    return chinese or english


def programme_name(value) -> str:
    """A programme's title kept in an alert payload as {"zh": ..., "en": ...} (text stored
    before both were kept: as it is), in the reader's language."""
    if isinstance(value, dict):
        return in_language(str(value.get("zh") or ""), str(value.get("en") or ""))
    return str(value or "")


@governed
class TrainingProgramme(models.Model):
    """One version of a programme. Versions of the same programme share `code`; once a
    version has assignments it is frozen and changes go into a new version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    code = models.SlugField(
        _("code"), max_length=60, help_text=_("Shared by every version of the programme.")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(
        _("title (English)"), max_length=200, blank=True, default="", db_default=""
    )
    summary = models.TextField(_("summary (Chinese)"), blank=True, default="")
    summary_en = models.TextField(_("summary (English)"), blank=True, default="", db_default="")
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.ALL_MERCHANTS
    )
    categories = models.ManyToManyField(
        "core.Category",
        blank=True,
        related_name="training_programmes",
        verbose_name=_("categories"),
        help_text=_("For a category audience: merchants selling in these (or sub-) categories."),
    )
    risk_tier = models.CharField(
        _("risk tier"), max_length=10, choices=RISK_TIERS, blank=True, default=""
    )
    department = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff department"),
    )
    recurrence_months = models.PositiveSmallIntegerField(
        _("repeat every (months)"),
        default=0,
        help_text=_("0: once. 12: every year, a new cycle is assigned."),
    )
    window_days = models.PositiveSmallIntegerField(_("completion window (days)"), default=30)
    pass_mark = models.PositiveSmallIntegerField(
        _("quiz pass mark (%)"),
        null=True,
        blank=True,
        help_text=_("Empty: no quiz; completing the modules completes the programme."),
    )
    max_attempts = models.PositiveSmallIntegerField(_("quiz attempts allowed"), default=3)
    restricts_sales = models.BooleanField(
        _("restrict sales when overdue"),
        default=True,
        help_text=_(
            "After the policy's grace period an overdue merchant may not sell in the "
            "categories concerned until the training is completed."
        ),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )
    # The start of the current cycle: the next recurrence is this plus recurrence_months.
    cycle = models.PositiveIntegerField(_("current cycle"), default=0)
    cycle_started_at = models.DateTimeField(_("cycle started"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="training_programme_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="published"),
                name="training_programme_one_published",
            ),
        ]

    def __str__(self):
        return _("%(title)s (v%(version)s)") % {
            "title": self.display_title,
            "version": self.version,
        }

    @property
    def display_title(self) -> str:
        """The title in the reader's language, the other one when that is empty."""
        return in_language(self.title, self.title_en)

    @property
    def display_summary(self) -> str:
        return in_language(self.summary, self.summary_en)

    @property
    def names(self) -> dict:
        """Both titles, as alert payloads keep them (read by `programme_name`)."""
        return {"zh": self.title, "en": self.title_en}

    @property
    def has_quiz(self) -> bool:
        return self.pass_mark is not None

    @property
    def is_staff_programme(self) -> bool:
        return self.audience == Audience.STAFF

    @property
    def department_label(self) -> str:
        return role_label(self.department.name) if self.department_id else ""


class TrainingModule(models.Model):
    programme = models.ForeignKey(
        TrainingProgramme,
        on_delete=models.CASCADE,
        related_name="modules",
        verbose_name=_("programme"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, default="")

    class Meta:
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        ordering = ["programme", "order", "id"]

    def __str__(self):
        return self.title


class TrainingMaterial(models.Model):
    """A file (through the validated upload path), a link or a text, attached to a module or
    to a session (material handed out after the event)."""

    module = models.ForeignKey(
        TrainingModule,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="materials",
        verbose_name=_("module"),
    )
    session = models.ForeignKey(
        "merchants.TrainingSession",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="materials",
        verbose_name=pgettext_lazy("training", "session"),
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.ForeignKey(
        "core.Upload",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("file"),
    )
    url = models.URLField(_("link"), blank=True, default="")
    text = models.TextField(_("text"), blank=True, default="")
    order = models.PositiveSmallIntegerField(_("order"), default=1)

    class Meta:
        verbose_name = _("training material")
        verbose_name_plural = _("training materials")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(module__isnull=False) | Q(session__isnull=False),
                name="training_material_has_owner",
            )
        ]

    def __str__(self):
        return self.title


class QuizQuestion(models.Model):
    programme = models.ForeignKey(
        TrainingProgramme,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("programme"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    text = models.TextField(_("question"))
    choices = models.TextField(_("choices"), help_text=_("One choice per line."))
    correct_choice = models.PositiveSmallIntegerField(
        _("correct choice"), help_text=_("The number of the correct line, from 1.")
    )

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["programme", "order", "id"]

    def __str__(self):
        return self.text[:80]

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class TrainingAssignment(models.Model):
    """One merchant's (or staff member's) duty to complete one cycle of a programme.

    The sweep's steps are recorded as facts: `reminded_days` (the last reminder threshold
    sent), `overdue_at`, `restricted_at`, `lifted_at`; each also writes a `TrainingStep`."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")
        SUPERSEDED = "superseded", _("Replaced by a newer version")

    class Reason(models.TextChoices):
        PUBLISHED = "published", _("Programme published")
        RECURRENCE = "recurrence", _("New cycle")
        AUDIENCE = "audience", _("Entered the audience")
        SANCTION = "sanction", _("Remedy of a sanction")
        MANUAL = "manual", _("Assigned by staff")

    programme = models.ForeignKey(
        TrainingProgramme,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("programme"),
    )
    cycle = models.PositiveIntegerField(_("cycle"), default=0)
    merchant = models.ForeignKey(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="training_assignments",
        verbose_name=_("merchant"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="training_assignments",
        verbose_name=_("staff member"),
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    source = models.CharField(_("source"), max_length=100, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    assigned_at = models.DateTimeField(_("assigned"))
    due_at = models.DateTimeField(_("due"))
    reminded_days = models.PositiveSmallIntegerField(_("last reminder (days before)"), null=True)
    # When the sweep next has something to do for this open assignment (a reminder threshold
    # or the due date); NULL once the overdue alert is sent. Keeps the sweep's index range to
    # the rows that crossed, however many assignments there are.
    next_step_at = models.DateTimeField(_("next reminder or overdue step"), null=True)
    overdue_at = models.DateTimeField(_("overdue alert sent"), null=True, blank=True)
    restricted_at = models.DateTimeField(_("sales restricted"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("restriction lifted"), null=True, blank=True)
    modules_done_at = models.DateTimeField(_("modules completed"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    certificate_number = models.CharField(
        _("certificate number"), max_length=40, blank=True, default=""
    )

    class Meta:
        verbose_name = _("training assignment")
        verbose_name_plural = _("training assignments")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "cycle", "merchant", "source"],
                condition=Q(merchant__isnull=False),
                name="training_assignment_merchant_once",
            ),
            models.UniqueConstraint(
                fields=["programme", "cycle", "user", "source"],
                condition=Q(user__isnull=False),
                name="training_assignment_user_once",
            ),
            models.CheckConstraint(
                condition=Q(merchant__isnull=False) | Q(user__isnull=False),
                name="training_assignment_has_assignee",
            ),
        ]
        indexes = [
            # The sweep: open assignments by due date (reminders, overdue, restriction).
            models.Index(
                fields=["next_step_at"],
                name="training_next_step",
                condition=Q(status="open", next_step_at__isnull=False),
            ),
            models.Index(
                fields=["due_at"],
                name="training_to_restrict",
                condition=Q(
                    status="open",
                    overdue_at__isnull=False,
                    restricted_at__isnull=True,
                    merchant__isnull=False,
                ),
            ),
            models.Index(fields=["merchant", "status"], name="training_by_merchant"),
            models.Index(fields=["user", "status"], name="training_by_user"),
        ]

    def __str__(self):
        who = self.merchant or self.user
        return f"{self.programme} · {who}"

    def state(self, now) -> str:
        """open / due_soon / overdue / completed / superseded, as the portal shows it."""
        if self.status != self.Status.OPEN:
            return self.status
        if now >= self.due_at:
            return "overdue"
        return "open"


class QuizAttempt(models.Model):
    assignment = models.ForeignKey(
        TrainingAssignment,
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("assignment"),
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    answers = models.JSONField(_("answers"), default=dict)
    score = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["assignment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "number"], name="quiz_attempt_number")
        ]

    def __str__(self):
        return f"{self.assignment} #{self.number}: {self.score}%"


class TrainingStep(models.Model):
    """What happened to an assignment, in order: assigned, reminder_14, overdue, restricted,
    lifted, completed... Written in the same statement as the change it records."""

    assignment = models.ForeignKey(
        TrainingAssignment,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("assignment"),
    )
    step = models.CharField(_("step"), max_length=20)
    at = models.DateTimeField(_("at"))
    # A note the system writes is a code of merchants.reason_texts plus its parameters,
    # rendered in the reader's language; `note` keeps plain text (a score, older sentences).
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    note_code = models.CharField(
        _("note code"), max_length=40, blank=True, default="", db_default=""
    )
    note_params = models.JSONField(_("note parameters"), blank=True, default=dict, db_default={})

    class Meta:
        verbose_name = _("training step")
        verbose_name_plural = _("training steps")
        ordering = ["assignment", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "step"], name="training_step_once")
        ]

    def __str__(self):
        return f"{self.assignment_id}: {self.step}"

    @property
    def note_text(self) -> str:
        """The note in the reader's language."""
        from merchants import reason_texts

        return reason_texts.text(self.note_code, self.note_params, self.note)

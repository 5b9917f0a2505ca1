import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Staff, merchant users and consumers who chose to have an account."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )


class Category(models.Model):
    """The product category tree.

    It lives in the kernel because every layer speaks of it: merchants sell in categories
    and are restricted per category, products and standards hang off it, complaints read
    its return exclusions. The products app owns its editing pages and API.
    """

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    excluded_from_no_reason_return = models.BooleanField(
        _("excluded from 7-day no-reason return"),
        default=False,
        help_text=_(
            "Made-to-order, perishable, opened digital or audio-video goods, newspapers and "
            "periodicals (Consumer Rights Protection Law art. 25)."
        ),
    )
    no_reason_return_opened_only = models.BooleanField(
        _("excluded only once opened"),
        default=False,
        help_text=_(
            "Digital and audio-video goods: the exclusion applies only when the consumer has "
            "opened them, and the complaint form asks."
        ),
    )
    no_reason_return_overrides = models.BooleanField(
        _("own no-reason return rule"),
        default=False,
        help_text=_(
            "Sub-categories inherit their parent's exclusion unless this is ticked: then this "
            "category's own setting applies (unticked exclusion = the return is allowed)."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Alert(models.Model):
    """One notification, raised at most once per key (see core.alerts)."""

    # Sweeps insert thousands of alerts a minute, so each index here is paid per row: the
    # foreign keys of recipient_user and content_type are covered by alert_inbox and
    # alert_object, and kind and key need no LIKE index (key is unique by a constraint, not
    # by unique=True, which would add one).
    kind = models.CharField(_("kind"), max_length=64)
    key = models.CharField(_("key"), max_length=255)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_index=False,
        related_name="alerts",
        verbose_name=_("recipient user"),
    )
    recipient_group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("recipient group"),
    )
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, db_index=False
    )
    object_id = models.CharField(max_length=64, blank=True, default="")
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Delivery failures: each failed attempt is counted and retried later with backoff;
    # after the last attempt the alert is parked (failed_at set, the dead letter) and shown
    # in the admin with its error, and never blocks the alerts behind it.
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), db_default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last delivery error"), blank=True, db_default="")
    failed_at = models.DateTimeField(_("delivery given up"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient_user__isnull=False) | Q(recipient_group__isnull=False),
                name="alert_has_recipient",
            ),
            # The arbiter of every sweep's ON CONFLICT (key) DO NOTHING: an alert once per key.
            models.UniqueConstraint(fields=["key"], name="core_alert_key_key"),
        ]
        indexes = [
            # The delivery task only ever scans undelivered rows that are not dead letters.
            models.Index(
                fields=["created_at"],
                name="alert_pending",
                condition=Q(delivered_at__isnull=True, failed_at__isnull=True),
            ),
            models.Index(fields=["content_type", "object_id"], name="alert_object"),
            models.Index(fields=["recipient_user", "read_at"], name="alert_inbox"),
            # The unread badge on every staff page counts a group's unread alerts
            # (core.alerts.unread_count); the user's own are an exact range of alert_inbox.
            models.Index(
                fields=["recipient_group"],
                name="alert_unread_group",
                condition=Q(read_at__isnull=True, recipient_group__isnull=False),
            ),
            models.Index(fields=["kind"], name="alert_kind"),
        ]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        from core.alerts import render_text

        return render_text(self.kind, self.payload)

    @property
    def kind_label(self) -> str:
        from core.alerts import kind_label

        return kind_label(self.kind)


class Decision(models.Model):
    """A workflow step: who moved what from which state to which, when and why."""

    # Indexed by the (content_type, object_id, created_at) index, which leads with it: sweeps
    # write thousands of decisions a minute and pay every index per row.
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, db_index=False)
    object_id = models.CharField(max_length=64)
    # Not a column: lets core.admin.DecisionsInline (a generic inline) find the rows.
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from"), max_length=40, blank=True, default="")
    to_state = models.CharField(_("to"), max_length=40, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # decision_actor_set: system decisions (no actor) enter no index
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by (system)"), max_length=120, blank=True, default="")
    reason = models.TextField(_("reason"), blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"]),
            models.Index(
                fields=["actor"], name="decision_actor_set", condition=Q(actor__isnull=False)
            ),
        ]

    def __str__(self):
        # In words, never codes: the admin prints it over each row of a history inline.
        from core import decision_labels as words

        moved = " → ".join(
            words.state_label(self, state) for state in (self.from_state, self.to_state) if state
        )
        action = words.action_label(self.action, self)
        if not moved:
            return action
        return pgettext("decision", "%(action)s: %(states)s") % {"action": action, "states": moved}

    @property
    def by(self) -> str:
        return str(self.actor) if self.actor_id else self.actor_label


class PolicyVersion(models.Model):
    """One version of a governance setting; versions are never edited, only added."""

    key = models.CharField(_("policy"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    value = models.JSONField(_("value"))
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
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="policy_version_unique")
        ]
        indexes = [models.Index(fields=["key", "effective_from"])]

    def __str__(self):
        # The policy's name and "version N" in the reader's language (a key for a policy no
        # app registers any more).
        from core.decision_labels import version_label
        from core.policies import REGISTRY

        policy = REGISTRY.get(self.key)
        name = policy.label if policy is not None else self.key
        return f"{name}, {version_label(self.version)}"


def _upload_name(instance, filename):
    # A random name with no extension: nothing the client sent reaches the file system.
    return f"uploads/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class Upload(models.Model):
    """A validated file (PDF, JPEG or PNG) stored outside any public folder."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to=_upload_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, db_index=True)
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
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name

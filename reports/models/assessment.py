"""Independent assessment of the platform: external assessors' findings and the
platform's response to each, with a due date. Both appear in the next quarterly report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import governed


@governed
class Finding(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESPONDED = "responded", _("Response recorded")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    commitment = models.CharField(
        _("commitment concerned"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("e.g. C3.3 complaint clocks"),
    )
    detail = models.TextField(_("finding"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("assessment finding")
        verbose_name_plural = _("assessment findings")
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return self.title


@governed
class FindingResponse(models.Model):
    finding = models.OneToOneField(
        Finding, on_delete=models.CASCADE, related_name="response", verbose_name=_("finding")
    )
    response = models.TextField(_("platform response"))
    due_date = models.DateField(_("due date"))
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responded by"),
    )
    responded_at = models.DateTimeField(_("responded"))

    class Meta:
        verbose_name = _("response to a finding")
        verbose_name_plural = _("responses to findings")

    def __str__(self):
        return f"{self.finding}: {self.due_date}"

"""Category expansion: a live merchant asks to sell in one more category, with that
category's test report. Selling in it starts only when staff approve the report."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CategoryRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="category_requests",
        verbose_name=_("merchant"),
    )
    category = models.ForeignKey(
        "core.Category",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    test_report = models.ForeignKey(
        "merchants.Document",
        on_delete=models.PROTECT,
        related_name="category_requests",
        verbose_name=_("test report"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    reason = models.TextField(_("reason"), blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("category request")
        verbose_name_plural = _("category requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "category"],
                condition=Q(status="requested"),
                name="category_request_one_open",
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="category_request_queue",
                condition=Q(status="requested"),
            )
        ]

    def __str__(self):
        return _("%(merchant)s: %(category)s") % {
            "merchant": self.merchant,
            "category": self.category,
        }

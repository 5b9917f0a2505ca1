from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import governed


@governed
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
        db_index=True,
    )
    status_reason = models.TextField(_("status reason"), blank=True, default="")
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
        indexes = [models.Index(fields=["merchant", "status"])]

    def __str__(self):
        return self.title

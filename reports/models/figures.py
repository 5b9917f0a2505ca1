"""Reports models: pre-aggregated daily figures for the dashboards.

One row per local day (Asia/Shanghai by default) and product category; the row without a
category holds the cases that name no product. Dashboards sum these rows over the chosen
period instead of scanning the raw tables on every page view. What each column counts is
defined once, in reports.services.dashboards.FIGURES, which also gives the rows behind it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyFigure(models.Model):
    day = models.DateField(_("day"))
    category = models.ForeignKey(
        "core.Category",
        null=True,
        blank=True,
        # Derived data: a category is only ever deleted when nothing refers to it, and then
        # its (empty) figures go with it.
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("category"),
        db_index=False,
    )
    complaints_filed = models.PositiveIntegerField(_("complaints filed"), default=0)
    complaints_responded = models.PositiveIntegerField(_("complaints first answered"), default=0)
    responded_on_time = models.PositiveIntegerField(_("answered within target"), default=0)
    complaints_resolved = models.PositiveIntegerField(_("complaints resolved"), default=0)
    resolved_on_time = models.PositiveIntegerField(_("resolved within target"), default=0)
    response_breaches = models.PositiveIntegerField(_("response targets missed"), default=0)
    resolution_breaches = models.PositiveIntegerField(_("resolution targets missed"), default=0)
    inspections_decided = models.PositiveIntegerField(_("inspections decided"), default=0)
    inspections_passed = models.PositiveIntegerField(_("inspections passed"), default=0)
    inspections_rejected = models.PositiveIntegerField(_("inspections rejected"), default=0)
    ratings_count = models.PositiveIntegerField(_("ratings"), default=0)
    ratings_stars = models.PositiveIntegerField(_("stars given"), default=0)
    ad_reports_filed = models.PositiveIntegerField(_("ad reports filed"), default=0)
    ad_reports_substantiated = models.PositiveIntegerField(_("ad reports substantiated"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        ordering = ["-day"]
        constraints = [
            # NULLS NOT DISTINCT: the no-category row of a day is unique too, so the
            # refresh's ON CONFLICT (day, category_id) finds it.
            models.UniqueConstraint(
                fields=["day", "category"],
                name="daily_figure_day_category",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.day} {self.category or '-'}"

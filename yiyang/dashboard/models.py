"""What the dashboard stores of its own: the resident population per region and year
(entered or imported by the bureau, for the ageing rate) and monthly snapshots of the
registry's figures (for the month-by-month series)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core.models import BaseModel, Region


class RegionPopulation(BaseModel):
    """The resident population (常住人口) of a region in a year, all ages."""

    region = models.ForeignKey(Region, models.CASCADE, related_name="populations",
                               verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("resident population"))
    source = models.CharField(_("source"), max_length=100, blank=True,
                              help_text=_("Where the figure comes from, e.g. the statistics bureau."))

    class Meta:
        ordering = ["region", "-year"]
        verbose_name = _("resident population")
        verbose_name_plural = _("resident populations")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="population_region_year"),
            models.CheckConstraint(condition=models.Q(year__gte=1949, year__lte=2200),
                                   name="population_year_range"),
        ]

    def __str__(self):
        return f"{self.region_id} {self.year}: {self.population}"


class MonthlySnapshot(BaseModel):
    """The registry's figures for a region as they stood at the end of a month (the
    last snapshot taken in the month stands). Flows (orders, alarms) are not kept here:
    they are counted from their own tables for any month."""

    region = models.ForeignKey(Region, models.CASCADE, related_name="snapshots",
                               verbose_name=_("region"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    as_of = models.DateField(_("as of"))
    figures = models.JSONField(_("figures"), default=dict)

    class Meta:
        ordering = ["region", "month"]
        verbose_name = _("monthly snapshot")
        verbose_name_plural = _("monthly snapshots")
        constraints = [
            models.UniqueConstraint(fields=["region", "month"], name="snapshot_region_month"),
        ]

    def __str__(self):
        return f"{self.region_id} {self.month:%Y-%m}"

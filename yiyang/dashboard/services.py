"""The dashboard's writes: population figures, monthly snapshots and report jobs.
Each is one transaction that writes its audit entry."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiyang.core import audit
from yiyang.core.choices import AuditAction, RegionLevel
from yiyang.core.models import Region
from yiyang.dashboard import queries
from yiyang.dashboard.constants import REPORT_JOB
from yiyang.dashboard.models import MonthlySnapshot, RegionPopulation
from yiyang.dashboard.periods import Period, month_of
from yiyang.jobs import services as jobs


@transaction.atomic
def set_population(region: Region, year: int, population: int, *, source: str = "",
                   actor) -> RegionPopulation:
    """Enter (or correct) a region's resident population for a year."""
    row = RegionPopulation.objects.select_for_update().filter(region=region, year=year).first()
    before = None if row is None else row.population
    if row is None:
        row = RegionPopulation.objects.create(region=region, year=year, population=population,
                                              source=source)
    else:
        row.population, row.source = population, source
        row.save(update_fields=["population", "source", "last_updated"])
    audit.record(AuditAction.CREATE if before is None else AuditAction.UPDATE, actor=actor,
                 obj=row, changes={"population": [before, population]},
                 detail=f"population {region.code} {year}", region_code=region.code)
    transaction.on_commit(queries.bump_population_version)
    return row


@transaction.atomic
def delete_population(row: RegionPopulation, *, actor) -> None:
    audit.record(AuditAction.UPDATE, actor=actor, obj=row,
                 changes={"population": [row.population, None]},
                 detail=f"population {row.region_id} {row.year} deleted", region_code=row.region_id)
    row.delete()
    transaction.on_commit(queries.bump_population_version)


@transaction.atomic
def take_snapshot(region: Region, day: dt.date | None = None) -> list[MonthlySnapshot]:
    """Record the registry's figures of region and its children as they stand on `day`
    (default today) as their snapshot of that month; a later snapshot in the same month
    replaces it, so the month keeps its last state."""
    day = day or timezone.localdate()
    month = month_of(day).start
    whole, children = queries.registry_by_region(region, day)
    saved = []
    for target, figures in [(region, whole), *children]:
        kept = {k: v for k, v in figures.items() if k != "categories"}
        row, _ = MonthlySnapshot.objects.update_or_create(
            region=target, month=month, defaults={"as_of": day, "figures": kept})
        saved.append(row)
    return saved


def take_all_snapshots(day: dt.date) -> str:
    """This month's snapshot of every county and town (and their children); run daily."""
    taken = 0
    for region in Region.objects.filter(level__lte=RegionLevel.TOWN).order_by("code"):
        taken += len(take_snapshot(region, day))
    return f"Recorded {taken} snapshots for {day:%Y-%m}."


def submit_report(region: Region, period: Period, *, kind: str, fmt: str, months: int, actor):
    """Start a report job (kept for download); the request is audited as an export."""
    with transaction.atomic():
        job = jobs.submit(REPORT_JOB, actor, total=None, params={
            "region": region.code, "period": period.value, "kind": kind, "format": fmt,
            "months": months})
        audit.record(AuditAction.EXPORT, actor=actor, obj=job, region_code=region.code,
                     detail=f"dashboard report {kind} {fmt} {region.code} {period.value}"
                     + (f" {months} months" if kind == "series" else ""))
    return job

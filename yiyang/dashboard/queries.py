"""The dashboard's figures for a region and period: what the page, the API, the reports
and the benchmark read. Everything is exact and comes from the database:

- the registry's stocks from the pre-aggregated counts (elders.stats: per village and
  key, plus one grouped count per age boundary for the straddling birth year);
- services and alarms from their apps' indicators modules (dashboard.indicators);
- the population from RegionPopulation (or the region's own figure).

Sections are cached (Django cache): the registry's until its counts or the population
figures change (the key holds both versions), the other apps' for FLOW_TTL seconds.
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiyang.core import scoping
from yiyang.core.choices import Action, RegionLevel
from yiyang.core.models import PREFIX_LENGTH, Region
from yiyang.dashboard import indicators
from yiyang.dashboard.models import RegionPopulation
from yiyang.dashboard.periods import Period
from yiyang.elders import stats
from yiyang.elders.choices import AgeBand, CapabilityLevel, Category, Sex

AGES = (60, 70, 80, 90, 100)
BANDS = [(AgeBand.A60, 60, 70), (AgeBand.A70, 70, 80), (AgeBand.A80, 80, 90),
         (AgeBand.A90, 90, 100), (AgeBand.A100, 100, None)]
CATEGORIES = [Category.DIBAO, Category.DIBIAN, Category.TEKUN, Category.ALONE,
              Category.EMPTY_NEST, Category.GUGUA, Category.SANLAO, Category.YOUFU,
              Category.JISHENG, Category.LEFT_BEHIND, Category.DISABLED]
# The versions in the key are what invalidates; the TTL is the safety net for a writer of
# ElderCount that does not bump the version (it must: stats.bump_counts_version on commit).
REGISTRY_TTL = 300
FLOW_TTL = 30  # alarms and orders move all day: at most this stale
_POPULATION_VERSION = "yiyang:dashboard:population-version"


# --- what the page and the API answer ---------------------------------------------------
def dashboard_region(user, code: str | None) -> Region:
    """The region a user asks about (default: their scope), or 404 for a role without
    the dashboard or a region outside their scope."""
    scoping.require(user, Action.VIEW_DASHBOARD)
    if not scoping.is_region_scoped(user):
        raise Http404
    return get_object_or_404(scoping.visible_regions(user), code=code or user.scope_region_id)


def dashboard(region: Region, period: Period, today: dt.date | None = None) -> dict:
    """Every figure the dashboard shows for the region's subtree and the period."""
    today = today or timezone.localdate()
    registry = registry_section(region, period.reference_date(today))
    flows = {domain: flow_section(domain, region, period) for domain in indicators.DOMAINS}
    return {
        "region": registry["region"],
        "period": period.as_json(),
        "as_of": registry["as_of"],
        "registry": registry["figures"],
        "services": flows["services"]["figures"],
        "alarms": flows["alarms"]["figures"],
        "children": _children_rows(registry["children"], flows),
        "child_level": registry["child_level"],
    }


def _children_rows(children: list[dict], flows: dict) -> list[dict]:
    rows = []
    for child in children:
        row = dict(child)
        for domain, keys in (("services", ("orders", "hours")),
                             ("alarms", ("alarms", "devices_offline"))):
            by_child = flows[domain]["by_child"]
            numbers = None if by_child is None else by_child.get(child["code"], {})
            for key in keys:
                row[key] = None if numbers is None else numbers.get(key, 0)
        rows.append(row)
    rows.sort(key=lambda row: (-row["aged_60"], row["code"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


# --- the registry -------------------------------------------------------------------------
def child_length(region: Region) -> int:
    """Digits of the code that name a child of region (a village names itself)."""
    if region.level >= RegionLevel.VILLAGE:
        return PREFIX_LENGTH[RegionLevel.VILLAGE]
    return PREFIX_LENGTH[RegionLevel(region.level + 1)]


def registry_section(region: Region, day: dt.date) -> dict:
    key = (f"yiyang:dashboard:registry:{stats.counts_version()}:{population_version()}:"
           f"{region.code}:{day.isoformat()}:{translation.get_language()}")
    section = cache.get(key)
    if section is None:
        section = compute_registry_section(region, day)
        cache.set(key, section, REGISTRY_TTL)
    return section


def compute_registry_section(region: Region, day: dt.date) -> dict:
    whole, children = registry_by_region(region, day)
    return {
        "region": {"code": region.code, "name": region.name, "level": region.level,
                   "path": [{"code": r.code, "name": r.name} for r in region.ancestors()]},
        "as_of": day.isoformat(),
        "figures": whole,
        "children": [_child_row(child, figures) for child, figures in children],
        "child_level": str(RegionLevel(region.level + 1).label)
        if region.level < RegionLevel.VILLAGE else None,
    }


def registry_by_region(region: Region, day: dt.date) -> tuple[dict, list[tuple[Region, dict]]]:
    """The registry figures of region and of each of its children (with population and
    ageing rate), from one grouped read of the counts and one query per age boundary."""
    length = child_length(region)
    totals = stats.totals_by_child(region.prefix, length)
    aged = stats.aged_by_child_and_sex(region.prefix, length, totals, AGES, day)
    children = list(Region.objects.children_of(region).order_by("code"))
    population = populations([region, *children], day.year)
    whole = registry_figures(_summed(totals.values()), _summed(aged.values()))
    whole.update(_ageing(whole["aged_60"], population.get(region.code)))
    rows = []
    for child in children:
        code = child.code[:length]
        figures = registry_figures(totals.get(code, {}), aged.get(code, {}))
        figures.update(_ageing(figures["aged_60"], population.get(child.code)))
        rows.append((child, figures))
    return whole, rows


def _child_row(child: Region, figures: dict) -> dict:
    return {
        "code": child.code, "name": child.name,
        "url": reverse("dashboard:index") + f"?region={child.code}",
        "total": figures["total"], "aged_60": figures["aged_60"],
        "aged_80": figures["aged_80"], "aged_100": figures["aged_100"],
        "disabled": figures["categories_by_key"][Category.DISABLED],
        "alone": figures["categories_by_key"][Category.ALONE],
        "population": figures["population"], "ageing_rate": figures["ageing_rate"],
    }


def _summed(dicts) -> dict:
    total: dict = {}
    for numbers in dicts:
        for key, n in numbers.items():
            total[key] = total.get(key, 0) + n
    return total


def registry_figures(totals: dict, aged: dict) -> dict:
    """A region's registry figures from its key totals and {(age, sex): n} counts."""
    def at_least(age: int, sex: str | None = None) -> int:
        sexes = (sex,) if sex else (Sex.MALE, Sex.FEMALE)
        return sum(aged.get((age, s), 0) for s in sexes)

    pyramid = [{"band": str(band), "label": str(band.label),
                **{str(sex): at_least(low, sex) - (at_least(high, sex) if high else 0)
                   for sex in (Sex.MALE, Sex.FEMALE)}}
               for band, low, high in BANDS]
    categories = stats.category_counts(totals, at_least(80), at_least(100))
    return {
        "total": totals.get("total", 0),
        "aged_60": at_least(60), "aged_80": at_least(80), "aged_100": at_least(100),
        "under_60": totals.get("total", 0) - at_least(60),
        "sex": {"M": totals.get("sex:M", 0), "F": totals.get("sex:F", 0)},
        "pyramid": pyramid,
        "categories": [{"key": str(c), "label": str(c.label), "n": categories[str(c)]}
                       for c in CATEGORIES],
        "categories_by_key": {str(c): categories[str(c)] for c in CATEGORIES},
        "levels": [{"key": str(level.value), "label": str(level.label),
                    "n": totals.get(f"level:{level.value}", 0)} for level in CapabilityLevel]
        + [{"key": "none", "label": _("Not assessed"), "n": totals.get("level:none", 0)}],
    }


def _ageing(aged_60: int, population: tuple[int, int | None] | None) -> dict:
    if not population or not population[0]:
        return {"population": None, "population_year": None, "ageing_rate": None}
    people, year = population
    return {"population": people, "population_year": year,
            "ageing_rate": round(aged_60 / people, 4)}


# --- population -------------------------------------------------------------------------------
def populations(regions: list[Region], year: int) -> dict[str, tuple[int, int | None]]:
    """{region code: (population, year of the figure)}: the latest figure entered for
    the year or before it, else the region's own resident population (year None)."""
    rows = (RegionPopulation.objects.filter(region__in=regions, year__lte=year)
            .order_by("year").values_list("region_id", "population", "year"))
    found = {code: (people, figure_year) for code, people, figure_year in rows}  # latest wins
    for region in regions:
        if region.code not in found and region.population:
            found[region.code] = (region.population, None)
    return found


def population_rows(user):
    """Population figures of the regions in the user's scope, region by region."""
    prefix = user.scope_prefix
    if prefix is None:
        return RegionPopulation.objects.none()
    return (RegionPopulation.objects.filter(region__in=scoping.visible_regions(user))
            .select_related("region").order_by("region_id", "-year"))


def population_version() -> int:
    version = cache.get(_POPULATION_VERSION)
    if version is None:
        cache.add(_POPULATION_VERSION, time.time_ns(), timeout=None)
        version = cache.get(_POPULATION_VERSION)
    return version


def bump_population_version() -> None:
    cache.set(_POPULATION_VERSION, time.time_ns(), timeout=None)  # a fresh value, as stats does


# --- services and alarms ------------------------------------------------------------------
def flow_section(domain: str, region: Region, period: Period) -> dict:
    key = f"yiyang:dashboard:{domain}:{region.code}:{period.value}:{translation.get_language()}"
    section = cache.get(key)
    if section is None:
        section = {
            "figures": indicators.figures(domain, region.code, period.start, period.end),
            "by_child": indicators.by_child(domain, region.code, period.start, period.end)
            if region.level < RegionLevel.VILLAGE else None,
        }
        cache.set(key, section, FLOW_TTL)
    return section



# --- month by month -------------------------------------------------------------------------
SERIES_STOCKS = ("total", "aged_60", "aged_80", "aged_100", "ageing_rate")
SERIES_CATEGORIES = ("disabled", "dibao", "tekun", "alone")


def series(region: Region, months: list[Period], progress=lambda **kw: None) -> list[dict]:
    """One row per month, oldest first: the registry's stocks at the month's end (from
    its snapshot; live for the running month; None without a snapshot) and the month's
    flows from the other apps (None where an app has no data)."""
    from yiyang.dashboard.models import MonthlySnapshot

    today = timezone.localdate()
    snapshots = {s.month: s.figures for s in MonthlySnapshot.objects.filter(
        region=region, month__in=[m.start for m in months])}
    rows = []
    for done, month in enumerate(months):
        progress(done=done, total=len(months))
        stock = snapshots.get(month.start)
        if month.end > today:
            stock = registry_section(region, month.reference_date(today))["figures"]
        services = indicators.figures("services", region.code, month.start, month.end)
        alarms = indicators.figures("alarms", region.code, month.start, month.end)
        rows.append({
            "month": month.value, "recorded": stock is not None,
            **{key: None if stock is None else stock.get(key) for key in SERIES_STOCKS},
            **{key: None if stock is None else stock.get("categories_by_key", {}).get(key)
               for key in SERIES_CATEGORIES},
            "orders": None if services is None else services["orders"],
            "hours": None if services is None else services["hours"],
            "alarms": None if alarms is None else alarms["alarms_period"],
            "ack_within_60s_share": None if alarms is None else alarms["ack_within_60s_share"],
        })
    progress(done=len(months), total=len(months))
    return rows

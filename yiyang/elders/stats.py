"""Pre-aggregated counts of active elders (ElderCount), kept exact on every write.

Keys per village: "total", "sex:M", "econ:dibao", "living:alone", "flag:gugua",
"level:2" / "level:none", "sby:F:1946" (sex and birth year, for ages and the dashboard's
age pyramid). key_totals() adds "by:1946" (birth year), the sum of the two sexes' keys:
stored, they were a third of all counts to keep. Age thresholds are made exact by adding
the direct count of the one birth year that straddles the boundary.

Every change of the counts bumps counts_version() after commit, so caches of figures
derived from them (the dashboard) are keyed on it and never serve stale counts. Code that
writes ElderCount rows itself (a bulk path) must call
transaction.on_commit(bump_counts_version) as apply_changes does.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Substr

from yiyang.core.models import prefix_upper_bound
from yiyang.elders.categories import birth_date_bound
from yiyang.elders.choices import (
    AGE_BAND_BOUNDS,
    CapabilityLevel,
    Category,
    ElderStatus,
)
from yiyang.elders.models import Elder, ElderCount

FLAGS = {
    "gugua": "is_gugua",
    "sanlao": "is_sanlao",
    "youfu": "is_youfu",
    "jisheng": "is_jisheng_special",
    "left_behind": "is_left_behind",
}
_CATEGORY_KEYS = {
    Category.DIBAO: ["econ:dibao"],
    Category.DIBIAN: ["econ:dibian"],
    Category.TEKUN: ["econ:tekun"],
    Category.SANLAO: ["flag:sanlao"],
    Category.YOUFU: ["flag:youfu"],
    Category.JISHENG: ["flag:jisheng"],
    Category.ALONE: ["living:alone"],
    Category.EMPTY_NEST: ["living:empty_nest"],
    Category.GUGUA: ["flag:gugua"],
    Category.LEFT_BEHIND: ["flag:left_behind"],
    Category.DISABLED: [f"level:{n}" for n in (2, 3, 4)],
}


def keys_of(elder: Elder) -> list[str]:
    if elder.status != ElderStatus.ACTIVE:
        return []
    level = "none" if elder.capability_level is None else elder.capability_level
    keys = [
        "total",
        f"sex:{elder.sex}",
        f"econ:{elder.economic_status}",
        f"living:{elder.living_arrangement}",
        f"level:{level}",
        f"sby:{elder.sex}:{elder.birth_date.year}",
    ]
    keys += [f"flag:{key}" for key, field in FLAGS.items() if getattr(elder, field)]
    return keys


def snapshot(elder: Elder | None) -> tuple[str, list[str]] | None:
    return None if elder is None else (elder.region_id, keys_of(elder))


def apply_change(before, after) -> None:
    """Move the counts from an elder's old state to the new one (call in the write's
    transaction; before/after are snapshot() values)."""
    apply_changes([(before, after)])


def apply_changes(pairs) -> None:
    """apply_change for many elders at once (bulk imports): the changes are summed
    first, so each (village, key) is written once however many elders moved."""
    delta: Counter = Counter()
    for before, after in pairs:
        if before:
            delta.update({(before[0], key): -1 for key in before[1]})
        if after:
            delta.update({(after[0], key): 1 for key in after[1]})
    apply_delta(delta)


def apply_delta(delta: Counter) -> None:
    """Add {(village, key): change} to the counts (summed by the caller)."""
    changed = {pair: n for pair, n in delta.items() if n}
    if len(changed) < BULK_COUNTS:
        for (region_id, key), change in changed.items():
            _bump(region_id, key, change)
    else:
        _bump_many(changed)
    if changed:
        transaction.on_commit(bump_counts_version)


# A county-wide import changes ~10,000 (village, key) counts: one statement each took
# longer than writing the elders, so from this many on they are written in bulk.
BULK_COUNTS = 200


def _bump(region_id: str, key: str, change: int) -> None:
    updated = ElderCount.objects.filter(region_id=region_id, key=key).update(
        count=F("count") + change
    )
    if not updated:
        ElderCount.objects.create(region_id=region_id, key=key, count=change)


def _bump_many(changed: dict) -> None:
    """One upsert for all the counts: a statement per count took seconds at a
    county-wide import (50,000 counts); in (village, key) order, the unique index
    and the region cover take them in runs."""
    table = ElderCount._meta.db_table
    rows = sorted((r, k, n) for (r, k), n in changed.items())
    upsert = (f"ON CONFLICT (region_id, key) DO UPDATE SET count = {table}.count + EXCLUDED.count")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            regions, keys, counts = zip(*rows, strict=True)
            cursor.execute(f"INSERT INTO {table} (region_id, key, count) "
                           "SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::integer[]) "
                           + upsert, [list(regions), list(keys), list(counts)])
        else:
            cursor.executemany(f"INSERT INTO {table} (region_id, key, count) VALUES (%s, %s, %s) "
                               + upsert, rows)


@transaction.atomic
def rebuild() -> None:
    """Recount everything from the registry (after bulk loads): one pass grouped by
    every counted column and one by birth year, not one pass per key (at a million
    elders, 10 s instead of 75 s on SQLite)."""
    ElderCount.objects.all().delete()
    active = Elder.objects.active().order_by()
    rows: Counter = Counter()
    columns = ["region_id", "sex", "economic_status", "living_arrangement", "capability_level",
               *FLAGS.values()]
    for region, sex, econ, living, level, *flags, n in (
        active.values_list(*columns).annotate(n=Count("id"))
    ):
        rows[(region, "total")] += n
        rows[(region, f"sex:{sex}")] += n
        rows[(region, f"econ:{econ}")] += n
        rows[(region, f"living:{living}")] += n
        rows[(region, f"level:{'none' if level is None else level}")] += n
        for key, flagged in zip(FLAGS, flags, strict=True):
            if flagged:
                rows[(region, f"flag:{key}")] += n
    for region, sex, year, n in active.values_list(
        "region_id", "sex", "birth_date__year"
    ).annotate(n=Count("id")):
        rows[(region, f"sby:{sex}:{year}")] += n
    ElderCount.objects.bulk_create(
        [ElderCount(region_id=r, key=k, count=n) for (r, k), n in rows.items()], batch_size=5000
    )
    transaction.on_commit(bump_counts_version)


# --- the version of the counts, for caches of figures derived from them ----------------
_VERSION_KEY = "yiyang:elders:counts-version"


def counts_version() -> int:
    """A number that changes whenever any count changes (after the write commits)."""
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(_VERSION_KEY)
    return version


def bump_counts_version() -> None:
    # A fresh value from the clock, not incr(): a read-modify-write (the file cache's
    # incr) could let two concurrent writes leave the version where one of them put it.
    cache.set(_VERSION_KEY, time.time_ns(), timeout=None)


def _in_prefix(qs, prefix: str):
    if len(prefix) == 12:
        return qs.filter(region_id=prefix)
    return qs.filter(region_id__gte=prefix, region_id__lt=prefix_upper_bound(prefix))


def key_totals(prefix: str) -> dict[str, int]:
    rows = _in_prefix(ElderCount.objects.all(), prefix).values("key").annotate(n=Sum("count"))
    totals = {row["key"]: row["n"] for row in rows.order_by()}
    for key, n in list(totals.items()):
        if key.startswith("sby:"):
            year_key = f"by:{key[6:]}"
            totals[year_key] = totals.get(year_key, 0) + n
    return totals


def _aged_at_least(totals: dict, prefix: str, age: int, today: dt.date) -> int:
    bound = birth_date_bound(age, today)
    year = bound.year
    whole_years = sum(
        n for key, n in totals.items() if key.startswith("by:") and int(key[3:]) < year
    )
    # The straddling year: count its shorter part directly (the year's total is in
    # the summary), so at most half a birth year of index entries is read.
    active = _active_under(prefix)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if bound - first <= last - bound:
        straddling = active.filter(birth_date__gte=first, birth_date__lte=bound).count()
    else:
        later = active.filter(birth_date__gt=bound, birth_date__lte=last).count()
        straddling = totals.get(f"by:{year}", 0) - later
    return whole_years + straddling


def summary(prefix: str, today: dt.date | None = None) -> dict:
    """Everything the category panel shows for a region prefix, exact."""
    today = today or dt.date.today()
    totals = key_totals(prefix)
    aged = {age: _aged_at_least(totals, prefix, age, today) for age in (70, 80, 90, 100)}
    aged[60] = _aged_at_least(totals, prefix, 60, today)
    categories = {c: sum(totals.get(k, 0) for k in keys) for c, keys in _CATEGORY_KEYS.items()}
    categories[Category.AGED_80] = aged[80]
    categories[Category.CENTENARIAN] = aged[100]
    bands = {}
    for band, (low, high) in AGE_BAND_BOUNDS.items():
        bands[band] = aged[low] - (aged[high] if high else 0)
    return {
        "total": totals.get("total", 0),
        "sex": {"M": totals.get("sex:M", 0), "F": totals.get("sex:F", 0)},
        "categories": {str(c): n for c, n in categories.items()},
        "levels": {str(lv.value): totals.get(f"level:{lv.value}", 0) for lv in CapabilityLevel}
        | {"none": totals.get("level:none", 0)},
        "age_bands": {str(b): n for b, n in bands.items()},
        "under_60": totals.get("total", 0) - aged[60],
    }


def category_counts(totals: dict, aged_80: int, aged_100: int) -> dict[str, int]:
    """{category: n} from a region's key totals and its exact 80+ and 100+ counts."""
    counts = {str(c): sum(totals.get(k, 0) for k in keys) for c, keys in _CATEGORY_KEYS.items()}
    counts[str(Category.AGED_80)] = aged_80
    counts[str(Category.CENTENARIAN)] = aged_100
    return counts


def child_totals(region, children) -> dict[str, int]:
    """Active elders under each child region of `region`, from one read of its villages."""
    per_village = village_totals(region.prefix)
    return {child.code: sum(n for v, n in per_village.items() if v.startswith(child.prefix))
            for child in children}


def village_totals(prefix: str) -> dict[str, int]:
    rows = _in_prefix(ElderCount.objects.filter(key="total"), prefix)
    return dict(rows.values_list("region_id", "count"))




# --- per child region, for the dashboard ---------------------------------------------------
def totals_by_child(prefix: str, child_length: int) -> dict[str, dict[str, int]]:
    """{child prefix: {key: n}}: every key summed per child region (the first
    child_length digits of the village code), in one grouped read of the summary."""
    child = Substr("region_id", 1, child_length)
    counts = _in_prefix(ElderCount.objects.all(), prefix)
    rows = (counts.annotate(child=child)
            .values_list("child", "key").annotate(n=Sum("count")).order_by())
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    for code, key, n in rows:
        totals[code][key] = n
    return dict(totals)


def aged_by_child_and_sex(prefix: str, child_length: int, totals: dict, ages, today: dt.date
                          ) -> dict[str, dict[tuple[int, str], int]]:
    """{child prefix: {(age, sex): active elders of that sex at least `age` years old
    today}}, exact. `totals` is totals_by_child(prefix, child_length). Whole birth years
    come from the "sby:" keys; the one birth year straddling each age boundary is
    counted directly, its shorter part only (one grouped query per age)."""
    years = {(code, sex): [(int(key[6:]), n) for key, n in keys.items()
                           if key.startswith(f"sby:{sex}:")]
             for code, keys in totals.items() for sex in ("M", "F")}
    result: dict[str, dict[tuple[int, str], int]] = {code: {} for code in totals}
    for age in ages:
        bound = birth_date_bound(age, today)
        straddling = _straddling_by_child_and_sex(prefix, child_length, totals, bound)
        for (code, sex), counts in years.items():
            whole = sum(n for year, n in counts if year < bound.year)
            result[code][(age, sex)] = whole + straddling.get((code, sex), 0)
    return result


def _active_under(prefix: str):
    """Active elders under a region prefix, for counts over a birth-date range: the
    prefix is a condition on the region column of the one birth-date index
    (status, birth_date, sex, region), so the count reads that index alone."""
    return _in_prefix(Elder.objects.active(), prefix).order_by()


def _straddling_by_child_and_sex(prefix, child_length, totals, bound: dt.date) -> dict:
    """{(child, sex): elders born in bound's year on or before bound}."""
    year = bound.year
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    active = _active_under(prefix)
    child = F("region_id") if child_length == 12 else Substr("region_id", 1, child_length)
    early = bound - first <= last - bound
    part = (active.filter(birth_date__gte=first, birth_date__lte=bound) if early
            else active.filter(birth_date__gt=bound, birth_date__lte=last))
    counted = {(code, sex): n for code, sex, n in
               # COUNT(*), not COUNT(id): PostgreSQL's index-only scan needs every column
               # the query names to be in the index, and id is not.
               part.annotate(child=child).values_list("child", "sex").annotate(n=Count("*"))}
    if early:
        return counted
    return {(code, sex): keys.get(f"sby:{sex}:{year}", 0) - counted.get((code, sex), 0)
            for code, keys in totals.items() for sex in ("M", "F")}

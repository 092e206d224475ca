"""`yiyang bench dashboard`: the dashboard's data at county scale, timed as the page
requests it (GET /api/v1/dashboard/figures with the logged-in session of a bureau
admin), for the county and for its largest town.

- cold: the first request after the Django cache was cleared (every section computed:
  the registry's from the pre-aggregated counts, services and alarms from their apps);
- warm: the same request again (served from the cache, as the wall display's refresh is).

Then the figures the page shows are checked against counts made directly on the
registry's table (GROUP BY over the elders, not the summary): "exact" is true only if
every one of them is equal. See docs/dashboard.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.utils import timezone

from bench.common import BenchError, summarize
from bench.registry import BENCH_USER, prepare
from yiyang.core.choices import RegionLevel
from yiyang.core.models import Region, User
from yiyang.demo.county import COUNTY_CODE
from yiyang.elders.categories import birth_date_bound
from yiyang.elders.models import Elder

GOALS_MS = {"cold": 500, "warm": 50}
AGES = (60, 70, 80, 90, 100)


def _client() -> Client:
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username=BENCH_USER),
                       backend="django.contrib.auth.backends.ModelBackend")
    return client


def figures_url(region_code: str, period: str) -> str:
    return f"/api/v1/dashboard/figures?region={region_code}&period={period}"


def _get(client: Client, url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}: {response.content[:200]!r}")
    return elapsed, response.json()


def measure(client: Client, url: str, repeats: int) -> tuple[dict, dict, dict]:
    """(cold and warm medians in ms, their p95s, the last answer)."""
    cold, warm = [], []
    body = None
    for _ in range(repeats):
        cache.clear()
        elapsed, body = _get(client, url)
        cold.append(elapsed)
        for _ in range(3):
            elapsed, again = _get(client, url)
            warm.append(elapsed)
            if again != body:
                raise BenchError("a cached answer differs from the computed one")
    (cold_median, cold_p95), (warm_median, warm_p95) = summarize(cold), summarize(warm)
    return ({"cold": cold_median, "warm": warm_median},
            {"cold_p95": cold_p95, "warm_p95": warm_p95, "samples": len(cold)}, body)


# --- the oracle: GROUP BY on the registry's own table ----------------------------------------
def direct_counts(region: Region, day: dt.date) -> dict:
    """What the dashboard must show, counted on the elders table itself."""
    active = Elder.objects.in_prefix(region.prefix).filter(status="active").order_by()
    bounds = {age: birth_date_bound(age, day) for age in AGES}
    aggregates = {f"aged_{age}_{sex}": Count("id", filter=Q(birth_date__lte=bound, sex=sex))
                  for age, bound in bounds.items() for sex in ("M", "F")}
    aggregates.update(
        total=Count("id"),
        dibao=Count("id", filter=Q(economic_status="dibao")),
        tekun=Count("id", filter=Q(economic_status="tekun")),
        alone=Count("id", filter=Q(living_arrangement="alone")),
        empty_nest=Count("id", filter=Q(living_arrangement="empty_nest")),
        gugua=Count("id", filter=Q(is_gugua=True)),
        disabled=Count("id", filter=Q(capability_level__gte=2)),
        none=Count("id", filter=Q(capability_level__isnull=True)),
        **{f"level_{n}": Count("id", filter=Q(capability_level=n)) for n in range(5)},
    )
    row = active.aggregate(**aggregates)
    children_column = "town_code" if region.level == RegionLevel.COUNTY else "region_id"
    per_child = {
        code: (total, aged)
        for code, total, aged in active.values_list(children_column).annotate(
            total=Count("id"), aged=Count("id", filter=Q(birth_date__lte=bounds[60])))
    }
    return {"row": row, "children": per_child}


def compare(body: dict, direct: dict) -> list[str]:
    """The differences between what the page got and the direct counts (empty: exact)."""
    row, registry = direct["row"], body["registry"]
    shown_aged = {}
    for i, age in enumerate(AGES):
        for sex in ("M", "F"):
            # the pyramid's bands from the top: 100+, then 90-99 + 100+, ...
            shown_aged[f"aged_{age}_{sex}"] = sum(b[sex] for b in registry["pyramid"][i:])
    expected = {
        **{k: row[k] for k in shown_aged},
        "total": row["total"], "aged_60": row["aged_60_M"] + row["aged_60_F"],
        "aged_80": row["aged_80_M"] + row["aged_80_F"],
        "aged_100": row["aged_100_M"] + row["aged_100_F"],
        **{k: row[k] for k in ("dibao", "tekun", "alone", "empty_nest", "gugua", "disabled")},
        **{f"level_{n}": row[f"level_{n}"] for n in range(5)}, "none": row["none"],
    }
    by_key = registry["categories_by_key"]
    levels = {lv["key"]: lv["n"] for lv in registry["levels"]}
    got = {
        **shown_aged, "total": registry["total"], "aged_60": registry["aged_60"],
        "aged_80": registry["aged_80"], "aged_100": registry["aged_100"],
        **{k: by_key[k] for k in ("dibao", "tekun", "alone", "empty_nest", "gugua", "disabled")},
        **{f"level_{n}": levels[str(n)] for n in range(5)}, "none": levels["none"],
    }
    problems = [f"{key}: shown {got[key]}, counted {value}"
                for key, value in expected.items() if got[key] != value]
    length = len(next(iter(direct["children"]), ""))
    for child in body["children"]:
        total, aged = direct["children"].get(child["code"][:length], (0, 0))
        if (child["total"], child["aged_60"]) != (total, aged):
            problems.append(f"{child['code']}: shown {child['total']}/{child['aged_60']}, "
                            f"counted {total}/{aged}")
    return problems


def _largest_town() -> Region:
    code = (Elder.objects.filter(county_code=COUNTY_CODE).order_by().values("town_code")
            .annotate(n=Count("id")).order_by("-n").first()["town_code"])
    return Region.objects.get(code=code + "000")


HELP = "the dashboard's data for the county and a town, cold and warm, checked exact"


def add_arguments(parser) -> None:
    parser.add_argument("--elders", type=int, default=1_000_000,
                        help="size of the synthetic county (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=7,
                        help="cold requests per region (each followed by 3 warm ones)")
    parser.add_argument("--period", default=None,
                        help="the period asked for (YYYY-MM or YYYY; default the current month). "
                             "A past month counts ages on its last day: 2026-06 is near the "
                             "worst case (half a birth year straddles each age boundary)")
    parser.add_argument("--rebuild", action="store_true",
                        help="build the bench database anew even if it has the right size")


def size(options: dict) -> int:
    if options["elders"] < 1000 or options["repeats"] < 1:
        raise BenchError("--elders must be at least 1000 and --repeats at least 1")
    return options["elders"]


def run(options: dict, log: Callable[[str], None] = print) -> dict:
    elders = options["elders"]
    prepare(elders, rebuild=options["rebuild"], log=log)
    client = _client()
    period = options["period"] or f"{timezone.localdate():%Y-%m}"
    county = Region.objects.get(code=COUNTY_CODE + "000000")
    town = _largest_town()
    log(f"Measuring GET {figures_url('<region>', period)} on {connection.vendor} "
        f"(cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}), "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    results, exact = {}, True
    for name, region in (("county", county), ("town", town)):
        url = figures_url(region.code, period)
        _get(client, url)  # first touch: the database's pages and Python's imports
        medians, extra, body = measure(client, url, options["repeats"])
        started = time.perf_counter()
        direct = direct_counts(region, dt.date.fromisoformat(body["as_of"]))
        direct_ms = (time.perf_counter() - started) * 1000
        problems = compare(body, direct)
        exact = exact and not problems
        results[f"{name}_ms"] = medians
        verdict = "ok" if medians["cold"] < GOALS_MS["cold"] and medians["warm"] < GOALS_MS["warm"] \
            else "OVER the goal"
        log(f"  {name:<6} {region.name}: cold median {medians['cold']:.1f} ms "
            f"(p95 {extra['cold_p95']:.1f}), warm median {medians['warm']:.2f} ms "
            f"(p95 {extra['warm_p95']:.2f}), {extra['samples']} cold samples; {verdict}; "
            f"direct GROUP BY for the check {direct_ms:.0f} ms; "
            f"{'exact' if not problems else 'NOT EXACT'}")
        for problem in problems[:20]:
            log(f"    {problem}")
    result = {"bench": "dashboard", "backend": connection.vendor, "elders": elders,
              **results, "exact": exact}
    log(json.dumps(result, ensure_ascii=False))
    return result

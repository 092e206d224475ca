"""`yiyang bench registry`: the registry's read paths at county scale, measured
through the real views and URL routes as a logged-in bureau admin.

Four measurements, each a series of distinct requests (docs/benchmarks.md):

- town_list        /elders/?region=<9-digit town prefix>   the town's first page + count
- name_search      /elders/?q=<full name>                  bigram index search, county-wide
- id_search        /elders/?q=<18-digit ID number>         keyed-hash equality
- category_counts  /elders/stats/                          the county's category panel

and, printed but not in the JSON, partial_name_search (/elders/?q=秀英 or 王秀: two
characters of a name, each matching thousands of elders).

This module runs inside the process whose settings already point at the bench
database (the command re-runs itself to get there; see bench.common).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.common import BenchError, ensure_postgres_database, summarize
from yiyang.core.choices import RegionLevel, Role
from yiyang.core.crypto import unseal
from yiyang.core.models import Region, User
from yiyang.demo.county import COUNTY_CODE
from yiyang.demo.loader import analyze
from yiyang.demo.loader import build as build_county
from yiyang.elders.choices import ElderStatus
from yiyang.elders.models import Elder

BENCH_USER = "bench-admin"
SEED = 2026
WARMUP = 5
KINDS = ("town_list", "name_search", "id_search", "category_counts")
# Measured and printed, not in the JSON: two characters of a name (秀英, 王秀) match
# thousands of elders, to be sorted by pinyin for the first page.
EXTRA_KINDS = ("partial_name_search",)
GOALS_MS = {"town_list": 100, "name_search": 100, "id_search": 50, "category_counts": 100}


@dataclass
class Probe:
    """One request and a string its response must contain (None: status only)."""

    url: str
    expect: str | None = None


# --- the database --------------------------------------------------------------------
def _migrate() -> int:
    """Apply pending migrations (e.g. new indexes) to the bench database; returns how
    many there were."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)
    return len(pending)


def _state(elders: int) -> str:
    if not Region.objects.exists():
        return "empty"
    if not User.objects.filter(username=BENCH_USER).exists():
        return "foreign"
    return "ready" if Elder.objects.count() == elders else "stale"


def _wipe() -> None:
    """Start from an empty database: delete the SQLite file, or drop and create the
    PostgreSQL database (TRUNCATE is refused by the audit log's trigger)."""
    name = connection.settings_dict["NAME"]
    vendor = connection.vendor
    connection.close()
    if vendor == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    else:
        ensure_postgres_database(settings.DATABASE_URL, recreate=True)


def prepare(elders: int, *, rebuild: bool, log: Callable[[str], None]) -> bool:
    """Make sure the bench database holds the synthetic county at this size and a
    bench admin; returns True when it was (re)built."""
    migrated = _migrate()
    state = _state(elders)
    if state == "ready" and not rebuild:
        log(f"Reusing the bench database ({elders:,} elders).")
        if migrated:
            log(f"Applied {migrated} new migration(s); refreshing the planner's statistics.")
            analyze()
        return False
    if state == "foreign" and connection.vendor != "sqlite" and not rebuild:
        raise BenchError(
            "This database holds data that the benchmark did not create; give a dedicated "
            "database (e.g. postgresql://…/yiyang_bench) or --rebuild to drop it.")
    if state != "empty":
        log(f"Rebuilding the bench database (it was {state}).")
        _wipe()
        _migrate()
    build(elders, log=log)
    return True


def build(elders: int, *, log: Callable[[str], None]) -> None:
    log(f"Building a county of {elders:,} elders on {connection.vendor}…")
    started = time.monotonic()
    build_county(elders, seed=SEED, accounts=False, log=log)
    admin = User(
        username=BENCH_USER, role=Role.BUREAU_ADMIN, full_name="基准测试",
        scope_region=Region.objects.get(code=COUNTY_CODE + "000000"), is_staff=True,
    )
    admin.set_unusable_password()  # the benchmark logs in with force_login()
    admin.save()
    log(f"Built in {time.monotonic() - started:.0f} s.")


# --- what to ask -----------------------------------------------------------------------
def probes(requests: int, rng: random.Random) -> dict[str, list[Probe]]:
    """Distinct inputs for every measurement (plus WARMUP more of each)."""
    n = requests + WARMUP
    towns = list(Region.objects.filter(level=RegionLevel.TOWN).values_list("code", "name"))
    rng.shuffle(towns)
    town_probes = [Probe(f"/elders/?region={code[:9]}", name)
                   for code, name in (towns[i % len(towns)] for i in range(n))]

    elders = _sample_active(3 * n, rng)
    names = list(dict.fromkeys(e.name for e in elders))[:n]
    # Two characters of a name: the given name (秀英) or the surname and the first
    # character of the given name (王秀), alternately; each matches ~0.5-1 % of elders.
    partial = list(dict.fromkeys(e.name[-2:] if i % 2 else e.name[:2]
                                 for i, e in enumerate(elders)))
    if len(names) < n:
        raise BenchError("too few elders to sample names from")
    try:
        id_probes = [Probe(f"/elders/?q={unseal(e.id_number_enc)}", e.id_number_masked)
                     for e in elders[:n]]
    except Exception as exc:  # noqa: BLE001 - a wrong key shows as any decryption error
        raise BenchError(
            "cannot decrypt the bench database's ID numbers: it was built with another "
            "YIYANG_DATA_KEY; run again with --rebuild") from exc
    return {
        "town_list": town_probes,
        "name_search": [Probe(f"/elders/?q={quote(name)}", name) for name in names],
        "id_search": id_probes,
        "category_counts": [Probe("/elders/stats/")] * n,
        "partial_name_search": [Probe(f"/elders/?q={quote(term)}", term)
                                for term in (partial[i % len(partial)] for i in range(n))],
    }


def _sample_active(k: int, rng: random.Random) -> list[Elder]:
    bounds = Elder.objects.order_by("id").values_list("id", flat=True)
    low, high = bounds.first(), bounds.last()
    picks = rng.sample(range(low, high + 1), min(3 * k, high - low + 1))
    found = {
        e.pk: e for e in Elder.objects.filter(pk__in=picks, status=ElderStatus.ACTIVE)
        .only("id", "name", "id_number_enc", "id_number_masked")
    }
    chosen = [found[pk] for pk in picks if pk in found][:k]
    if len(chosen) < k:
        raise BenchError("too few active elders to sample from")
    return chosen


# --- measuring ------------------------------------------------------------------------------
def _get(client: Client, probe: Probe) -> tuple[float, float]:
    """(wall ms, this process's CPU ms) for one request, checked."""
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(probe.url)
    wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    if response.status_code != 200:
        raise BenchError(f"GET {probe.url} answered {response.status_code}")
    if probe.expect and probe.expect not in response.content.decode():
        raise BenchError(f"GET {probe.url}: the page does not show {probe.expect!r}")
    return wall, cpu


def _captured(client: Client, probe: Probe) -> list[dict]:
    with CaptureQueriesContext(connection) as captured:
        _get(client, probe)
    return captured.captured_queries


def _client() -> Client:
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username=BENCH_USER),
                       backend="django.contrib.auth.backends.ModelBackend")
    return client


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def measure(requests: int, *, log: Callable[[str], None], explain: bool = False) -> dict:
    client = _client()
    plan = probes(requests, random.Random(SEED))
    medians, p95s = {}, {}
    log(f"  load average before: {_load()} on {os.cpu_count()} CPUs")
    for kind in (*KINDS, *EXTRA_KINDS):
        warm, timed = plan[kind][:WARMUP], plan[kind][WARMUP:]
        for probe in warm:
            _get(client, probe)
        queries = _captured(client, warm[0])
        if explain:
            _explain(kind, warm[0], queries, log)
        samples = [_get(client, probe) for probe in timed]
        median, p95 = summarize([wall for wall, _cpu in samples])
        cpu_median, _ = summarize([cpu for _wall, cpu in samples])
        if kind in GOALS_MS:
            medians[kind], p95s[kind] = median, p95
            verdict = "ok" if p95 < GOALS_MS[kind] else f"OVER the {GOALS_MS[kind]} ms goal"
        else:
            verdict = "(informative, no goal)"
        log(f"  {kind:<19} median {median:7.2f} ms   p95 {p95:7.2f} ms   "
            f"cpu median {cpu_median:6.2f} ms   ({len(samples)} requests, "
            f"{len({p.url for p in timed})} distinct, {len(queries)} queries each) {verdict}")
    log(f"  load average after: {_load()}")
    return {"median_ms": medians, "p95_ms": p95s}


def _explain(kind: str, probe: Probe, queries: list[dict], log: Callable[[str], None]) -> None:
    """Print the plan of each query of one request on the registry's tables."""
    log(f"--- {kind}: GET {probe.url}")
    for query in queries:
        sql = query["sql"]
        if not sql.startswith("SELECT") or "elders_" not in sql:
            continue
        log(f"  [{query['time']} s] {sql[:300]}{'…' if len(sql) > 300 else ''}")
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                lines = [row[-1] for row in cursor.fetchall()]
            else:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                lines = [row[0] for row in cursor.fetchall()]
        for line in lines:
            log(f"      {line}")


HELP = "town list, name search, ID search and county category counts"


def add_arguments(parser) -> None:
    parser.add_argument("--elders", type=int, default=1_000_000,
                        help="size of the synthetic county (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=40,
                        help="timed requests per page (default 40, after 5 warm-up ones)")
    parser.add_argument("--rebuild", action="store_true",
                        help="build the bench database anew even if it has the right size")
    parser.add_argument("--explain", action="store_true",
                        help="also print the query plan of each page's registry queries")


def size(options: dict) -> int:
    if options["elders"] < 1000 or options["requests"] < 1:
        raise BenchError("--elders must be at least 1000 and --requests at least 1")
    return options["elders"]


def run(options: dict, log=print) -> dict:
    return measure_registry(options["elders"], requests=options["requests"],
                            rebuild=options["rebuild"], explain=options["explain"], log=log)


def measure_registry(elders: int, *, requests: int = 40, rebuild: bool = False,
                     explain: bool = False, log=print) -> dict:
    prepare(elders, rebuild=rebuild, log=log)
    log(f"Measuring {requests} requests per page as {BENCH_USER} on {connection.vendor} "
        f"({connection.settings_dict['NAME']}, CONN_MAX_AGE "
        f"{connection.settings_dict['CONN_MAX_AGE']}), {time.strftime('%Y-%m-%d %H:%M')}")
    figures = measure(requests, log=log, explain=explain)
    result = {"bench": "registry", "backend": connection.vendor, "elders": elders, **figures}
    log(json.dumps(result, ensure_ascii=False))
    return result

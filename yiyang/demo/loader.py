"""Bulk-load the synthetic county: COPY on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

import itertools
import multiprocessing
import queue
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max

from yiyang.core.choices import OrganisationKind, Role
from yiyang.core.models import Organisation, Region, User
from yiyang.elders import stats
from yiyang.elders.choices import GrantKind
from yiyang.elders.models import Elder, ElderGrant

from .county import CONTACT_COLUMNS, COUNTY_CODE, ELDER_COLUMNS, CountyGenerator

DEMO_PASSWORD = "Yiyang-demo-2026"
BATCH = 5000
PROVIDERS = ["康乐居家养老服务中心", "福寿养老服务有限公司", "夕阳红助老服务社", "仁和护理服务中心",
             "邻里守望社工服务站", "长青医养结合服务中心"]


def write_rows(table: str, columns: tuple[str, ...], rows) -> int:
    """Insert an iterable of tuples in batches; returns the row count."""
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        iterator = iter(rows)
        while batch := list(itertools.islice(iterator, BATCH)):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def load_regions(generator: CountyGenerator) -> None:
    rows = generator.build_regions()
    Region.objects.bulk_create(
        [Region(code=r.code, name=r.name, level=r.level, parent_id=r.parent) for r in rows],
        batch_size=1000,
    )


def load_elders(generator: CountyGenerator, progress=None, log=None) -> int:
    first_id = (Elder.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    count = 0
    with _without_secondary_indexes(["elders_elder", "elders_emergencycontact"], log):
        for elders, contacts in _generated(generator, first_id):
            count += write_rows("elders_elder", ELDER_COLUMNS, elders)
            write_rows("elders_emergencycontact", CONTACT_COLUMNS, contacts)
            if progress and count // 50_000 > (count - len(elders)) // 50_000:
                progress(count // 50_000 * 50_000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('elders_elder', 'id'), "
                           "(SELECT MAX(id) FROM elders_elder))")
    return count


# Large loads generate rows in a forked process while this one writes them: on two
# cores that hides the writing behind the generating (sealing personal data is most
# of the cost). Smaller loads, and platforms without fork, generate in-process.
PARALLEL_FROM = 50_000


def _batches(generator: CountyGenerator, first_id: int) -> Iterator[tuple[list, list]]:
    elders: list[tuple] = []
    contacts: list[tuple] = []
    for row, contact_rows in generator.elder_rows(first_id):
        elders.append(row)
        contacts.extend(contact_rows)
        if len(elders) == BATCH:
            yield elders, contacts
            elders, contacts = [], []
    if elders:
        yield elders, contacts


def _generated(generator: CountyGenerator, first_id: int) -> Iterator[tuple[list, list]]:
    if generator.elders < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        yield from _batches(generator, first_id)
        return
    context = multiprocessing.get_context("fork")
    batches = context.Queue(maxsize=8)

    def produce():  # in the child: never touches the database connection
        try:
            for batch in _batches(generator, first_id):
                batches.put(batch)
            batches.put(None)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            batches.put(f"{type(exc).__name__}: {exc}")

    child = context.Process(target=produce, name="yiyang-demo-generator", daemon=True)
    child.start()
    try:
        while True:
            try:
                item = batches.get(timeout=5)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError("the row generator process died") from None
                continue
            if item is None:
                break
            if isinstance(item, str):
                raise RuntimeError(f"generating rows failed: {item}")
            yield item
        child.join()
    finally:
        if child.is_alive():
            child.terminate()
            child.join()


@contextmanager
def _without_secondary_indexes(tables: list[str], log=None):
    """Into empty tables, load without secondary indexes (and without SQLite's
    name-search trigger), then build them once: 3-4 times faster than maintaining
    them row by row. Indexes backing constraints (primary key, unique) stay.
    _secondary_indexes gives (quoted name, CREATE statement) pairs."""
    with connection.cursor() as cursor:
        empty = all(_is_empty(cursor, table) for table in tables)
    if not empty:
        yield
        return
    saved: list[str] = []
    with connection.cursor() as cursor:
        for table in tables:
            for name, sql in _secondary_indexes(cursor, table):
                saved.append(sql)
                cursor.execute(f"DROP INDEX {name}")
        fts_trigger = _sqlite_fts_insert_trigger(cursor)
        if fts_trigger:
            cursor.execute("DROP TRIGGER elders_name_fts_ai")
    yield
    started = time.monotonic()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Run the deferred foreign-key checks now: PostgreSQL refuses CREATE INDEX
            # on a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # sorts in memory
        for sql in saved:
            cursor.execute(sql)
        if fts_trigger:
            cursor.execute("INSERT INTO elders_name_fts(elders_name_fts) VALUES ('rebuild')")
            cursor.execute(fts_trigger)
    if log:
        log(f"  indexes built in {time.monotonic() - started:.0f} s")


def _is_empty(cursor, table: str) -> bool:
    cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
    return cursor.fetchone() is None


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    if connection.vendor == "sqlite":
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                       "AND sql IS NOT NULL", [table])
        return [(f'"{name}"', sql) for name, sql in cursor.fetchall()]
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [table])
        return list(cursor.fetchall())
    return []


def _sqlite_fts_insert_trigger(cursor) -> str | None:
    if connection.vendor != "sqlite":
        return None
    cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                   "AND name = 'elders_name_fts_ai'")
    row = cursor.fetchone()
    return row[0] if row else None


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load (and, on PostgreSQL, the
    visibility map that index-only scans need)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql" and not connection.in_atomic_block:
            for table in ("elders_elder", "elders_emergencycontact", "elders_eldercount",
                          "core_region"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def set_populations() -> None:
    """Resident population per village from its elders and an ageing rate near 24 %."""
    totals = stats.village_totals(COUNTY_CODE)
    villages = list(Region.objects.filter(level=5))
    for i, village in enumerate(villages):
        rate = 0.21 + (i * 37 % 70) / 1000  # 21-28 %, deterministic
        village.population = round(totals.get(village.code, 0) / rate)
    Region.objects.bulk_update(villages, ["population"], batch_size=1000)
    for level in (4, 3):
        for region in Region.objects.filter(level=level):
            region.population = sum(
                r.population or 0 for r in Region.objects.within(region.prefix).filter(level=5))
            region.save(update_fields=["population"])


def create_accounts() -> list[tuple[str, str, str]]:
    """One demo account per role; returns (username, role, scope) rows."""
    county = Region.objects.get(code=COUNTY_CODE + "000000")
    town = Region.objects.filter(level=4).order_by("code")[2]
    village = Region.objects.within(town.prefix).filter(level=5).order_by("code").first()
    orgs = [Organisation.objects.create(name=name, kind=OrganisationKind.PROVIDER, region=county)
            for name in PROVIDERS]
    Organisation.objects.create(name="颐阳县民政局", kind=OrganisationKind.BUREAU, region=county)
    Organisation.objects.create(name="颐阳县养老服务呼叫中心", kind=OrganisationKind.CALL_CENTRE,
                                region=county)
    specs = [
        ("admin", Role.BUREAU_ADMIN, county, None, "赵民政"),
        ("town", Role.TOWN_WORKER, town, None, "钱专干"),
        ("village", Role.VILLAGE_WORKER, village, None, "孙专干"),
        ("provider", Role.PROVIDER_ADMIN, county, orgs[0], "李主任"),
        ("caregiver", Role.CAREGIVER, county, orgs[0], "周护理"),
        ("operator", Role.OPERATOR, county, None, "吴坐席"),
        ("family", Role.FAMILY, county, None, "郑家属"),
        ("volunteer", Role.VOLUNTEER, county, None, "王志愿"),
    ]
    specs += _town_worker_specs(exclude=town)
    hashed = make_password(DEMO_PASSWORD)  # one hash for all: Argon2 takes a quarter second
    accounts = []
    for number, (username, role, scope, org, full_name) in enumerate(specs, start=1):
        user = User(username=username, role=role, scope_region=scope, organisation=org,
                    full_name=full_name, is_staff=role == Role.BUREAU_ADMIN, password=hashed)
        user.set_phone(f"1390000{number:04d}")  # escalation reaches the demo workers by phone
        user.save()
        accounts.append((username, str(Role(role).label), scope.name))
    _grant_demo_access(orgs, village)
    return accounts


def _town_worker_specs(*, exclude: Region) -> list[tuple]:
    """A worker in every other town too (town01, town02, …, by town code), so that an
    alarm anywhere in the demo county reaches a community worker (escalation falls back
    from the village's workers to the town's)."""
    towns = Region.objects.filter(level=4).order_by("code")
    return [(f"town{n:02d}", Role.TOWN_WORKER, town, None, f"{town.name}专干")
            for n, town in enumerate(towns, start=1) if town.pk != exclude.pk]


def _grant_demo_access(orgs, village) -> None:
    """Providers serve the special-needs elders (特困/低保, moderately disabled or worse);
    the demo caregiver, family member and volunteer get a few elders each."""
    needy = Elder.objects.active().filter(
        economic_status__in=["tekun", "dibao"], capability_level__gte=2
    ).values_list("id", flat=True).order_by("id")
    grants = [ElderGrant(elder_id=pk, kind=GrantKind.PROVIDER, organisation=orgs[i % len(orgs)])
              for i, pk in enumerate(needy)]
    served = [g.elder_id for g in grants if g.organisation == orgs[0]][:8]
    caregiver, family, volunteer = (User.objects.get(username=u)
                                    for u in ("caregiver", "family", "volunteer"))
    grants += [ElderGrant(elder_id=pk, kind=GrantKind.CAREGIVER, user=caregiver) for pk in served]
    local = list(Elder.objects.active().filter(region_id=village.code).values_list("id", flat=True)
                 .order_by("id")[:3])
    if local:
        grants.append(ElderGrant(elder_id=local[0], kind=GrantKind.FAMILY, user=family))
        grants += [ElderGrant(elder_id=pk, kind=GrantKind.VOLUNTEER, user=volunteer)
                   for pk in local[1:]]
    ElderGrant.objects.bulk_create(grants, batch_size=2000)


def build(elders: int, *, seed: int = 2026, accounts: bool = True, log=print) -> list:
    started = time.monotonic()
    generator = CountyGenerator(elders, seed=seed)
    with transaction.atomic():
        load_regions(generator)
        count = load_elders(generator, progress=lambda n: log(f"  {n:,} elders generated"),
                            log=log)
        log(f"  {count:,} elders written in {time.monotonic() - started:.0f} s")
        step = time.monotonic()
        stats.rebuild()
        set_populations()
        rows = create_accounts() if accounts else []
        log(f"  counts and accounts in {time.monotonic() - step:.0f} s")
    step = time.monotonic()
    analyze()
    log(f"  statistics refreshed in {time.monotonic() - step:.0f} s")
    log(f"  county built in {time.monotonic() - started:.0f} s")
    return rows

"""`yiyang bench services`: a year of home-care visits for a county, then the month's
checks and settlement over all providers, and two pages' response times.

The bench database holds 4,000 entitled elders (a synthetic county of that many),
20 providers, 600 caregivers and about 1.5 million visits over the 358 days up to
today and a week ahead (bulk-loaded: COPY on PostgreSQL, executemany on SQLite),
with a few per cent of far check-ins, short visits, overlaps, expired certificates
and missing confirmations, so the checks have something to find.

Measured (docs/services.md):
- checks_s        run_checks() over the last full month, all providers (the visits hold
                  the flags their check-out recorded, as in production: the monthly run
                  adds missing confirmations, the earlier of two overlapping visits, and
                  certificates that expired after the visit was checked out)
- settlement_s    generate_month() for that month: checks again, then every provider's
                  draft linked and summed (rolled back afterwards, so runs repeat)
- caregiver_today /services/today/ as distinct caregivers (their ~7 visits of today)
- order_list      /services/orders/ as the bureau admin (pages 1-3, some by status)
                  and as provider admins
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from bench.common import BenchError, summarize
from bench.registry import _load, _migrate, _wipe
from yiyang.core.choices import OrganisationKind, Role
from yiyang.core.models import Organisation, Region, User
from yiyang.demo.county import COUNTY_CODE
from yiyang.demo.loader import _without_secondary_indexes, analyze, write_rows
from yiyang.demo.loader import build as build_county
from yiyang.elders.models import Elder
from yiyang.services import checks, settlement, stats
from yiyang.services.choices import Category, Flag, SchemeBasis, Skill
from yiyang.services.demo import home_position, make_catalogue
from yiyang.services.models import (
    Caregiver,
    Certificate,
    ElderHome,
    Entitlement,
    Order,
    ProviderOffer,
    ProviderProfile,
    Scheme,
)
from yiyang.services.querysets import next_month

HELP = "a year of home-care visits: monthly checks and settlement, caregiver and order-list pages"
BENCH_USER = "bench-services"
SEED = 2026
DAYS_BACK, DAYS_AHEAD = 358, 7
SLOTS = [(8, 0), (9, 30), (11, 0), (13, 30), (15, 0), (16, 30), (18, 0), (19, 30)]
WARMUP = 5
GOAL_S, GOAL_MS = 10, 100
ORDER_COLUMNS = (
    "id", "created", "last_updated", "elder_id", "region_code", "town_code", "county_code", "provider_id",
    "caregiver_id", "entitlement_id", "status", "channel", "note", "service_date", "window_start",
    "window_end",
    "planned_minutes", "hours", "total_amount", "gov_hours", "gov_amount", "self_amount",
    "accepted_at", "assigned_at", "checkin_at", "checkin_lat", "checkin_lng", "checkin_distance_m",
    "checkout_at", "actual_minutes", "log_items", "log_notes", "code_hash", "code_attempts",
    "confirmed_at", "confirm_method", "signature", "cancel_reason", "flags", "review_status",
    "review_reason",
)
LINE_COLUMNS = ("order_id", "item_id", "quantity", "unit_price", "amount", "minutes")


# --- the database ----------------------------------------------------------------------
def _state(visits: int) -> str:
    if not Region.objects.exists():
        return "empty"
    if not User.objects.filter(username=BENCH_USER).exists():
        return "foreign"
    return "ready" if Order.objects.count() == visits else "stale"


def prepare(visits: int, elders: int, providers: int, caregivers: int, *, rebuild: bool, log) -> None:
    migrated = _migrate()
    state = _state(visits)
    if state == "ready" and not rebuild:
        log(f"Reusing the bench database ({visits:,} visits).")
        if migrated:
            analyze_services()
        return
    if state == "foreign" and connection.vendor != "sqlite" and not rebuild:
        raise BenchError("This database holds data the benchmark did not create; give a dedicated "
                         "database or --rebuild to drop it.")
    if state != "empty":
        log(f"Rebuilding the bench database (it was {state}).")
        _wipe()
        _migrate()
    started = time.monotonic()
    build_county(elders, seed=SEED, accounts=False, log=log)
    build(visits, providers, caregivers, log=log)
    log(f"Built in {time.monotonic() - started:.0f} s.")


def build(visits: int, provider_count: int, caregiver_count: int, *, log) -> None:
    rng = random.Random(SEED)
    county = Region.objects.get(code=COUNTY_CODE + "000000")
    with transaction.atomic():
        admin = User(username=BENCH_USER, role=Role.BUREAU_ADMIN, full_name="基准测试", scope_region=county)
        admin.set_unusable_password()
        admin.save()
        items = make_catalogue(county)
        providers = _providers(county, provider_count, items, rng)
        carers = _caregivers(county, providers, caregiver_count, rng)
        scheme = Scheme.objects.create(county=county, name="政府购买居家服务", basis=SchemeBasis.HOURS,
                                       monthly_quota=Decimal(33), active=True)
        elders = list(Elder.objects.values_list("id", "region_id").order_by("id"))
        Entitlement.objects.bulk_create([Entitlement(elder_id=pk, scheme=scheme, since=dt.date(2020, 1, 1),
                                                     region_code=region) for pk, region in elders],
                                        batch_size=2000)
        homes = {pk: home_position(region, rng) for pk, region in elders}
        ElderHome.objects.bulk_create([ElderHome(elder_id=pk, lat=lat, lng=lng, care_notes="防跌倒")
                                       for pk, (lat, lng) in homes.items()], batch_size=2000)
        entitlements = dict(Entitlement.objects.values_list("elder_id", "id"))
        started = time.monotonic()
        menu = [(i.pk, i.price, i.standard_minutes) for i in items if i.category != Category.EMERGENCY]
        with _without_secondary_indexes(["services_order", "services_orderitem"], log):
            expiry = dict(Certificate.objects.values_list("caregiver_id", "expires_on"))
            rows = _visits(visits, elders, homes, entitlements, providers, carers, menu, rng, expiry)
            count = write_rows("services_order", ORDER_COLUMNS, rows)
            write_rows("services_orderitem", LINE_COLUMNS, _lines(count, menu))
        log(f"  {count:,} visits written in {time.monotonic() - started:.0f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('services_order', 'id'), "
                               "(SELECT MAX(id) FROM services_order))")
        step = time.monotonic()
        today = timezone.localdate()
        stats.rebuild(today - dt.timedelta(days=DAYS_BACK), today + dt.timedelta(days=DAYS_AHEAD + 1))
        log(f"  dashboard figures in {time.monotonic() - step:.0f} s")
    analyze_services()


def analyze_services() -> None:
    analyze()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for table in ("services_order", "services_orderitem", "services_caregiver",
                          "services_certificate", "services_serviceday"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def _providers(county, count, items, rng) -> list[Organisation]:
    providers = []
    for i in range(count):
        org = Organisation.objects.create(name=f"基准服务机构{i + 1:02d}", kind=OrganisationKind.PROVIDER,
                                          region=county)
        lat, lng = home_position(f"bench-provider-{i}", rng)
        ProviderProfile.objects.create(organisation=org, area=county, lat=lat, lng=lng)
        providers.append(org)
    ProviderOffer.objects.bulk_create([ProviderOffer(provider=p, item=i, price=i.price)
                                       for p in providers for i in items])
    return providers


def _caregivers(county, providers, count, rng) -> dict[int, list[int]]:
    """{provider id: [caregiver id, ...]}; each caregiver has a login (no password:
    the benchmark uses force_login); 3 % have a certificate that expired in the year."""
    users = User.objects.bulk_create([
        User(username=f"bench-cg-{n}", role=Role.CAREGIVER, scope_region=county,
             organisation=providers[n % len(providers)], password="!", full_name=f"护理员{n}")
        for n in range(count)], batch_size=1000)
    if connection.vendor == "sqlite":  # bulk_create does not return ids on every backend
        users = list(User.objects.filter(username__startswith="bench-cg-").order_by("id"))
    carers = Caregiver.objects.bulk_create([
        Caregiver(provider_id=u.organisation_id, user=u, name=u.full_name, skills=list(Skill.values))
        for u in users], batch_size=1000)
    carers = list(Caregiver.objects.order_by("id"))
    today = timezone.localdate()
    def expiry() -> dt.date:
        if rng.random() < 0.03:
            return today - dt.timedelta(days=rng.randint(1, 300))
        return today + dt.timedelta(days=500)

    Certificate.objects.bulk_create([Certificate(caregiver=c, name="养老护理员证", expires_on=expiry())
                                     for c in carers], batch_size=1000)
    by_provider: dict[int, list[int]] = {}
    for c in carers:
        by_provider.setdefault(c.provider_id, []).append(c.pk)
    return by_provider


def _visits(total, elders, homes, entitlements, providers, carers, menu, rng, expiry):
    """Order rows: every day, the elders in turn, each to the next free slot of a
    caregiver of their provider (so no overlaps but the ones made on purpose)."""
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    days = DAYS_BACK + DAYS_AHEAD
    per_day, extra = divmod(total, days)
    adapt = _adapter()
    pk, turn = 0, 0
    for d in range(days):
        day = today - dt.timedelta(days=DAYS_BACK - d)
        handed, slots = {}, {}
        for _ in range(per_day + (1 if d < extra else 0)):
            pk += 1
            elder_id, region = elders[turn % len(elders)]
            turn += 1
            provider = providers[elder_id % len(providers)].pk
            team = carers[provider]
            carer = team[handed.get(provider, 0) % len(team)]
            handed[provider] = handed.get(provider, 0) + 1
            slot = slots[carer] = slots.get(carer, -1) + 1
            hour, minute = SLOTS[slot % len(SLOTS)]
            start = dt.datetime.combine(day, dt.time(hour, minute), zone)
            row = _visit(pk, elder_id, region, homes[elder_id], entitlements[elder_id], provider, carer,
                         menu[pk % len(menu)], start, day < today, rng)
            if day > expiry[carer] and row["checkout_at"]:
                row["flags"] |= Flag.CERTIFICATE
                row["review_status"] = "pending"
            yield tuple(adapt(c, row[c]) for c in ORDER_COLUMNS)


def _lines(count: int, menu):
    """One line per order: the item _visits() chose for it (pk modulo the menu)."""
    for pk in range(1, count + 1):
        item_id, price, minutes = menu[pk % len(menu)]
        yield pk, item_id, "1.00", str(price), str(price), minutes


def _adapter():
    """Values as the backend's driver takes them (SQLite: UTC text, like Django)."""
    ops = connection.ops

    def adapt(column, value):
        if isinstance(value, dt.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, dt.date):
            return ops.adapt_datefield_value(value)
        if isinstance(value, Decimal):
            return str(value)
        return value

    return adapt


def _visit(pk, elder_id, region, home, entitlement, provider, carer, item, start, past, rng) -> dict:
    item_id, price, minutes = item
    created = start - dt.timedelta(days=2)
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    row = {
        "id": pk, "created": created, "last_updated": created, "elder_id": elder_id, "region_code": region,
        "town_code": region[:9], "county_code": region[:6],
        "provider_id": provider, "caregiver_id": carer, "entitlement_id": entitlement,
        "status": "assigned", "channel": "plan", "note": "", "service_date": start.date(),
        "window_start": start, "window_end": start + dt.timedelta(minutes=90),
        "planned_minutes": minutes, "hours": hours, "total_amount": price,
        "gov_hours": hours, "gov_amount": price, "self_amount": Decimal("0.00"),
        "accepted_at": created, "assigned_at": created, "checkin_at": None, "checkin_lat": None,
        "checkin_lng": None, "checkin_distance_m": None, "checkout_at": None, "actual_minutes": None,
        "log_items": "[]", "log_notes": "", "code_hash": "", "code_attempts": 0, "confirmed_at": None,
        "confirm_method": "", "signature": "", "cancel_reason": "", "flags": 0,
        "review_status": "none", "review_reason": "",
    }
    if past:
        _delivered(row, home, start, minutes, item_id, rng)
    return row


def _delivered(row, home, start, minutes, item_id, rng) -> None:
    far, short, unconfirmed = rng.random() < 0.02, rng.random() < 0.02, rng.random() < 0.03
    arrive = start + dt.timedelta(minutes=rng.randint(0, 10))
    actual = int(minutes * (0.3 if short else rng.uniform(0.95, 1.15)))
    distance = rng.randint(600, 3000) if far else rng.randint(5, 120)
    row.update(status="done" if unconfirmed else "confirmed", checkin_at=arrive,
               checkin_lat=home[0] + distance / 111_000, checkin_lng=home[1], checkin_distance_m=distance,
               checkout_at=arrive + dt.timedelta(minutes=actual), actual_minutes=actual,
               log_items=f"[{item_id}]", confirmed_at=None if unconfirmed else arrive + dt.timedelta(
                   minutes=actual + 1), confirm_method="" if unconfirmed else "code")
    if rng.random() < 0.01:  # as if the caregiver's previous visit ran into this one
        row["checkin_at"] = arrive - dt.timedelta(minutes=80)
    # What check-out records (checks.visit_flags); the monthly run adds the rest.
    row["flags"] = (Flag.FAR_CHECKIN if far else 0) | (Flag.SHORT_VISIT if short else 0) | (
        Flag.OVERLAP if row["checkin_at"] < arrive else 0)
    row["review_status"] = "pending" if row["flags"] else "none"


# --- measuring ------------------------------------------------------------------------------
def _last_full_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def measure_batch(log) -> dict:
    month = _last_full_month()
    admin = User.objects.get(username=BENCH_USER)
    county = Region.objects.get(code=COUNTY_CODE + "000000")
    visits = Order.objects.in_month(month).count()
    with transaction.atomic():
        started = time.monotonic()
        found = checks.run_checks(month, next_month(month))
        checks_s = time.monotonic() - started
        started = time.monotonic()
        made = settlement.generate_month(county, month, actor=admin)
        settlement_s = time.monotonic() - started
        transaction.set_rollback(True)
    log(f"  month {month:%Y-%m}: {visits:,} visits; checks {checks_s:.2f} s, flagged {found}")
    log(f"  settlement of {len(made)} providers {settlement_s:.2f} s "
        f"({sum(s.visits for s in made):,} visits paid, gov ¥{sum(s.gov_amount for s in made):,.0f})")
    for label, seconds in (("checks", checks_s), ("settlement", settlement_s)):
        if seconds >= GOAL_S:
            log(f"  {label} OVER the {GOAL_S} s goal")
    return {"settlement_s": round(settlement_s, 2), "checks_s": round(checks_s, 2)}


def _timed(client, url: str, expect: str | None) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}")
    if expect and expect not in response.content.decode():
        raise BenchError(f"GET {url} does not show {expect!r}")
    return elapsed


def _clients(usernames):
    from django.conf import settings
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    clients = []
    for user in User.objects.filter(username__in=usernames):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        clients.append(client)
    return clients


def measure_pages(requests: int, log) -> dict:
    rng = random.Random(SEED)
    n = requests + WARMUP
    carers = sorted(set(Order.objects.filter(service_date=timezone.localdate())
                        .values_list("caregiver__user__username", flat=True)))
    today_clients = _clients(rng.sample(carers, min(n, len(carers))))
    admin = _clients([BENCH_USER])[0]
    providers = list(Organisation.objects.filter(kind=OrganisationKind.PROVIDER).order_by("id"))
    provider_users = []
    for org in providers[:5]:
        user, _ = User.objects.get_or_create(username=f"bench-pa-{org.pk}", defaults={
            "role": Role.PROVIDER_ADMIN, "organisation": org, "scope_region": org.region, "password": "!"})
        provider_users.append(user.username)
    provider_clients = _clients(provider_users)
    list_probes = []
    for i in range(n):
        if i % 3 == 0:
            client = provider_clients[i % len(provider_clients)]
            list_probes.append((client, f"/services/orders/?page={1 + i % 2}"))
        elif i % 3 == 1:
            list_probes.append((admin, f"/services/orders/?page={1 + i % 3}"))
        else:
            status = rng.choice(["done", "confirmed", "assigned"])
            list_probes.append((admin, f"/services/orders/?status={status}"))
    today_probes = [(today_clients[i % len(today_clients)], "/services/today/") for i in range(n)]
    figures = {}
    for kind, probes, expect in (("caregiver_today", today_probes, 'data-testid="visit-card"'),
                                 ("order_list", list_probes, 'data-testid="order-row"')):
        for client, url in probes[:WARMUP]:
            _timed(client, url, expect)
        samples = [_timed(client, url, expect) for client, url in probes[WARMUP:]]
        median, p95 = summarize(samples)
        figures[kind] = p95
        verdict = "ok" if p95 < GOAL_MS else f"OVER the {GOAL_MS} ms goal"
        log(f"  {kind:<16} median {median:7.2f} ms   p95 {p95:7.2f} ms   ({len(samples)} requests) {verdict}")
    return figures


def add_arguments(parser) -> None:
    parser.add_argument("--visits", type=int, default=1_500_000,
                        help="visits in the year (default 1,500,000)")
    parser.add_argument("--elders", type=int, default=4_000, help="entitled elders (default 4,000)")
    parser.add_argument("--providers", type=int, default=20, help="providers (default 20)")
    parser.add_argument("--caregivers", type=int, default=600, help="caregivers (default 600)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page (default 40)")
    parser.add_argument("--rebuild", action="store_true", help="build the bench database anew")


def size(options: dict) -> int:
    if options["visits"] < 10_000 or options["elders"] < 100 or options["caregivers"] < options["providers"]:
        raise BenchError("--visits at least 10,000, --elders at least 100, and at least one caregiver "
                         "per provider")
    return options["visits"]


def run(options: dict, log=print) -> dict:
    prepare(options["visits"], options["elders"], options["providers"], options["caregivers"],
            rebuild=options["rebuild"], log=log)
    log(f"Measuring on {connection.vendor} ({connection.settings_dict['NAME']}), "
        f"{time.strftime('%Y-%m-%d %H:%M')}; load average {_load()}")
    batch = measure_batch(log)
    pages = measure_pages(options["requests"], log)
    result = {"bench": "services", "backend": connection.vendor, "visits": Order.objects.count(), **batch,
              "p95_ms": pages}
    log(json.dumps(result, ensure_ascii=False))
    return result

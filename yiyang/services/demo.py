"""Demo data for home care, added by `yiyang demo` to the synthetic county: a catalogue,
one scheme, the providers' profiles and offers, caregivers (the demo caregiver among
them), elders' homes around the county seat, and a few hundred orders over the last
two months run through the real services (so the audit log, checks and figures are
what they would be), plus today's visits for the demo caregiver."""

from __future__ import annotations

import datetime as dt
import random
import zlib
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yiyang.core.choices import OrganisationKind, Role
from yiyang.core.models import Organisation, Region, User
from yiyang.elders.choices import GrantKind
from yiyang.elders.models import Elder, ElderGrant
from yiyang.services import catalogue, services, stats
from yiyang.services.choices import Category, SchemeBasis, Skill, Unit
from yiyang.services.models import (
    Caregiver,
    Certificate,
    ElderHome,
    ProviderOffer,
    ProviderProfile,
    ServiceItem,
)

SEAT = (36.185, 118.170)  # the county seat (demo coordinates)
SPREAD = 0.16  # villages lie within about ±18 km of it

# code, name, category, unit, minutes, price, skills
CATALOGUE = [
    ("ZC01", "助餐送餐上门", Category.MEAL, Unit.MEAL, 20, "12.00", [Skill.COOKING]),
    ("ZC02", "上门做饭", Category.MEAL, Unit.HOUR, 60, "35.00", [Skill.COOKING]),
    ("ZY01", "上门助浴", Category.BATH, Unit.VISIT, 60, "80.00", [Skill.BATHING]),
    ("ZY02", "擦浴", Category.BATH, Unit.VISIT, 40, "50.00", [Skill.BATHING]),
    ("ZJ01", "居室保洁", Category.CLEAN, Unit.HOUR, 60, "40.00", [Skill.CLEANING]),
    ("ZJ02", "衣物洗涤", Category.CLEAN, Unit.VISIT, 45, "30.00", [Skill.CLEANING]),
    ("ZJI01", "紧急援助上门", Category.EMERGENCY, Unit.VISIT, 30, "50.00", [Skill.NURSING]),
    ("ZYI01", "陪同就医", Category.MEDICAL, Unit.HOUR, 60, "45.00", [Skill.MEDICAL]),
    ("ZYI02", "健康监测（血压血糖）", Category.MEDICAL, Unit.VISIT, 30, "30.00", [Skill.NURSING]),
    ("ZX01", "助行陪护外出", Category.MOBILITY, Unit.HOUR, 60, "40.00", [Skill.ESCORT]),
    ("QT01", "上门理发", Category.OTHER, Unit.VISIT, 30, "25.00", [Skill.HAIRCUT]),
    ("QT02", "代购代办", Category.OTHER, Unit.VISIT, 45, "20.00", [Skill.ESCORT]),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["秀兰", "桂英", "建华", "春梅", "丽娟", "志强", "红霞", "海燕", "国平", "玉珍", "晓燕", "美华"]


def home_position(village_code: str, rng: random.Random) -> tuple[float, float]:
    """A plausible home: the village's place (from its code, stable) plus a few hundred metres."""
    seed = zlib.crc32(village_code.encode())
    lat = SEAT[0] + ((seed % 1000) / 1000 - 0.5) * 2 * SPREAD
    lng = SEAT[1] + (((seed // 1000) % 1000) / 1000 - 0.5) * 2 * SPREAD
    return round(lat + rng.uniform(-0.004, 0.004), 6), round(lng + rng.uniform(-0.004, 0.004), 6)


def make_catalogue(county: Region) -> list[ServiceItem]:
    return [ServiceItem.objects.create(county=county, code=code, name=name, category=category, unit=unit,
                                       standard_minutes=minutes, price=Decimal(price), skills=list(skills))
            for code, name, category, unit, minutes, price, skills in CATALOGUE]


def offer_everything(providers, items, rng: random.Random) -> None:
    ProviderOffer.objects.bulk_create([
        ProviderOffer(provider=p, item=i, price=i.price * Decimal(rng.choice(["0.9", "1.0", "1.0", "1.1"])))
        for p in providers for i in items])


def caregiver_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def populate(log=print, *, seed: int = 2026, orders: int = 400) -> None:
    rng = random.Random(seed)
    county = Region.objects.filter(level=3).order_by("code").first()
    providers = list(Organisation.objects.filter(kind=OrganisationKind.PROVIDER).order_by("id"))
    admin = User.objects.filter(role=Role.BUREAU_ADMIN).order_by("id").first()
    if county is None or not providers or admin is None or ServiceItem.objects.exists():
        log("Home care: nothing to add (no county, providers or admin, or already populated).")
        return
    with transaction.atomic():
        items = _setup(county, providers, admin, rng)
    made = _history(providers, items, admin, rng, orders)
    _today(items, admin, rng)
    today = timezone.localdate()
    stats.rebuild(today - dt.timedelta(days=70), today + dt.timedelta(days=8))
    log(f"  home care: {len(items)} catalogue items, {Caregiver.objects.count()} caregivers, "
        f"{made} orders over two months")


def _setup(county, providers, admin, rng) -> list[ServiceItem]:
    items = make_catalogue(county)
    for i, provider in enumerate(providers):
        lat, lng = home_position(f"provider{i}", rng)
        ProviderProfile.objects.create(organisation=provider, area=county, lat=lat, lng=lng,
                                       address=f"{county.name}城区服务站{i + 1}号")
    offer_everything(providers, items, rng)
    _caregivers(providers, county, rng)
    served = list(ElderGrant.objects.filter(kind__in=[GrantKind.PROVIDER, GrantKind.FAMILY])
                  .values_list("elder_id", flat=True).distinct())
    elders = Elder.objects.filter(pk__in=served).only("id", "region_id")
    notes = ["行动不便，防跌倒", "糖尿病，注意饮食", "听力差，说话大声些", "独居，注意观察情绪", ""]
    ElderHome.objects.bulk_create([
        ElderHome(elder=e, lat=p[0], lng=p[1], care_notes=rng.choice(notes))
        for e in elders for p in [home_position(e.region_id, rng)]], batch_size=2000)
    catalogue.save_scheme(county, catalogue.SchemeData(
        name="特困低保失能老人政府购买居家服务", basis=SchemeBasis.HOURS, monthly_quota=Decimal(30),
        economic_statuses=["tekun", "dibao"], min_capability_level=2), actor=admin)
    return items


def _caregivers(providers, county, rng) -> None:
    """Six caregivers per provider; the first of each logs in (the demo caregiver for
    the first provider, caregiver2… for the others); one certificate has expired."""
    from yiyang.demo.loader import DEMO_PASSWORD

    demo_user = User.objects.filter(role=Role.CAREGIVER).order_by("id").first()
    valid = timezone.localdate() + dt.timedelta(days=400)
    for i, provider in enumerate(providers):
        for n in range(6):
            name = caregiver_name(rng)
            user = None
            if n == 0:
                user = demo_user if demo_user and demo_user.organisation_id == provider.pk else None
                user = user or _login(f"caregiver{i + 1}", name, provider, county, DEMO_PASSWORD)
            caregiver = Caregiver(provider=provider, user=user, name=user.full_name if user else name,
                                  skills=list(Skill.values), home_address=f"服务站{n + 1}号宿舍")
            caregiver.set_phone(f"139{rng.randrange(10**8):08d}")
            caregiver.save()
            expires = valid if n != 5 else timezone.localdate() - dt.timedelta(days=20)
            Certificate.objects.create(caregiver=caregiver, name="养老护理员职业技能等级证书",
                                       number=f"YL{rng.randrange(10**8):08d}", expires_on=expires)


def _login(username, name, provider, county, password) -> User:
    user = User(username=username, role=Role.CAREGIVER, scope_region=county, organisation=provider,
                full_name=name)
    user.set_password(password)
    user.save()
    return user


def _history(providers, items, admin, rng, count: int) -> int:
    """Orders over the last two months, delivered with plausible check-ins (a few far
    or short, so the review list has work), most confirmed and some rated."""
    elders = list(ElderHome.objects.values_list("elder_id", flat=True))
    if not elders:
        return 0
    today = timezone.localdate()
    made, busy = 0, set()
    for _n in range(count):
        elder_id = rng.choice(elders)
        day = today - dt.timedelta(days=rng.randint(1, 60))
        provider = providers[elder_id % len(providers)]
        free = [h for h in (8, 10, 14, 16) if (provider.pk, day, h) not in busy]
        if not free:
            continue
        hour = rng.choice(free)  # one caregiver per provider makes these: no overlaps by design
        busy.add((provider.pk, day, hour))
        item = rng.choice(items[:10])
        try:
            with transaction.atomic():
                _deliver_one(elder_id, provider, item, day, hour, admin, rng)
            made += 1
        except services.InvalidOrder:
            continue
    return made


def _deliver_one(elder_id, provider, item, day, hour, admin, rng) -> None:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    order = services.create_order(services.OrderData(
        elder_id=elder_id, provider_id=provider.pk, window_start=start,
        window_end=start + dt.timedelta(hours=2), lines=[services.Line(item.pk)],
        channel=rng.choice(["phone", "community", "family"])), actor=admin, allow_past=True)
    if rng.random() < 0.05:
        services.cancel_order(order, "老人外出，改期", actor=admin)
        return
    manager = User(role=Role.PROVIDER_ADMIN, organisation=provider, scope_region=admin.scope_region,
                   username="demo-dispatch")
    order = services.accept_order(order, actor=manager)
    caregiver = Caregiver.objects.select_related("user").get(provider=provider, user__isnull=False)
    order = services.assign_caregiver(order, caregiver, actor=manager)
    home = ElderHome.objects.get(elder_id=elder_id)
    far = rng.random() < 0.04
    position = services.Position(home.lat + (0.02 if far else rng.uniform(-0.0008, 0.0008)),
                                 home.lng + rng.uniform(-0.0008, 0.0008), 15)
    arrive = start + dt.timedelta(minutes=rng.randint(0, 40))
    short = rng.random() < 0.04
    minutes = int(order.planned_minutes * (rng.uniform(0.2, 0.4) if short else rng.uniform(0.9, 1.2)))
    order = services.check_in(order, position, actor=caregiver.user, at=arrive)
    leave = arrive + dt.timedelta(minutes=minutes)
    order = services.check_out(order, position, actor=caregiver.user, at=leave)
    _confirm_and_rate(order, caregiver.user, admin, rng)


def _confirm_and_rate(order, visitor, admin, rng) -> None:
    if rng.random() < 0.9:
        order = services.confirm_with_signature(order, "data:image/png;base64," + "iVBORw0KGgo" * 30,
                                                actor=visitor)
    if rng.random() < 0.5:
        score = rng.choices([5, 4, 3, 2], weights=[60, 28, 8, 4])[0]
        services.rate_order(order, score, "服务很好" if score >= 4 else "一般", actor=admin,
                            complaint="护理员迟到" if score <= 2 else "")


def _today(items, admin, rng) -> None:
    """Today's visits for the demo caregiver: assigned, waiting for the check-in."""
    caregiver = Caregiver.objects.filter(user__isnull=False).select_related("provider").first()
    if caregiver is None:
        return
    granted = list(ElderGrant.objects.filter(kind=GrantKind.CAREGIVER, user=caregiver.user)
                   .values_list("elder_id", flat=True))[:4]
    manager = User(role=Role.PROVIDER_ADMIN, organisation=caregiver.provider,
                   scope_region=admin.scope_region, username="demo-dispatch")
    today = timezone.localdate()
    for n, elder_id in enumerate(granted):
        if not ElderHome.objects.filter(elder_id=elder_id).exists():
            continue
        start = timezone.make_aware(dt.datetime.combine(today, dt.time(8 + 2 * n)))
        with transaction.atomic():
            order = services.create_order(services.OrderData(
                elder_id=elder_id, provider_id=caregiver.provider_id, window_start=start,
                window_end=start + dt.timedelta(hours=2), lines=[services.Line(items[2 + n % 3].pk)],
                channel="community"), actor=admin, allow_past=True)
            services.accept_order(order, actor=manager)
            services.assign_caregiver(order, caregiver, actor=manager)

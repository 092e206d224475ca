"""Home-care test data on top of the shared county (yiyang.core.testing.build_county)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.fixtures import use_fast_hashing
from yiyang.core.choices import Role
from yiyang.core.testing import COUNTY, TOWN_B, build_county, make_user
from yiyang.services import catalogue, services
from yiyang.services.choices import Category, SchemeBasis, Skill, Unit
from yiyang.services.models import (
    Caregiver,
    Certificate,
    ElderHome,
    ProviderOffer,
    ProviderProfile,
    ServiceItem,
)

HOME = (36.1000, 118.1000)  # the elders' homes in the test county
NEAR = (36.1005, 118.1003)  # ~60 m away
FAR = (36.1200, 118.1000)  # ~2.2 km away


@dataclass
class World:
    county: object
    bath: ServiceItem
    clean: ServiceItem
    caregiver: Caregiver
    other_caregiver: Caregiver

    @property
    def users(self):
        return self.county.users

    @property
    def elders(self):
        return self.county.elders


def build_world(county) -> World:
    admin = county.users["admin"]
    region = county.regions[COUNTY]
    bath = ServiceItem.objects.create(county=region, code="ZY01", name="上门助浴", category=Category.BATH,
                                      unit=Unit.VISIT, standard_minutes=60, price=Decimal("80.00"),
                                      skills=[Skill.BATHING])
    clean = ServiceItem.objects.create(county=region, code="ZJ01", name="居室保洁", category=Category.CLEAN,
                                       unit=Unit.HOUR, standard_minutes=60, price=Decimal("40.00"),
                                       skills=[Skill.CLEANING])
    ProviderProfile.objects.create(organisation=county.provider, area=region, lat=36.10, lng=118.12)
    ProviderProfile.objects.create(organisation=county.other_provider, area=county.regions[TOWN_B],
                                   lat=36.05, lng=118.05)
    for provider in (county.provider, county.other_provider):
        ProviderOffer.objects.create(provider=provider, item=bath, price=Decimal("80.00"))
        ProviderOffer.objects.create(provider=provider, item=clean, price=Decimal("40.00"))
    caregiver = Caregiver.objects.create(provider=county.provider, user=county.users["caregiver"],
                                         name="周护理", skills=[Skill.BATHING, Skill.CLEANING])
    other = Caregiver.objects.create(provider=county.provider, name="吴护理", skills=[Skill.CLEANING])
    valid = timezone.localdate() + dt.timedelta(days=365)
    Certificate.objects.create(caregiver=caregiver, name="养老护理员证", expires_on=valid)
    Certificate.objects.create(caregiver=other, name="养老护理员证", expires_on=valid)
    for elder in county.elders.values():
        ElderHome.objects.create(elder=elder, lat=HOME[0], lng=HOME[1], care_notes="行动不便，防跌倒")
    assert admin
    return World(county=county, bath=bath, clean=clean, caregiver=caregiver, other_caregiver=other)


@pytest.fixture(name="world")
def world_fixture(db, settings):
    use_fast_hashing(settings)
    return build_world(build_county())


def window(day_offset: int = 0, hour: int = 9, hours: int = 2):
    day = timezone.localdate() + dt.timedelta(days=day_offset)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return start, start + dt.timedelta(hours=hours)


def order(world, *, elder="a1", by="town", items=None, day_offset=0, hour=9, provider=None, on=None,
          **kw):
    start, end = window(day_offset, hour)
    if on is not None:  # a given day
        start = timezone.make_aware(dt.datetime.combine(on, dt.time(hour)))
        end = start + dt.timedelta(hours=2)
    data = services.OrderData(
        elder_id=world.elders[elder].pk, provider_id=(provider or world.county.provider).pk,
        window_start=start, window_end=end,
        lines=items or [services.Line(world.bath.pk)], **kw)
    return services.create_order(data, actor=world.users[by], allow_past=True)


def deliver(world, o, *, at_start=None, minutes=60, position=NEAR, caregiver=None):
    """Accept, assign, check in and out: a done visit."""
    provider = world.users["provider"]
    o = services.accept_order(o, actor=provider)
    o = services.assign_caregiver(o, caregiver or world.caregiver, actor=provider)
    user = (caregiver or world.caregiver).user or world.users["caregiver"]
    start = at_start or (o.window_start + dt.timedelta(minutes=5))
    o = services.check_in(o, services.Position(*position, 10), actor=user, at=start)
    return services.check_out(o, services.Position(*position), actor=user,
                              at=start + dt.timedelta(minutes=minutes))


def scheme(world, *, basis=SchemeBasis.HOURS, quota=Decimal("4"), statuses=None):
    return catalogue.save_scheme(world.county.regions[COUNTY], catalogue.SchemeData(
        name="特困低保失能老人居家服务", basis=basis, monthly_quota=quota,
        economic_statuses=statuses if statuses is not None else []), actor=world.users["admin"])


SIGNATURE = "data:image/png;base64," + "iVBORw0KGgo" * 40


def confirm(world, o):
    return services.confirm_with_signature(o, SIGNATURE, actor=world.users["caregiver"])


def last_month_day(day: int) -> dt.date:
    first = timezone.localdate().replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=day)


__all__ = ["Role", "make_user"]

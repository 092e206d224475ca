"""Shared test personas: a small county with two towns of two villages each, one user
per role, and a few elders. Used by tests/ and by browser flows."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from functools import cache

from django.contrib.auth.hashers import make_password

from yiyang.core.choices import OrganisationKind, RegionLevel, Role
from yiyang.core.models import Organisation, Region, User
from yiyang.elders import services
from yiyang.elders.choices import GrantKind
from yiyang.elders.models import Elder, ElderGrant
from yiyang.elders.services import ContactData, ElderData
from yiyang.lib import idcard

PASSWORD = "Yiyang-test-2026"
COUNTY = "372025000000"
TOWN_A, TOWN_B = "372025100000", "372025101000"
VILLAGE_A1, VILLAGE_A2 = "372025100201", "372025100202"
VILLAGE_B1, VILLAGE_B2 = "372025101201", "372025101202"

_sequence = itertools.count(11)


def make_regions() -> dict[str, Region]:
    county = Region.objects.create(code=COUNTY, name="颐阳县", level=RegionLevel.COUNTY)
    town_a = Region.objects.create(code=TOWN_A, name="东岭镇", level=RegionLevel.TOWN, parent=county)
    town_b = Region.objects.create(code=TOWN_B, name="西河镇", level=RegionLevel.TOWN, parent=county)
    villages = {
        VILLAGE_A1: ("东岭村", town_a), VILLAGE_A2: ("石门村", town_a),
        VILLAGE_B1: ("西河村", town_b), VILLAGE_B2: ("柳树村", town_b),
    }
    regions = {COUNTY: county, TOWN_A: town_a, TOWN_B: town_b}
    for code, (name, town) in villages.items():
        regions[code] = Region.objects.create(
            code=code, name=name, level=RegionLevel.VILLAGE, parent=town
        )
    return regions


@cache
def _hashed(password: str) -> str:
    # Argon2 is slow on purpose; hash the shared test password once per process.
    return make_password(password)


def make_user(username: str, role: str, scope: str, organisation=None, password=PASSWORD) -> User:
    user = User(username=username, role=role, scope_region_id=scope, organisation=organisation,
                full_name=username, password=_hashed(password))
    user.save()
    return user


def new_id_number(birth_date: dt.date, sex: str = "F") -> str:
    sequence = next(_sequence) * 2 % 1000
    sequence += 1 if sex == "M" else 0
    return idcard.make("372025", birth_date, sequence)


def elder_data(region: str, *, name: str = "王秀英", sex: str = "F",
               birth_date: dt.date = dt.date(1946, 3, 2), **extra) -> ElderData:
    extra.setdefault("id_number", new_id_number(birth_date, sex))
    extra.setdefault("phone", "13812345678")
    extra.setdefault("address", "东岭村三组12号")
    extra.setdefault("contacts", [ContactData(name="李建国", relation="son", phone="13900001111")])
    return ElderData(name=name, sex=sex, birth_date=birth_date, region_id=region, **extra)


def make_elder(region: str, *, actor: User, **kwargs) -> Elder:
    return services.create_elder(elder_data(region, **kwargs), actor=actor)


@dataclass
class County:
    """Everything a scoping test needs, built by build_county()."""

    regions: dict
    users: dict[str, User]
    provider: Organisation
    other_provider: Organisation
    elders: dict[str, Elder] = field(default_factory=dict)


def build_county() -> County:
    regions = make_regions()
    provider = Organisation.objects.create(name="康乐居家服务中心", kind=OrganisationKind.PROVIDER,
                                           region_id=COUNTY)
    other = Organisation.objects.create(name="福寿养老服务公司", kind=OrganisationKind.PROVIDER,
                                        region_id=COUNTY)
    users = {
        "admin": make_user("admin", Role.BUREAU_ADMIN, COUNTY),
        "town": make_user("town", Role.TOWN_WORKER, TOWN_A),
        "town_b": make_user("town_b", Role.TOWN_WORKER, TOWN_B),
        "village": make_user("village", Role.VILLAGE_WORKER, VILLAGE_A1),
        "provider": make_user("provider", Role.PROVIDER_ADMIN, COUNTY, provider),
        "caregiver": make_user("caregiver", Role.CAREGIVER, COUNTY, provider),
        "operator": make_user("operator", Role.OPERATOR, COUNTY),
        "family": make_user("family", Role.FAMILY, COUNTY),
        "volunteer": make_user("volunteer", Role.VOLUNTEER, COUNTY),
    }
    admin = users["admin"]
    elders = {
        "a1": make_elder(VILLAGE_A1, actor=admin, name="王秀英"),
        "a2": make_elder(VILLAGE_A2, actor=admin, name="张建国", sex="M",
                         birth_date=dt.date(1940, 7, 1), living_arrangement="alone"),
        "b1": make_elder(VILLAGE_B1, actor=admin, name="李桂兰", birth_date=dt.date(1935, 1, 20),
                         economic_status="dibao"),
        "b2": make_elder(VILLAGE_B2, actor=admin, name="赵德明", sex="M",
                         birth_date=dt.date(1958, 5, 5)),
    }
    grants = [
        ElderGrant(elder=elders["a1"], kind=GrantKind.PROVIDER, organisation=provider),
        ElderGrant(elder=elders["b1"], kind=GrantKind.PROVIDER, organisation=provider),
        ElderGrant(elder=elders["b2"], kind=GrantKind.PROVIDER, organisation=other),
        ElderGrant(elder=elders["a1"], kind=GrantKind.CAREGIVER, user=users["caregiver"]),
        ElderGrant(elder=elders["a2"], kind=GrantKind.FAMILY, user=users["family"]),
        ElderGrant(elder=elders["b1"], kind=GrantKind.VOLUNTEER, user=users["volunteer"]),
    ]
    ElderGrant.objects.bulk_create(grants)
    return County(regions=regions, users=users, provider=provider, other_provider=other,
                  elders=elders)

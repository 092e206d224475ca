"""The pre-aggregated counts (ElderCount) stay exact: stats.summary() equals a direct count
of the registry after creates, updates, moves between towns and status changes, and
after stats.rebuild()."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.fixtures import api_fixture, county_fixture  # noqa: F401
from yiyang.core.testing import (
    COUNTY,
    TOWN_A,
    TOWN_B,
    VILLAGE_A1,
    VILLAGE_A2,
    VILLAGE_B1,
    VILLAGE_B2,
    make_elder,
)
from yiyang.elders import services, stats
from yiyang.elders.models import Elder, ElderCount
from yiyang.elders.services import ContactData

TODAY = dt.date(2026, 6, 15)
PREFIXES = ["37", COUNTY[:6], TOWN_A[:9], TOWN_B[:9], VILLAGE_A1, VILLAGE_A2, VILLAGE_B1,
            VILLAGE_B2]


# --- the oracle: counted row by row, without the app's category code -------------------
def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


_RULES = {
    "dibao": lambda e, age: e.economic_status == "dibao",
    "dibian": lambda e, age: e.economic_status == "dibian",
    "tekun": lambda e, age: e.economic_status == "tekun",
    "sanlao": lambda e, age: e.is_sanlao,
    "youfu": lambda e, age: e.is_youfu,
    "jisheng": lambda e, age: e.is_jisheng_special,
    "alone": lambda e, age: e.living_arrangement == "alone",
    "empty_nest": lambda e, age: e.living_arrangement == "empty_nest",
    "gugua": lambda e, age: e.is_gugua,
    "left_behind": lambda e, age: e.is_left_behind,
    "aged_80": lambda e, age: age >= 80,
    "centenarian": lambda e, age: age >= 100,
    "disabled": lambda e, age: e.capability_level is not None and e.capability_level >= 2,
}
_BANDS = {"60-69": (60, 70), "70-79": (70, 80), "80-89": (80, 90), "90-99": (90, 100),
          "100+": (100, 10_000)}


def direct_counts(prefix: str, today: dt.date) -> dict:
    rows = [e for e in Elder.objects.filter(status="active") if e.region_id.startswith(prefix)]
    ages = {e.pk: _age(e.birth_date, today) for e in rows}
    sexes = Counter(e.sex for e in rows)
    levels = Counter("none" if e.capability_level is None else str(e.capability_level)
                     for e in rows)
    return {
        "total": len(rows),
        "sex": {"M": sexes["M"], "F": sexes["F"]},
        "categories": {c: sum(1 for e in rows if rule(e, ages[e.pk])) for c, rule in _RULES.items()},
        "levels": {key: levels[key] for key in ("0", "1", "2", "3", "4", "none")},
        "age_bands": {b: sum(1 for a in ages.values() if lo <= a < hi) for b, (lo, hi) in _BANDS.items()},
        "under_60": sum(1 for a in ages.values() if a < 60),
    }


def _assert_exact(today: dt.date, when: str) -> None:
    for prefix in PREFIXES:
        assert stats.summary(prefix, today) == direct_counts(prefix, today), (when, prefix, today)


def _nonzero_counts() -> dict:
    return {(r, k): n for r, k, n in ElderCount.objects.values_list("region_id", "key", "count") if n}


def _data_of(elder: Elder, **changes) -> services.ElderData:
    data = services.ElderData(
        name=elder.name, id_number=elder.id_number, sex=elder.sex, birth_date=elder.birth_date,
        region_id=elder.region_id, phone=elder.phone, address=elder.address,
        economic_status=elder.economic_status, living_arrangement=elder.living_arrangement,
        is_gugua=elder.is_gugua, is_sanlao=elder.is_sanlao, is_youfu=elder.is_youfu,
        is_jisheng_special=elder.is_jisheng_special, is_left_behind=elder.is_left_behind,
        capability_level=elder.capability_level,
        contacts=[ContactData(c.name, c.relation, c.phone) for c in elder.contacts.all()],
    )
    return dataclasses.replace(data, **changes)


@pytest.fixture
def registry(county):
    """The county plus elders on every age boundary of TODAY and a leap-day birthday."""
    admin = county.users["admin"]
    born = [
        (VILLAGE_A1, "F", dt.date(1946, 6, 15), {"economic_status": "tekun", "capability_level": 3,
                                                  "is_sanlao": True}),
        (VILLAGE_A1, "M", dt.date(1946, 6, 16), {"living_arrangement": "empty_nest",
                                                  "capability_level": 2}),
        (VILLAGE_A2, "F", dt.date(1926, 6, 15), {"is_gugua": True, "is_youfu": True,
                                                  "capability_level": 4,
                                                  "living_arrangement": "alone"}),
        (VILLAGE_B1, "M", dt.date(1926, 6, 16), {"economic_status": "dibian",
                                                  "is_jisheng_special": True,
                                                  "is_left_behind": True}),
        (VILLAGE_B2, "F", dt.date(1966, 6, 15), {"capability_level": 0}),
        (VILLAGE_A2, "M", dt.date(1966, 6, 16), {"capability_level": 1}),
        (VILLAGE_A1, "F", dt.date(1936, 6, 15), {"living_arrangement": "institution"}),
        (VILLAGE_B1, "M", dt.date(1936, 6, 16), {}),
        (VILLAGE_B2, "F", dt.date(1944, 2, 29), {"economic_status": "dibao"}),
        (VILLAGE_A2, "M", dt.date(1945, 3, 1), {}),
        (VILLAGE_A1, "F", dt.date(1945, 2, 28), {}),
    ]
    county.born = [
        make_elder(region, actor=admin, name=f"测试{i}", sex=sex, birth_date=day, **extra)
        for i, (region, sex, day, extra) in enumerate(born)
    ]
    return county


def test_it_counts_exactly_after_creates_updates_and_status_changes(registry):
    admin, e = registry.users["admin"], registry.born
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
                             tick=False):
        assert dt.date.today() == TODAY
        _assert_exact(TODAY, "after creates")
        for prefix in PREFIXES:  # the default day is today
            assert stats.summary(prefix) == direct_counts(prefix, TODAY)

        services.update_elder(e[1], _data_of(e[1], capability_level=1, living_arrangement="alone"),
                              actor=admin)
        services.update_elder(registry.elders["a1"], _data_of(
            registry.elders["a1"], economic_status="dibao", is_gugua=True), actor=admin)
        services.update_elder(e[6], _data_of(e[6], region_id=VILLAGE_B1, capability_level=2),
                              actor=admin)  # moved to another town
        services.update_elder(registry.elders["b1"], _data_of(
            registry.elders["b1"], is_sanlao=True, economic_status="none"), actor=admin)
        services.update_elder(e[0], _data_of(e[0], sex="F", capability_level=None), actor=admin)
        _assert_exact(TODAY, "after updates")

        services.set_status(registry.elders["a2"], "deceased", on=TODAY, reason="病故", actor=admin)
        services.set_status(e[3], "moved", on=TODAY, reason="迁出", actor=admin)
        services.set_status(registry.elders["b2"], "moved", on=TODAY, reason="迁出", actor=admin)
        services.set_status(e[2], "deceased", on=TODAY, reason="病故", actor=admin)
        services.set_status(e[3], "active", on=TODAY, reason="迁回", actor=admin)
        # a status change of an inactive elder moves no count
        services.set_status(e[2], "moved", on=TODAY, reason="更正", actor=admin)
        # an update of an inactive elder moves no count either
        services.update_elder(registry.elders["a2"], _data_of(
            registry.elders["a2"], capability_level=4), actor=admin)
        _assert_exact(TODAY, "after status changes")

        incremental = _nonzero_counts()
        stats.rebuild()
        assert _nonzero_counts() == incremental
        _assert_exact(TODAY, "after rebuild")


@pytest.mark.parametrize("today", [
    dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2025, 2, 28), dt.date(2025, 3, 1),
    dt.date(2026, 1, 1), dt.date(2026, 6, 14), TODAY, dt.date(2026, 6, 16), dt.date(2026, 12, 31),
])
def test_it_counts_ages_exactly_on_birthdays_and_leap_days(registry, today):
    _assert_exact(today, "on a boundary day")
    stats.rebuild()
    _assert_exact(today, "after rebuild")


def test_it_rebuilds_counts_after_a_bulk_load(registry):
    ElderCount.objects.all().delete()
    assert stats.summary(COUNTY[:6], TODAY)["total"] == 0
    stats.rebuild()
    _assert_exact(TODAY, "after rebuild from nothing")


def test_it_shows_each_user_the_counts_of_their_own_area(registry, client, api):
    for role, prefix in [("admin", COUNTY[:6]), ("town", TOWN_A[:9]), ("town_b", TOWN_B[:9]),
                         ("village", VILLAGE_A1), ("operator", COUNTY[:6])]:
        user = registry.users[role]
        expected = direct_counts(prefix, dt.date.today())
        client.force_login(user)
        page = client.get("/elders/stats/")
        assert page.status_code == 200
        assert page.context["summary"] == expected, role
        body = api(user).get("/elders/stats").json()
        assert {k: body[k] for k in expected} == expected, role
        active_in_scope = Elder.objects.restrict(user).active().count()
        assert expected["total"] == active_in_scope


def test_it_counts_a_lower_region_on_request_but_not_one_outside_the_scope(registry, client, api):
    client.force_login(registry.users["town"])
    page = client.get("/elders/stats/", {"region": VILLAGE_A2})
    assert page.context["summary"] == direct_counts(VILLAGE_A2, dt.date.today())
    assert client.get("/elders/stats/", {"region": VILLAGE_B1}).status_code == 404
    assert client.get("/elders/stats/", {"region": COUNTY}).status_code == 404
    town = api(registry.users["town"])
    assert town.get("/elders/stats", region=VILLAGE_A2).json()["total"] == direct_counts(
        VILLAGE_A2, dt.date.today())["total"]
    assert town.get("/elders/stats", region=TOWN_B).status_code == 404

"""The dashboard's figures equal counts made directly from the registry, for the county,
each town and each village, on any day (age boundaries included), and stay equal after
writes (the cache is invalidated by the counts' version)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from tests.dashboard.helpers import add_boundary_elders, counted, shown
from tests.fixtures import county_fixture  # noqa: F401
from yiyang.core.models import Region
from yiyang.core.testing import COUNTY, TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_B2, make_elder
from yiyang.dashboard import periods, queries, services
from yiyang.elders import services as elder_services
from yiyang.elders import stats

DAYS = [dt.date(2026, 6, 15), dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2028, 2, 29)]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_it_counts_exactly_what_the_registry_holds_on_any_day(county, day):
    add_boundary_elders(day, county.users["admin"])
    for code in (COUNTY, TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_B2):
        region = Region.objects.get(code=code)
        section = queries.compute_registry_section(region, day)
        assert shown(section["figures"]) == counted(region.prefix, day), (code, day)
        for row in section["children"]:
            expected = counted(Region.objects.get(code=row["code"]).prefix, day)
            assert {k: row[k] for k in ("total", "aged_60", "aged_80", "aged_100", "alone",
                                        "disabled")} == {
                k: expected[k] for k in ("total", "aged_60", "aged_80", "aged_100", "alone",
                                         "disabled")}, row["code"]


def test_the_children_add_up_to_their_region_and_are_ranked(county):
    day = dt.date(2026, 6, 15)
    add_boundary_elders(day, county.users["admin"])
    data = queries.dashboard(Region.objects.get(code=COUNTY), periods.month_of(day), today=day)
    children = data["children"]
    assert [row["code"] for row in children] and {r["code"] for r in children} == {TOWN_A, TOWN_B}
    for key in ("total", "aged_60", "aged_80", "aged_100", "disabled", "alone"):
        whole = data["registry"][key] if key in data["registry"] else \
            data["registry"]["categories_by_key"][key]
        assert sum(row[key] for row in children) == whole, key
    assert [row["aged_60"] for row in children] == sorted((r["aged_60"] for r in children),
                                                          reverse=True)
    assert [row["rank"] for row in children] == [1, 2]
    assert children[0]["url"] == f"/dashboard/?region={children[0]['code']}"


def test_a_write_shows_at_once_although_the_figures_are_cached(
        county, django_capture_on_commit_callbacks):
    town = Region.objects.get(code=TOWN_A)
    period = periods.current()
    before = queries.dashboard(town, period)
    assert queries.dashboard(town, period) == before  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        elder = make_elder(VILLAGE_A1, actor=county.users["admin"], name="新登记", sex="M",
                           birth_date=dt.date(1930, 2, 2), living_arrangement="alone")
    after = queries.dashboard(town, period)
    assert after["registry"]["aged_80"] == before["registry"]["aged_80"] + 1
    assert after["registry"]["categories_by_key"]["alone"] == \
        before["registry"]["categories_by_key"]["alone"] + 1
    with django_capture_on_commit_callbacks(execute=True):
        elder_services.set_status(elder, "deceased", on=dt.date.today(), reason="病故",
                                  actor=county.users["admin"])
    assert queries.dashboard(town, period)["registry"] == before["registry"]


def test_the_counts_version_changes_only_after_commit(county, django_capture_on_commit_callbacks):
    version = stats.counts_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_elder(VILLAGE_A1, actor=county.users["admin"], name="未提交")
    assert stats.counts_version() == version
    for callback in callbacks:
        callback()
    assert stats.counts_version() != version


def test_the_sex_by_birth_year_counts_survive_a_rebuild(county):
    add_boundary_elders(dt.date(2026, 6, 15), county.users["admin"])
    from yiyang.elders.models import ElderCount

    kept = sorted(ElderCount.objects.filter(key__startswith="sby:", count__gt=0)
                  .values_list("region_id", "key", "count"))
    stats.rebuild()
    assert sorted(ElderCount.objects.filter(key__startswith="sby:", count__gt=0)
                  .values_list("region_id", "key", "count")) == kept
    assert kept


def test_the_ageing_rate_uses_the_latest_population_up_to_the_year(
        county, django_capture_on_commit_callbacks):
    town = Region.objects.get(code=TOWN_A)
    admin = county.users["admin"]
    day = dt.date(2026, 6, 15)
    period = periods.month_of(day)
    assert queries.dashboard(town, period, today=day)["registry"]["ageing_rate"] is None
    town.population = 40
    town.save(update_fields=["population"])
    cache.clear()
    registry = queries.dashboard(town, period, today=day)["registry"]
    assert (registry["population"], registry["population_year"]) == (40, None)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_population(town, 2025, 20, actor=admin)
        services.set_population(town, 2027, 5, actor=admin)  # after the period: not used
    registry = queries.dashboard(town, period, today=day)["registry"]
    aged_60 = counted(town.prefix, day)["aged_60"]
    assert (registry["population"], registry["population_year"]) == (20, 2025)
    assert registry["ageing_rate"] == round(aged_60 / 20, 4)


def test_an_empty_region_has_zeros_not_errors(county):
    empty = Region.objects.create(code="372025102000", name="空镇", level=4,
                                  parent_id=COUNTY)
    data = queries.dashboard(empty, periods.current())
    assert data["registry"]["total"] == 0 and data["children"] == []
    assert all(row["M"] == row["F"] == 0 for row in data["registry"]["pyramid"])

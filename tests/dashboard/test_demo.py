"""The demo's dashboard data: plausible population figures and a year of snapshots."""

from django.core.cache import cache

from tests.fixtures import county_fixture  # noqa: F401
from yiyang.core.models import Region
from yiyang.core.testing import COUNTY, TOWN_A
from yiyang.dashboard import demo, periods, queries
from yiyang.dashboard.models import MonthlySnapshot, RegionPopulation


def test_it_enters_populations_and_a_year_of_snapshots(county):
    cache.clear()  # a section cached by an earlier test (rolled back) must not be read
    for code, people in ((COUNTY, 400), (TOWN_A, 150)):
        Region.objects.filter(code=code).update(population=people)
    lines = []
    demo.populate(log=lines.append)
    assert RegionPopulation.objects.filter(region_id=COUNTY).count() == 2
    assert MonthlySnapshot.objects.filter(region_id=COUNTY).count() == demo.HISTORY_MONTHS
    rows = queries.series(Region.objects.get(code=COUNTY), periods.recent_months(12))
    assert all(row["recorded"] for row in rows) and len(lines) == 2
    registry = queries.dashboard(Region.objects.get(code=COUNTY), periods.current())["registry"]
    assert registry["population"] == 400 and 0 < registry["ageing_rate"] < 1

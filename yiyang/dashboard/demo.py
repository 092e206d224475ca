"""Demo data of the dashboard, added by `yiyang demo` after the registry is built:
resident population figures of the county and its towns for this year and last (from
the regions' own figures, as a statistics bureau would publish them), and monthly
snapshots of the last twelve months so the month-by-month series has a history.

The past snapshots are reconstructed from today's registry (ages as at each month's
end): the demo county has no older state to record.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiyang.core.choices import RegionLevel
from yiyang.core.models import Region
from yiyang.dashboard import services
from yiyang.dashboard.models import RegionPopulation
from yiyang.dashboard.periods import recent_months

SOURCE = "县统计局年度人口数据（演示）"
HISTORY_MONTHS = 12


@transaction.atomic
def populate(log=print) -> None:
    year = timezone.localdate().year
    regions = list(Region.objects.filter(level__lte=RegionLevel.TOWN, population__isnull=False))
    rows = []
    for region in regions:
        # Rural counties shrink slowly: last year's figure a little larger.
        rows.append(RegionPopulation(region=region, year=year, population=region.population,
                                     source=SOURCE))
        rows.append(RegionPopulation(region=region, year=year - 1,
                                     population=round(region.population * 1.006), source=SOURCE))
    RegionPopulation.objects.bulk_create(rows, ignore_conflicts=True)
    log(f"  dashboard: population figures of {len(regions)} regions for {year - 1} and {year}")
    taken = 0
    today = timezone.localdate()
    for month in recent_months(HISTORY_MONTHS, today):
        day = min(today, month.end - dt.timedelta(days=1))
        for region in Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWN]):
            taken += len(services.take_snapshot(region, day))
    log(f"  dashboard: {taken:,} monthly snapshots over {HISTORY_MONTHS} months")

"""The oracle: dashboard figures counted row by row from the registry, without the
app's code (no ElderCount, no stats), to compare what the dashboard shows against."""

from __future__ import annotations

import datetime as dt

from yiyang.core.testing import make_elder
from yiyang.elders.models import Elder

BANDS = {"60-69": (60, 70), "70-79": (70, 80), "80-89": (80, 90), "90-99": (90, 100),
         "100+": (100, 10_000)}


def age(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def counted(prefix: str, day: dt.date) -> dict:
    rows = [e for e in Elder.objects.filter(status="active") if e.region_id.startswith(prefix)]
    ages = {e.pk: age(e.birth_date, day) for e in rows}
    return {
        "total": len(rows),
        "aged_60": sum(1 for a in ages.values() if a >= 60),
        "aged_80": sum(1 for a in ages.values() if a >= 80),
        "aged_100": sum(1 for a in ages.values() if a >= 100),
        "pyramid": {band: {sex: sum(1 for e in rows if e.sex == sex and lo <= ages[e.pk] < hi)
                           for sex in ("M", "F")} for band, (lo, hi) in BANDS.items()},
        "dibao": sum(1 for e in rows if e.economic_status == "dibao"),
        "alone": sum(1 for e in rows if e.living_arrangement == "alone"),
        "disabled": sum(1 for e in rows if (e.capability_level or 0) >= 2),
        "levels": {str(n): sum(1 for e in rows if e.capability_level == n) for n in range(5)}
        | {"none": sum(1 for e in rows if e.capability_level is None)},
    }


def shown(figures: dict) -> dict:
    """The same figures as the dashboard's JSON holds them."""
    return {
        "total": figures["total"], "aged_60": figures["aged_60"],
        "aged_80": figures["aged_80"], "aged_100": figures["aged_100"],
        "pyramid": {row["band"]: {"M": row["M"], "F": row["F"]} for row in figures["pyramid"]},
        "dibao": figures["categories_by_key"]["dibao"],
        "alone": figures["categories_by_key"]["alone"],
        "disabled": figures["categories_by_key"]["disabled"],
        "levels": {row["key"]: row["n"] for row in figures["levels"]},
    }


def add_boundary_elders(day: dt.date, admin) -> list[Elder]:
    """Elders born on, just before and just after each age boundary of `day`, of both
    sexes, across the villages: the cases an off-by-one-day count would get wrong."""
    from yiyang.core.testing import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, VILLAGE_B2

    villages = [VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, VILLAGE_B2]
    made = []
    i = 0
    for years in (60, 70, 80, 90, 100):
        try:
            boundary = day.replace(year=day.year - years)
        except ValueError:  # 29 February in a year without it
            boundary = day.replace(year=day.year - years, day=28)
        for offset in (-1, 0, 1):
            for sex in ("M", "F"):
                born = boundary + dt.timedelta(days=offset)
                made.append(make_elder(villages[i % 4], actor=admin, name="边界" + "甲乙丙丁"[i % 4],
                                       sex=sex, birth_date=born,
                                       capability_level=i % 5 if i % 3 else None,
                                       economic_status="dibao" if i % 4 == 0 else "none"))
                i += 1
    return made

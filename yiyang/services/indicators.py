"""Home-care figures for the dashboard (the contract in the dashboard issue): read from
the pre-aggregated ServiceDay rows, so a county's year is a few thousand rows."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from yiyang.core.models import Region
from yiyang.services import stats

_CHILD_LENGTH = {1: 4, 2: 6, 3: 9, 4: 12}  # the code length that names a child


def dashboard_figures(region_code: str, start: dt.date, end: dt.date) -> dict:
    """Figures for the region subtree of region_code over [start, end)."""
    prefix = _prefix(region_code)
    current = _sums(prefix, start, end)
    previous = _sums(prefix, start - (end - start), start)
    ratings, rating_sum = current["ratings"], current["rating_sum"]
    return {
        "orders": current["orders"],
        "orders_previous": previous["orders"],
        "hours": round(current["minutes"] / 60, 1),
        "hours_previous": round(previous["minutes"] / 60, 1),
        "entitled_hours": stats.entitled_hours(prefix, start, end),
        "visits_flagged": current["flagged"],
        "visits_rejected": current["rejected"],
        "satisfaction": round(rating_sum / ratings, 2) if ratings else None,
        "ratings": ratings,
    }


def figures_by_child(region_code: str, start: dt.date, end: dt.date) -> dict[str, dict]:
    """{child region code: {"orders": n, "hours": float}} for the ranked table."""
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        return {}
    length = _CHILD_LENGTH.get(region.level)
    children = {child.code: child for child in region.children.all()}
    result = {code: {"orders": 0, "hours": 0.0} for code in children}
    if length is None:
        return result
    for row in stats.rows(region.prefix, start, end).values("region_code", "orders", "minutes"):
        code = row["region_code"][:length].ljust(12, "0")
        if code in result:
            result[code]["orders"] += row["orders"]
            result[code]["hours"] += row["minutes"] / 60
    for figures in result.values():
        figures["hours"] = round(figures["hours"], 1)
    return result


def _prefix(region_code: str) -> str:
    region = Region.objects.filter(code=region_code).first()
    return region.prefix if region is not None else region_code


def _sums(prefix: str, start: dt.date, end: dt.date) -> dict:
    totals = stats.rows(prefix, start, end).aggregate(
        orders=Sum("orders"), minutes=Sum("minutes"), flagged=Sum("flagged"),
        rejected=Sum("rejected"), ratings=Sum("ratings"), rating_sum=Sum("rating_sum"))
    return {key: value or 0 for key, value in totals.items()}

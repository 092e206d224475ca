"""Pre-aggregated service figures (ServiceDay) and entitlement hours, for the
dashboard. refresh() recomputes one (day, village) cell from its orders after any
change to one of them; rebuild() recomputes a date range after bulk work."""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import transaction
from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.functions import Coalesce

from yiyang.services.choices import DELIVERED_STATUSES, OrderStatus, ReviewStatus, SchemeBasis
from yiyang.services.models import Entitlement, Order, Rating, ServiceDay
from yiyang.services.querysets import in_prefix

_FIGURES = {
    "orders": Count("id", filter=~Q(status=OrderStatus.CANCELLED)),
    "minutes": Coalesce(Sum("actual_minutes", filter=Q(status__in=DELIVERED_STATUSES)
                            & ~Q(review_status=ReviewStatus.REJECTED)), 0,
                        output_field=IntegerField()),
    "flagged": Count("id", filter=~Q(flags=0)),
    "rejected": Count("id", filter=Q(review_status=ReviewStatus.REJECTED)),
}


def rows(prefix: str, start: dt.date, end: dt.date):
    return in_prefix(ServiceDay.objects.filter(day__gte=start, day__lt=end), prefix)


def refresh(day: dt.date, region_code: str) -> None:
    """Recompute one cell (a village's day) from its orders and ratings."""
    figures = Order.objects.filter(service_date=day, region_code=region_code).aggregate(**_FIGURES)
    rated = Rating.objects.filter(order__service_date=day, order__region_code=region_code).aggregate(
        ratings=Count("id"), rating_sum=Coalesce(Sum("score"), 0))
    ServiceDay.objects.update_or_create(day=day, region_code=region_code,
                                        defaults={**figures, **rated})


def refresh_order(order: Order) -> None:
    transaction.on_commit(lambda: refresh(order.service_date, order.region_code))


@transaction.atomic
def rebuild(start: dt.date, end: dt.date) -> int:
    """Recompute every cell of [start, end); returns the number of cells."""
    ServiceDay.objects.filter(day__gte=start, day__lt=end).delete()
    cells: dict[tuple, dict] = {}
    grouped = (Order.objects.filter(service_date__gte=start, service_date__lt=end)
               .values("service_date", "region_code").annotate(**_FIGURES).order_by())
    for row in grouped:
        key = (row.pop("service_date"), row.pop("region_code"))
        cells[key] = {**row, "ratings": 0, "rating_sum": 0}
    rated = (Rating.objects.filter(order__service_date__gte=start, order__service_date__lt=end)
             .values("order__service_date", "order__region_code")
             .annotate(n=Count("id"), total=Sum("score")).order_by())
    for row in rated:
        key = (row["order__service_date"], row["order__region_code"])
        cell = cells.setdefault(key, {"orders": 0, "minutes": 0, "flagged": 0, "rejected": 0})
        cell.update(ratings=row["n"], rating_sum=row["total"])
    ServiceDay.objects.bulk_create(
        [ServiceDay(day=day, region_code=code, **figures) for (day, code), figures in cells.items()],
        batch_size=2000)
    return len(cells)


def month_fraction(start: dt.date, end: dt.date) -> float:
    """How many months [start, end) spans, counting part months by their days."""
    total, day = 0.0, start
    while day < end:
        days_in = calendar.monthrange(day.year, day.month)[1]
        month_end = day.replace(day=days_in) + dt.timedelta(days=1)
        stop = min(end, month_end)
        total += (stop - day).days / days_in
        day = stop
    return total


def entitled_hours(prefix: str, start: dt.date, end: dt.date) -> float:
    """Hours granted by hour-based schemes to the area's active entitlements."""
    quota = in_prefix(Entitlement.objects.filter(active=True, scheme__basis=SchemeBasis.HOURS,
                                                 scheme__active=True), prefix).aggregate(
        total=Sum("scheme__monthly_quota"))["total"] or 0
    return round(float(quota) * month_fraction(start, end), 1)

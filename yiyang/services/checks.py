"""The checks that catch paid hours that did not happen.

Each delivered visit is checked for: a check-in far from the elder's home (or
without a position), a visit much shorter than planned, an overlap with another
visit of the same caregiver, a caregiver without a valid certificate on the day,
and (in the monthly run) a missing confirmation. A flagged visit waits for a
bureau worker's review (accept or reject, with a reason).

visit_flags() checks one visit at check-out; run_checks() checks a period in a few
set-based UPDATEs (distance and minutes are stored at check-in/out, so no row is
computed in Python), leaving reviewed visits as the reviewer decided.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from yiyang.services.choices import DELIVERED_STATUSES, Flag, OrderStatus, ReviewStatus
from yiyang.services.conf import conf
from yiyang.services.models import Certificate, Order

UNREVIEWED = (ReviewStatus.NONE, ReviewStatus.PENDING)


def visit_flags(order: Order) -> int:
    """The flags of one checked-out visit (all but NOT_CONFIRMED)."""
    settings = conf()
    flags = 0
    if order.checkin_distance_m is None or order.checkin_distance_m > settings.checkin_max_m:
        flags |= Flag.FAR_CHECKIN
    if is_short(order.actual_minutes, order.planned_minutes):
        flags |= Flag.SHORT_VISIT
    if order.caregiver_id and _overlapping(order).exists():
        flags |= Flag.OVERLAP
    if order.caregiver_id and not has_valid_certificate(order.caregiver_id, order.service_date):
        flags |= Flag.CERTIFICATE
    return flags


def is_short(actual: int | None, planned: int) -> bool:
    return actual is not None and actual * 100 < planned * conf().short_visit_percent


def has_valid_certificate(caregiver_id: int, day: dt.date) -> bool:
    return Certificate.objects.filter(caregiver_id=caregiver_id, expires_on__gte=day).exists()


def _overlapping(order: Order):
    window = dt.timedelta(hours=conf().overlap_window_h)
    return Order.objects.filter(
        caregiver_id=order.caregiver_id, checkin_at__gte=order.checkin_at - window,
        checkin_at__lt=order.checkout_at, checkout_at__gt=order.checkin_at,
    ).exclude(pk=order.pk)


def review_status_for(flags: int, current: str) -> str:
    if current in (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED):
        return current
    return ReviewStatus.PENDING if flags else ReviewStatus.NONE


def run_checks(start: dt.date, end: dt.date, *, provider_id: int | None = None,
               now: dt.datetime | None = None) -> dict:
    """Check every delivered, unreviewed visit with a service date in [start, end).
    Returns {flag name: visits flagged, "pending": visits awaiting review}."""
    settings, now = conf(), now or timezone.now()
    visits = Order.objects.filter(service_date__gte=start, service_date__lt=end,
                                  status__in=DELIVERED_STATUSES, review_status__in=UNREVIEWED,
                                  settlement__isnull=True)
    if provider_id is not None:
        visits = visits.filter(provider_id=provider_id)
    visits.exclude(flags=0).update(flags=0)
    window = dt.timedelta(hours=settings.overlap_window_h)
    overlap = Order.objects.filter(
        caregiver_id=OuterRef("caregiver_id"), checkin_at__gte=OuterRef("checkin_at") - window,
        checkin_at__lt=OuterRef("checkout_at"), checkout_at__gt=OuterRef("checkin_at"),
    ).exclude(pk=OuterRef("pk"))
    certified = Certificate.objects.filter(caregiver_id=OuterRef("caregiver_id"),
                                           expires_on__gte=OuterRef("service_date"))
    conditions = {
        Flag.FAR_CHECKIN: Q(checkin_distance_m__isnull=True)
        | Q(checkin_distance_m__gt=settings.checkin_max_m),
        Flag.SHORT_VISIT: Q(actual_minutes__lt=F("planned_minutes") * settings.short_visit_percent / 100.0),
        Flag.OVERLAP: Q(Exists(overlap)),
        Flag.CERTIFICATE: Q(caregiver__isnull=False) & ~Q(Exists(certified)),
        Flag.NOT_CONFIRMED: Q(status=OrderStatus.DONE, confirmed_at__isnull=True,
                              checkout_at__lt=now - dt.timedelta(hours=settings.confirm_grace_h)),
    }
    found = {}
    for flag, condition in conditions.items():
        found[flag.name.lower()] = visits.filter(condition).update(flags=F("flags").bitor(flag.value))
    visits.filter(review_status=ReviewStatus.NONE).exclude(flags=0).update(
        review_status=ReviewStatus.PENDING)
    visits.filter(review_status=ReviewStatus.PENDING, flags=0).update(review_status=ReviewStatus.NONE)
    found["pending"] = visits.filter(review_status=ReviewStatus.PENDING).count()
    return found

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
from functools import reduce
from operator import or_

from django.db.models import Case, F, Max, Q, Value, When, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import Lead
from django.utils import timezone

from yiyang.services.choices import DELIVERED_STATUSES, Flag, OrderStatus, ReviewStatus
from yiyang.services.conf import conf
from yiyang.services.models import Caregiver, Certificate, Order

UNREVIEWED = (ReviewStatus.NONE, ReviewStatus.PENDING)
CHUNK = 500  # ids per IN (...) list


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
    """Check every delivered, unreviewed, unsettled visit with a service date in
    [start, end): one read computes the flags from stored values, one windowed read
    finds the overlaps, and only the visits whose flags change are written.
    Returns {flag name: visits flagged, "pending": visits awaiting review}."""
    now = now or timezone.now()
    # order_by(): the model's newest-first ordering would make each read a sort.
    visits = Order.objects.filter(service_date__gte=start, service_date__lt=end,
                                  status__in=DELIVERED_STATUSES, review_status__in=UNREVIEWED,
                                  settled__isnull=True).order_by()
    if provider_id is not None:
        visits = visits.filter(provider_id=provider_id)
    desired = dict(visits.annotate(found=_flags_expression(start, end, now)).filter(found__gt=0)
                   .values_list("pk", "found"))
    for pk in _candidates(visits, _overlapping_ids(start, end, provider_id)):
        desired[pk] = desired.get(pk, 0) | Flag.OVERLAP
    current = {pk: (flags, review) for pk, flags, review in visits.filter(
        Q(flags__gt=0) | Q(review_status=ReviewStatus.PENDING)).values_list("pk", "flags", "review_status")}
    _write(desired, current)
    found = {flag.name.lower(): sum(1 for v in desired.values() if v & flag) for flag in Flag}
    found["pending"] = len(desired)
    return found


def _flags_expression(start: dt.date, end: dt.date, now: dt.datetime):
    settings = conf()
    far = Q(checkin_distance_m__isnull=True) | Q(checkin_distance_m__gt=settings.checkin_max_m)
    short = Q(actual_minutes__lt=F("planned_minutes") * settings.short_visit_percent / 100.0)
    unconfirmed = Q(status=OrderStatus.DONE, confirmed_at__isnull=True,
                    checkout_at__lt=now - dt.timedelta(hours=settings.confirm_grace_h))
    terms = [(far, Flag.FAR_CHECKIN), (short, Flag.SHORT_VISIT), (unconfirmed, Flag.NOT_CONFIRMED)]
    uncertified = _uncertified(start, end)
    if uncertified is not None:
        terms.append((uncertified, Flag.CERTIFICATE))
    return sum((Case(When(q, then=Value(int(flag))), default=Value(0)) for q, flag in terms),
               start=Value(0))


def _uncertified(start: dt.date, end: dt.date) -> Q | None:
    """Visits on a day after their caregiver's last certificate expired (certificates
    are valid until their expiry), as one condition per distinct expiry date."""
    latest = dict(Certificate.objects.values("caregiver_id").annotate(last=Max("expires_on"))
                  .values_list("caregiver_id", "last"))
    by_expiry: dict[dt.date, list[int]] = {}
    for caregiver_id, last in latest.items():
        if last < end - dt.timedelta(days=1):
            by_expiry.setdefault(max(last, start - dt.timedelta(days=1)), []).append(caregiver_id)
    none = list(Caregiver.objects.exclude(pk__in=list(latest)).values_list("pk", flat=True))
    conditions = [Q(caregiver_id__in=ids, service_date__gt=last) for last, ids in by_expiry.items()]
    if none:
        conditions.append(Q(caregiver_id__in=none))
    return reduce(or_, conditions) if conditions else None


def _overlapping_ids(start: dt.date, end: dt.date, provider_id: int | None) -> set[int]:
    """Visits that overlap another of the same caregiver: in check-in order, one starts
    before an earlier one ended, or the next starts before it ends (window functions)."""
    window = dt.timedelta(hours=conf().overlap_window_h)
    zone = timezone.get_current_timezone()
    low = dt.datetime.combine(start, dt.time(), zone) - window
    high = dt.datetime.combine(end, dt.time(), zone) + window
    timed = Order.objects.filter(caregiver__isnull=False, checkin_at__gte=low, checkin_at__lt=high,
                                 checkout_at__isnull=False).order_by()
    if provider_id is not None:
        timed = timed.filter(provider_id=provider_id)
    order = [F("checkin_at").asc(), F("id").asc()]
    timed = timed.annotate(
        earlier_end=Window(Max("checkout_at"), partition_by=[F("caregiver_id")], order_by=order,
                           frame=RowRange(start=None, end=-1)),
        next_start=Window(Lead("checkin_at"), partition_by=[F("caregiver_id")], order_by=order),
    )
    return set(timed.filter(Q(checkin_at__lt=F("earlier_end")) | Q(next_start__lt=F("checkout_at")))
               .values_list("pk", flat=True))


def _candidates(visits, ids: set[int]) -> list[int]:
    found, ids = [], sorted(ids)
    for i in range(0, len(ids), CHUNK):
        found += list(visits.filter(pk__in=ids[i:i + CHUNK]).values_list("pk", flat=True))
    return found


def _write(desired: dict[int, int], current: dict[int, tuple]) -> None:
    """Write the flags (and awaiting review or not) of the visits where they changed."""
    changed: dict[int, list[int]] = {}
    for pk in set(desired) | set(current):
        value = desired.get(pk, 0)
        status = ReviewStatus.PENDING if value else ReviewStatus.NONE
        if current.get(pk, (0, ReviewStatus.NONE)) != (value, status):
            changed.setdefault(value, []).append(pk)
    for value, ids in changed.items():
        status = ReviewStatus.PENDING if value else ReviewStatus.NONE
        for i in range(0, len(ids), CHUNK):
            Order.objects.filter(pk__in=ids[i:i + CHUNK]).update(flags=value, review_status=status)

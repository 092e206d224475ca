"""Each check that catches paid hours that did not happen, at check-out and in the
monthly run, and the review that decides a flagged visit."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from tests.services.helpers import FAR, confirm, deliver, last_month_day, order, world_fixture  # noqa: F401
from yiyang.services import checks, services
from yiyang.services.choices import Flag, ReviewStatus
from yiyang.services.models import Order


def _month_checks(day):
    first = day.replace(day=1)
    return checks.run_checks(first, (first + dt.timedelta(days=32)).replace(day=1))


def test_a_far_or_positionless_check_in_is_flagged(world):
    far = deliver(world, order(world, on=last_month_day(3)), position=FAR)
    assert far.flags == Flag.FAR_CHECKIN
    o = services.assign_caregiver(services.accept_order(order(world, on=last_month_day(4)),
                                                        actor=world.users["provider"]),
                                  world.caregiver, actor=world.users["provider"])
    o = services.check_in(o, services.Position(), actor=world.users["caregiver"], at=o.window_start)
    o = services.check_out(o, services.Position(), actor=world.users["caregiver"],
                           at=o.window_start + dt.timedelta(minutes=60))
    assert o.checkin_distance_m is None and o.flags == Flag.FAR_CHECKIN


def test_a_much_shorter_visit_is_flagged(world):
    assert deliver(world, order(world), minutes=29).flags == Flag.SHORT_VISIT  # 60 planned, 50 %
    assert deliver(world, order(world, hour=13), minutes=30).flags == 0


def test_overlapping_visits_of_one_caregiver_are_flagged(world):
    first = deliver(world, order(world, hour=9), minutes=90)
    second = deliver(world, order(world, elder="b1", by="admin", hour=9),
                     at_start=first.checkin_at + dt.timedelta(minutes=30), minutes=60)
    assert first.flags == 0 and second.flags == Flag.OVERLAP
    _month_checks(first.service_date)
    assert set(Order.objects.values_list("flags", flat=True)) == {Flag.OVERLAP}


def test_a_visit_after_the_certificate_expired_is_flagged(world):
    o = services.assign_caregiver(services.accept_order(order(world), actor=world.users["provider"]),
                                  world.caregiver, actor=world.users["provider"])
    world.caregiver.certificates.update(expires_on=o.service_date - dt.timedelta(days=1))
    o = services.check_in(o, services.Position(36.1, 118.1), actor=world.users["caregiver"],
                          at=o.window_start)
    o = services.check_out(o, services.Position(36.1, 118.1), actor=world.users["caregiver"],
                           at=o.window_start + dt.timedelta(minutes=60))
    assert o.flags == Flag.CERTIFICATE and o.review_status == ReviewStatus.PENDING


def test_the_monthly_run_flags_a_missing_confirmation(world):
    day = last_month_day(5)
    unconfirmed = deliver(world, order(world, on=day))
    confirmed = confirm(world, deliver(world, order(world, on=day, hour=14)))
    found = _month_checks(day)
    unconfirmed.refresh_from_db()
    confirmed.refresh_from_db()
    assert unconfirmed.flags == Flag.NOT_CONFIRMED and unconfirmed.review_status == ReviewStatus.PENDING
    assert confirmed.flags == 0 and found["not_confirmed"] == 1 and found["pending"] == 1
    unconfirmed = confirm(world, unconfirmed)  # a late confirmation clears it
    assert unconfirmed.flags == 0 and unconfirmed.review_status == ReviewStatus.NONE


def test_a_bureau_worker_decides_a_flagged_visit_with_a_reason(world):
    o = deliver(world, order(world), minutes=10)
    with pytest.raises(services.InvalidOrder):
        services.review_visit(o, accept=False, reason=" ", actor=world.users["admin"])
    with pytest.raises(Http404):  # not a bureau decision
        services.review_visit(o, accept=True, reason="ok", actor=world.users["provider"])
    o = services.review_visit(o, accept=False, reason="未在老人家中", actor=world.users["admin"])
    assert o.review_status == ReviewStatus.REJECTED
    _month_checks(o.service_date)  # the monthly run keeps the decision
    o.refresh_from_db()
    assert o.review_status == ReviewStatus.REJECTED and o.review_reason == "未在老人家中"


def test_an_unflagged_visit_is_not_reviewed(world):
    o = deliver(world, order(world))
    with pytest.raises(services.InvalidOrder):
        services.review_visit(o, accept=True, reason="x", actor=world.users["admin"])
    assert timezone.now()

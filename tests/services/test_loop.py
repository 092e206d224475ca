"""The whole loop through the services, and the bad input each step refuses."""

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from tests.services.helpers import FAR, NEAR, deliver, order, window, world_fixture  # noqa: F401
from yiyang.core.models import AuditLog
from yiyang.services import notify, services
from yiyang.services.choices import Flag, OrderStatus, ReviewStatus


def test_it_runs_an_order_from_creation_to_confirmation(world):
    o = order(world, by="family", elder="a2", channel="family")
    assert o.status == OrderStatus.CREATED and o.total_amount == Decimal("80.00")
    assert o.planned_minutes == 60 and o.self_amount == Decimal("80.00")
    o = deliver(world, o)
    assert o.status == OrderStatus.DONE and o.actual_minutes == 60
    assert o.flags == 0 and o.review_status == ReviewStatus.NONE
    assert 0 < o.checkin_distance_m < 100
    masked = services.send_code(o, actor=world.users["caregiver"])
    assert masked.startswith("139")
    message = notify.last_to("13900001111")
    code = _code(message.text)
    with pytest.raises(services.InvalidOrder):
        services.confirm_with_code(o, f"{(int(code) + 1) % 1_000_000:06d}", actor=world.users["family"])
    o.refresh_from_db()
    assert o.code_attempts == 1
    o = services.confirm_with_code(o, code, actor=world.users["family"])
    assert o.status == OrderStatus.CONFIRMED and o.confirm_method == "code"
    rating = services.rate_order(o, 5, "很好", actor=world.users["family"])
    assert rating.provider == world.county.provider and rating.caregiver == world.caregiver
    assert AuditLog.objects.filter(object_type="services.order", object_id=str(o.pk)).count() >= 7


def _code(text: str) -> str:
    import re

    return re.search(r"\b(\d{6})\b", text).group(1)


def test_it_refuses_check_out_before_check_in(world):
    o = order(world)
    o = services.accept_order(o, actor=world.users["provider"])
    o = services.assign_caregiver(o, world.caregiver, actor=world.users["provider"])
    with pytest.raises(services.InvalidOrder) as refused:
        services.check_out(o, services.Position(*NEAR), actor=world.users["caregiver"])
    assert "status" in refused.value.errors
    start = o.window_start
    o = services.check_in(o, services.Position(*NEAR), actor=world.users["caregiver"], at=start)
    with pytest.raises(services.InvalidOrder) as refused:
        services.check_out(o, services.Position(*NEAR), actor=world.users["caregiver"],
                           at=start - dt.timedelta(minutes=1))
    assert "at" in refused.value.errors


def test_it_refuses_a_provider_that_does_not_serve_the_elders_area(world):
    with pytest.raises(services.InvalidOrder) as refused:
        order(world, elder="a1", provider=world.county.other_provider)  # serves town B only
    assert "provider" in refused.value.errors
    assert order(world, elder="b2", by="admin", provider=world.county.other_provider).pk


def test_it_refuses_an_elder_outside_the_orderers_reach(world):
    with pytest.raises(Http404):
        order(world, elder="b1", by="town")  # town A's worker, an elder of town B
    with pytest.raises(Http404):
        order(world, elder="a1", by="family")  # not granted to this family member


def test_it_refuses_bad_windows_and_items(world):
    start, end = window(1)
    data = services.OrderData(elder_id=world.elders["a1"].pk, provider_id=world.county.provider.pk,
                              window_start=end, window_end=start, lines=[services.Line(world.bath.pk)])
    with pytest.raises(services.InvalidOrder) as refused:
        services.create_order(data, actor=world.users["town"])
    assert "window_end" in refused.value.errors
    data.window_start, data.window_end = window(-2)
    with pytest.raises(services.InvalidOrder) as refused:
        services.create_order(data, actor=world.users["town"])
    assert "window_start" in refused.value.errors
    data.window_start, data.window_end, data.lines = *window(1), []
    with pytest.raises(services.InvalidOrder):
        services.create_order(data, actor=world.users["town"])


def test_a_caregiver_without_the_skill_or_certificate_is_not_assigned(world):
    o = services.accept_order(order(world), actor=world.users["provider"])
    with pytest.raises(services.InvalidOrder) as refused:
        services.assign_caregiver(o, world.other_caregiver, actor=world.users["provider"])
    assert "caregiver" in refused.value.errors
    world.caregiver.certificates.update(expires_on=dt.date(2000, 1, 1))
    with pytest.raises(services.InvalidOrder):
        services.assign_caregiver(o, world.caregiver, actor=world.users["provider"])


def test_cancelling_needs_a_reason_and_an_open_order(world):
    o = order(world)
    with pytest.raises(services.InvalidOrder):
        services.cancel_order(o, "", actor=world.users["town"])
    o = services.cancel_order(o, "老人住院", actor=world.users["town"])
    assert o.status == OrderStatus.CANCELLED and o.cancel_reason == "老人住院"
    with pytest.raises(services.InvalidOrder):
        services.accept_order(o, actor=world.users["provider"])


def test_another_provider_cannot_touch_the_order(world):
    from yiyang.core.testing import make_user

    o = order(world)
    stranger = make_user("other_admin", "provider_admin", "372025000000", world.county.other_provider)
    with pytest.raises(Http404):
        services.accept_order(o, actor=stranger)


def test_a_far_check_in_is_flagged_at_check_out(world):
    o = deliver(world, order(world), position=FAR)
    assert o.flags & Flag.FAR_CHECKIN and o.review_status == ReviewStatus.PENDING
    assert o.checkin_distance_m > 2000

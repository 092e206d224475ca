"""Changing an order before anyone sets out: priced and split again, sent back to the
provider when the services or the time change, refused once the caregiver is on the way."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.fixtures import api_fixture  # noqa: F401
from tests.services.helpers import order, scheme, window, world_fixture  # noqa: F401
from yiyang.core.models import AuditLog
from yiyang.services import services
from yiyang.services.choices import OrderStatus
from yiyang.services.services import InvalidOrder, Line, OrderChange


def _change(o, world, *, lines=None, day_offset=1, hour=9, note="", by="town"):
    start, end = window(day_offset, hour)
    return services.change_order(o, OrderChange(window_start=start, window_end=end, note=note,
                                                lines=lines or [Line(world.bath.pk)]),
                                 actor=world.users[by])


def _accepted_and_assigned(world, o):
    provider = world.users["provider"]
    o = services.accept_order(o, actor=provider)
    return services.assign_caregiver(o, world.caregiver, actor=provider)


def test_new_services_are_priced_split_and_sent_back_to_the_provider(world):
    scheme(world, quota=Decimal("1"), statuses=["dibao"])  # 李桂兰: 1 government-paid hour a month
    o = _accepted_and_assigned(world, order(world, elder="b1", by="admin", day_offset=1))
    assert (o.gov_amount, o.self_amount) == (Decimal(80), Decimal(0))
    changed = _change(o, world, by="admin", lines=[Line(world.bath.pk), Line(world.clean.pk, Decimal(2))])
    assert changed.total_amount == Decimal(160) and changed.hours == Decimal(3)
    # its own hour is given back before the split: 1 of 3 hours government-paid
    assert (changed.gov_hours, changed.gov_amount, changed.self_amount) == (
        Decimal(1), Decimal("53.33"), Decimal("106.67"))
    assert (changed.status, changed.caregiver_id, changed.accepted_at) == (OrderStatus.CREATED, None, None)
    assert sorted(changed.lines.values_list("item__code", "quantity")) == [
        ("ZJ01", Decimal("2.00")), ("ZY01", Decimal("1.00"))]
    entry = AuditLog.objects.filter(action="update", object_type="services.order").get()
    assert set(entry.changes) == {"items"}


def test_a_new_note_alone_leaves_the_order_with_its_caregiver(world):
    o = _accepted_and_assigned(world, order(world, day_offset=1))
    changed = _change(o, world, note="请带上防滑垫")
    assert (changed.status, changed.caregiver_id, changed.note) == (
        OrderStatus.ASSIGNED, world.caregiver.pk, "请带上防滑垫")


def test_a_new_day_moves_the_order(world):
    o = order(world, day_offset=1)
    changed = _change(o, world, day_offset=3, hour=14)
    assert changed.service_date == o.service_date + dt.timedelta(days=2)


def test_bad_changes_are_refused_and_write_nothing(world):
    o = order(world, day_offset=1)
    with pytest.raises(InvalidOrder) as refused:
        _change(o, world, day_offset=-1)
    assert "window_start" in refused.value.errors
    with pytest.raises(InvalidOrder) as refused:
        _change(o, world, lines=[Line(world.bath.pk), Line(world.bath.pk)])
    assert "items" in refused.value.errors
    o.refresh_from_db()
    assert o.lines.count() == 1 and o.status == OrderStatus.CREATED
    services.set_out(_accepted_and_assigned(world, o), actor=world.users["caregiver"])
    with pytest.raises(InvalidOrder) as refused:
        _change(o, world)
    assert "status" in refused.value.errors


def test_only_who_may_order_for_the_elder_changes_it(world):
    from django.http import Http404

    o = order(world, day_offset=1)
    for outsider in ("town_b", "provider", "caregiver"):
        with pytest.raises(Http404):
            _change(o, world, by=outsider)


def test_an_order_is_changed_through_the_api(world, api):
    o = order(world, day_offset=1)
    start, end = window(2, 15)
    body = {"window_start": start.isoformat(), "window_end": end.isoformat(),
            "items": [{"item": world.clean.pk, "quantity": "1.5"}], "note": "改到下午"}
    town = api(world.users["town"])
    changed = town.put(f"/services/orders/{o.pk}", body)
    assert changed.status_code == 200, changed.content
    assert changed.json()["total_amount"] == "60.00" and changed.json()["note"] == "改到下午"
    refused = town.put(f"/services/orders/{o.pk}", {**body, "items": []})
    assert refused.status_code == 400 and "items" in refused.json()["errors"]
    assert api(world.users["town_b"]).put(f"/services/orders/{o.pk}", body).status_code == 404

"""Settlement totals against a hand-computed month, entitlements running out, and a
visit settled only once."""

from decimal import Decimal

import pytest
from django.http import Http404

from tests.services.helpers import (  # noqa: F401
    FAR,
    confirm,
    deliver,
    last_month_day,
    order,
    scheme,
    world_fixture,
)
from yiyang.core.testing import COUNTY
from yiyang.services import services, settlement
from yiyang.services.choices import SettlementStatus
from yiyang.services.models import Order
from yiyang.services.services import Line


def _month(world):
    """A month by hand (the scheme: 4 government-paid hours a month for 低保 elders):

    1. 李桂兰 (低保) bath, 1 h, ¥80         → gov 1 h ¥80,  self ¥0    (3 h left)
    2. 李桂兰 cleaning 2 h at ¥40           → gov 2 h ¥80,  self ¥0    (1 h left)
    3. 李桂兰 cleaning 2 h                  → gov 1 h ¥40,  self ¥40   (0 h left)
    4. 李桂兰 bath                          → gov 0,        self ¥80   (ran out)
    5. 王秀英 (no entitlement) bath          → self ¥80
    6. 王秀英 bath, checked in 2 km away, rejected on review: not paid, listed
    7. 王秀英 bath, cancelled: nothing
    Paid: 5 visits, 7 h, gov ¥200, self ¥280 − ¥80 = ¥200 … i.e. gov 200, self 200.
    """
    scheme(world, quota=Decimal("4"), statuses=["dibao"])
    admin = world.users["admin"]
    clean = [Line(world.clean.pk, Decimal(2))]
    plan = [("b1", None, 8), ("b1", clean, 9), ("b1", clean, 10), ("b1", None, 11), ("a1", None, 12)]
    orders = []
    for elder, items, day in plan:
        o = order(world, elder=elder, by="admin", items=items, on=last_month_day(day))
        orders.append(confirm(world, deliver(world, o, minutes=120 if items else 60)))
    rejected = deliver(world, order(world, on=last_month_day(13)), position=FAR)
    services.review_visit(rejected, accept=False, reason="签到位置距老人家2公里", actor=admin)
    services.cancel_order(order(world, on=last_month_day(14)), "老人住院", actor=admin)
    return orders, rejected


def test_it_settles_a_month_as_computed_by_hand(world):
    orders, rejected = _month(world)
    assert [o.gov_amount for o in orders] == [Decimal(80), Decimal(80), Decimal(40), Decimal(0), Decimal(0)]
    assert [o.self_amount for o in orders] == [Decimal(0), Decimal(0), Decimal(40), Decimal(80), Decimal(80)]
    county = world.county.regions[COUNTY]
    made = settlement.generate_month(county, last_month_day(1), actor=world.users["admin"])
    assert len(made) == 1
    s = made[0]
    assert (s.visits, s.hours, s.gov_amount, s.self_amount, s.rejected) == (
        5, Decimal(7), Decimal(200), Decimal(200), 1)
    settled = set(Order.objects.filter(settled__settlement=s).values_list("pk", flat=True))
    assert settled == {o.pk for o in orders}
    from yiyang.services import exports

    rows = exports.settlement_rows(s)
    assert [o.pk for o in rows["rejected"]] == [rejected.pk]


def test_a_visit_is_settled_only_once(world):
    _month(world)
    county, admin = world.county.regions[COUNTY], world.users["admin"]
    first = settlement.generate_month(county, last_month_day(1), actor=admin)[0]
    again = settlement.generate_month(county, last_month_day(1), actor=admin)[0]
    assert again.pk == first.pk and again.visits == 5 and again.gov_amount == Decimal(200)
    approved = settlement.approve_settlement(again, actor=admin)
    assert approved.status == SettlementStatus.APPROVED
    with pytest.raises(services.InvalidOrder):
        settlement.approve_settlement(approved, actor=admin)
    with pytest.raises(services.InvalidOrder):
        settlement.generate_settlement(world.county.provider, county, last_month_day(1), actor=admin)
    assert settlement.generate_month(county, last_month_day(1), actor=admin) == []  # locked: left alone
    assert Order.objects.filter(settled__settlement=approved).count() == 5


def test_approval_waits_for_the_review_of_flagged_visits(world):
    o = confirm(world, deliver(world, order(world, on=last_month_day(2)), minutes=5))
    county, admin = world.county.regions[COUNTY], world.users["admin"]
    s = settlement.generate_month(county, last_month_day(1), actor=admin)[0]
    assert s.visits == 0
    with pytest.raises(services.InvalidOrder) as refused:
        settlement.approve_settlement(s, actor=admin)
    assert "1" in str(refused.value)
    services.review_visit(o, accept=True, reason="回访确认", actor=admin)
    with pytest.raises(services.InvalidOrder):  # accepted now, but not in the draft yet
        settlement.approve_settlement(s, actor=admin)
    s = settlement.generate_settlement(world.county.provider, county, last_month_day(1), actor=admin)
    assert s.visits == 1 and settlement.approve_settlement(s, actor=admin).is_locked
    with pytest.raises(services.InvalidOrder):  # the review cannot change a settled visit
        services.review_visit(o, accept=False, reason="改主意", actor=admin)


def test_only_the_bureau_settles(world):
    with pytest.raises(Http404):
        settlement.generate_month(world.county.regions[COUNTY], last_month_day(1),
                                  actor=world.users["provider"])


def test_the_settlement_page_generates_the_month_in_the_background(
        world, client, django_capture_on_commit_callbacks):
    _month(world)
    client.force_login(world.users["admin"])
    month = last_month_day(1).strftime("%Y-%m")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/services/settlements/", {"month": month}).status_code == 302
    run = settlement.recent_runs(world.users["admin"])[0]
    assert (run.status, run.result) == ("succeeded", {"month": month, "settlements": 1})
    page = client.get("/services/settlements/").content.decode()
    assert "已生成 1 张结算单" in page and 'data-testid="settlement-row"' in page


def test_a_month_already_being_settled_is_not_queued_twice(world):
    admin, county = world.users["admin"], world.county.regions[COUNTY]
    first = settlement.submit_month(county, last_month_day(5), actor=admin)  # on_commit: not run yet
    assert settlement.submit_month(county, last_month_day(20), actor=admin) == first
    with pytest.raises(Http404):
        settlement.submit_month(county, last_month_day(5), actor=world.users["provider"])

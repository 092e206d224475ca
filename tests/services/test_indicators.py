"""The dashboard contract: yiyang.services.indicators' two functions and their keys."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tests.services.helpers import deliver, order, scheme, world_fixture  # noqa: F401
from yiyang.core.testing import COUNTY, TOWN_A, TOWN_B
from yiyang.services import indicators, services, stats

KEYS = {"orders", "orders_previous", "hours", "hours_previous", "entitled_hours", "visits_flagged",
        "visits_rejected", "satisfaction", "ratings"}


def test_it_gives_the_dashboard_its_figures(world, django_capture_on_commit_callbacks):
    scheme(world, quota=Decimal(30), statuses=["dibao"])  # one elder entitled to 30 h a month
    with django_capture_on_commit_callbacks(execute=True):
        done = deliver(world, order(world), minutes=90)
        services.rate_order(done, 4, actor=world.users["town"])
        short = deliver(world, order(world, hour=14), minutes=10)
        order(world, elder="b1", by="admin", hour=16)
        services.review_visit(short, accept=False, reason="时长不足", actor=world.users["admin"])
    today = timezone.localdate()
    start, end = today.replace(day=1), today + dt.timedelta(days=1)
    figures = indicators.dashboard_figures(COUNTY, start, end)
    assert KEYS <= set(figures)
    assert figures["orders"] == 3 and figures["hours"] == 1.5  # the rejected visit does not count
    assert figures["visits_flagged"] == 1 and figures["visits_rejected"] == 1
    assert figures["ratings"] == 1 and figures["satisfaction"] == 4
    assert figures["orders_previous"] == 0
    assert figures["entitled_hours"] == round(30 * stats.month_fraction(start, end), 1)
    children = indicators.figures_by_child(COUNTY, start, end)
    assert children[TOWN_A] == {"orders": 2, "hours": 1.5} and children[TOWN_B]["orders"] == 1
    assert indicators.dashboard_figures(TOWN_B, start, end)["orders"] == 1
    stats.rebuild(start, end)  # the bulk path gives the same figures
    assert indicators.dashboard_figures(COUNTY, start, end) == figures


def test_it_answers_for_an_empty_region(world):
    figures = indicators.dashboard_figures(COUNTY, dt.date(2020, 1, 1), dt.date(2020, 2, 1))
    assert figures["orders"] == 0 and figures["satisfaction"] is None

"""The dashboard contract with the services and alarms apps: their real indicators
modules, fed through their own services, reach the dashboard's JSON and its ranked
table unchanged; a missing module is "no data", never zeros."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.fixtures import county_fixture  # noqa: F401
from yiyang.core.models import Region
from yiyang.core.testing import COUNTY, TOWN_A, TOWN_B
from yiyang.dashboard import indicators, periods, queries

services_helpers = pytest.importorskip("tests.services.helpers")
alarms_helpers = pytest.importorskip("tests.alarms.helpers")
world_fixture = services_helpers.world_fixture


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _by_code(rows):
    return {row["code"]: row for row in rows}


def test_it_shows_the_services_figures_of_the_period(world, django_capture_on_commit_callbacks):
    from yiyang.services import services

    helpers = services_helpers
    with django_capture_on_commit_callbacks(execute=True):
        done = helpers.deliver(world, helpers.order(world), minutes=90)
        services.rate_order(done, 5, actor=world.users["town"])
        helpers.order(world, elder="b1", by="admin", hour=16)
    period = periods.current()
    data = queries.dashboard(Region.objects.get(code=COUNTY), period)
    direct = indicators.figures("services", COUNTY, period.start, period.end)
    assert set(indicators.SERVICE_KEYS) <= set(data["services"])
    assert data["services"] == direct
    assert data["services"]["orders"] == 2 and data["services"]["satisfaction"] == 5
    rows = _by_code(data["children"])
    assert (rows[TOWN_A]["orders"], rows[TOWN_A]["hours"]) == (1, 1.5)
    assert rows[TOWN_B]["orders"] == 1
    town = queries.dashboard(Region.objects.get(code=TOWN_B), period)
    assert town["services"]["orders"] == 1


def test_it_shows_the_alarms_figures(county, client, django_capture_on_commit_callbacks):
    from yiyang.alarms import services as alarm_services
    from yiyang.alarms.models import Alarm

    helpers = alarms_helpers
    device, key = helpers.make_device(county, elder="a1")
    helpers.make_device(county, elder="b1", kind="smoke")
    with django_capture_on_commit_callbacks(execute=True):
        assert helpers.post_event(client, key, helpers.event("sos")).status_code in (200, 201, 202)
    alarm = Alarm.objects.get()
    alarm_services.acknowledge(alarm.pk, actor=county.users["admin"])
    period = periods.current()
    data = queries.dashboard(Region.objects.get(code=COUNTY), period)
    alarms = data["alarms"]
    assert set(indicators.ALARM_KEYS) <= set(alarms)
    assert alarms == indicators.figures("alarms", COUNTY, period.start, period.end)
    assert alarms["alarms_period"] == 1 and sum(alarms["alarms_today_by_type"].values()) == 1
    assert alarms["devices_total"] == 2
    assert alarms["ack_within_60s_share"] == 1.0
    rows = _by_code(data["children"])
    assert rows[TOWN_A]["alarms"] == 1 and rows[TOWN_B]["alarms"] == 0


def test_a_module_that_does_not_exist_is_no_data(county):
    today = timezone.localdate()
    assert indicators.module_of("planning") is None
    assert indicators.figures("planning", COUNTY, today, today) is None
    assert indicators.by_child("planning", COUNTY, today, today) is None

"""Offline devices become work items (not alarms); quiet homes of elders living alone
raise a low-priority alarm once per quiet spell; the figures and the dashboard contract."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.alarms.helpers import event, make_device, post_event
from tests.fixtures import county_fixture  # noqa: F401
from yiyang.alarms import conf, indicators, monitoring, services
from yiyang.alarms.heartbeats import buffer
from yiyang.alarms.models import Alarm, Device, DeviceWorkItem
from yiyang.core.testing import COUNTY, TOWN_A

pytestmark = pytest.mark.django_db


def test_a_silent_device_goes_offline_with_a_work_item_and_comes_back(county):
    device, _ = make_device(county)
    long_ago = timezone.now() - dt.timedelta(seconds=2 * conf.HEARTBEAT_INTERVAL_S + 5)
    Device.objects.filter(pk=device.pk).update(last_seen_at=long_ago)
    assert monitoring.mark_offline() == 1
    assert monitoring.mark_offline() == 0
    device.refresh_from_db()
    assert device.status == "offline" and Alarm.objects.count() == 0
    item = DeviceWorkItem.objects.get()
    assert (item.kind, item.status, item.region_id) == ("offline", "open", device.region_id)
    buffer.note(device.pk, timezone.now())
    buffer.flush()
    device.refresh_from_db()
    assert device.status == "active"
    assert monitoring.close_back_online() == 1
    assert DeviceWorkItem.objects.get().status == "done"


def test_daytime_hours_skip_the_night():
    tz = timezone.get_current_timezone()
    evening = dt.datetime(2026, 3, 2, 20, 0, tzinfo=tz)
    assert monitoring.daytime_hours_between(evening, evening.replace(day=3, hour=9)) == pytest.approx(3)


def test_a_quiet_home_of_an_elder_living_alone_raises_one_low_priority_alarm(county, client):
    alone, _ = make_device(county, elder="a2", kind="motion")  # 张建国 lives alone
    with_family, _ = make_device(county, elder="a1", kind="motion")
    now = timezone.localtime().replace(hour=15, minute=0)
    quiet_since = now.replace(hour=8)
    Device.objects.filter(pk__in=[alone.pk, with_family.pk]).update(last_motion_at=quiet_since)
    assert monitoring.quiet_homes(now) == 1
    alarm = Alarm.objects.get()
    assert (alarm.type, alarm.priority, alarm.elder_id) == ("inactivity", 3, alone.elder_id)
    assert monitoring.quiet_homes(now + dt.timedelta(minutes=5)) == 0


def test_figures_and_the_dashboard_contract(county, client):
    _, key = make_device(county)
    _, key_b = make_device(county, elder="b1")
    first = post_event(client, key, event("sos")).json()["alarm"]
    post_event(client, key_b, event("smoke"))
    operator = county.users["operator"]
    services.acknowledge(first, actor=operator)
    services.close_alarm(first, actor=operator, outcome="false_alarm", note="误按")
    today = timezone.localdate()
    figures = indicators.dashboard_figures(COUNTY, today, today + dt.timedelta(days=1))
    assert figures["alarms_period"] == 2 and figures["open_alarms"] == 1
    assert figures["alarms_today_by_type"] == {"sos": 1, "smoke": 1}
    assert figures["alarms_period_by_type"] == {"sos": 1, "smoke": 1}
    assert set(figures["type_labels"]) >= {"sos", "smoke", "inactivity"}
    assert figures["ack_median_s"] is not None and 0 <= figures["ack_within_60s_share"] <= 1
    assert (figures["devices_total"], figures["devices_online"], figures["devices_offline"]) == (2, 2, 0)
    town = indicators.dashboard_figures(TOWN_A, today, today + dt.timedelta(days=1))
    assert town["alarms_period"] == 1 and town["false_alarm_rate"] == 1.0
    children = indicators.figures_by_child(COUNTY, today, today + dt.timedelta(days=1))
    assert children == {TOWN_A: {"alarms": 1, "devices_offline": 0},
                        "372025101000": {"alarms": 1, "devices_offline": 0}}
    assert indicators.dashboard_figures("999999999999", today, today) is None

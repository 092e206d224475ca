"""The demo data: devices in homes of elders living alone, whose demo keys the
simulator can use, neighbours, the ladder and a month of handled alarms."""

from __future__ import annotations

import pytest

from tests.alarms.helpers import event, post_event
from tests.fixtures import county_fixture  # noqa: F401
from yiyang.alarms import credentials, demo
from yiyang.alarms.models import Alarm, Device, EscalationLadder

pytestmark = pytest.mark.django_db


def test_populate_equips_homes_of_elders_living_alone(county, client):
    lines = []
    demo.populate(log=lines.append)
    devices = Device.objects.all()
    assert devices.exists() and {d.elder_id for d in devices} == {county.elders["a2"].pk}
    assert county.elders["a2"].contacts.filter(relation="neighbour").count() == 1
    assert EscalationLadder.objects.get().supervisor_phone == "13800138000"
    assert Alarm.objects.filter(status="closed").count() == 600
    button = devices.get(kind="call_button")
    response = post_event(client, credentials.demo_key(button.serial), event("sos"))
    assert response.status_code == 200 and response.json()["alarm"]
    assert "devices" in lines[0]

"""The console's WebSocket and pages: pushes and re-sync within the operator's scope
only, the matrix of who may open what, the elder card's audited reveal, the API."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from tests.alarms.helpers import event, make_device, post_event, town_b_operator
from tests.fixtures import api_fixture, county_fixture  # noqa: F401
from yiyang.alarms import services
from yiyang.alarms.consumers import AlarmConsoleConsumer
from yiyang.alarms.models import Alarm
from yiyang.core.models import AuditLog


async def _connect(user):
    communicator = WebsocketCommunicator(AlarmConsoleConsumer.as_asgi(), "/ws/alarms/")
    communicator.scope["user"] = user
    connected, code = await communicator.connect()
    return communicator, connected, code


async def _console_flow(operator, other, anonymous, raise_alarm):
    mine, ok, _ = await _connect(operator)
    theirs, ok_b, _ = await _connect(other)
    assert ok and ok_b
    _, refused, code = await _connect(anonymous)
    assert not refused and code == 4403
    await mine.send_json_to({"type": "sync"})
    first = await mine.receive_json_from(5)
    assert first["type"] == "sync" and first["full"] and first["alarms"] == []
    alarm_id = await raise_alarm()
    pushed = await mine.receive_json_from(5)
    assert pushed["type"] == "alarms" and [a["id"] for a in pushed["alarms"]] == [alarm_id]
    assert pushed["alarms"][0]["elder"] == "王秀英" and pushed["alarms"][0]["status"] == "open"
    assert await theirs.receive_nothing(0.3)  # another town's operator: nothing
    await mine.send_json_to({"type": "sync", "since": first["watermark"]})
    resync = await mine.receive_json_from(5)
    assert [pk for pk, _seq in resync["changes"]] == [alarm_id] and resync["alarms"] == []
    await mine.send_json_to({"type": "fetch", "ids": [alarm_id]})
    assert [a["id"] for a in (await mine.receive_json_from(5))["alarms"]] == [alarm_id]
    await theirs.send_json_to({"type": "fetch", "ids": [alarm_id]})
    assert (await theirs.receive_json_from(5))["alarms"] == []  # outside their scope
    await theirs.send_json_to({"type": "sync"})
    assert (await theirs.receive_json_from(5))["alarms"] == []
    await mine.disconnect()
    await theirs.disconnect()


@pytest.mark.django_db(transaction=True)
def test_the_console_gets_pushes_and_resyncs_within_scope(county, client):
    from channels.db import database_sync_to_async
    from django.contrib.auth.models import AnonymousUser

    _, key = make_device(county)
    other = town_b_operator()

    @database_sync_to_async
    def raise_alarm():
        return post_event(client, key, event("sos")).json()["alarm"]

    async_to_sync(_console_flow)(county.users["operator"], other, AnonymousUser(), raise_alarm)


@pytest.mark.django_db
def test_who_may_open_the_console_and_the_card(county, client):
    _, key = make_device(county)
    alarm_id = post_event(client, key, event("sos")).json()["alarm"]
    assert client.get("/alarms/").status_code == 302  # anonymous: to the login page
    for username, status in (("operator", 200), ("admin", 200), ("caregiver", 404), ("family", 404)):
        client.force_login(county.users[username])
        assert client.get("/alarms/").status_code == status, username
    client.force_login(county.users["town"])  # manages devices, handles no alarms
    assert client.get("/alarms/").url == "/alarms/devices/"
    assert client.get(f"/alarms/{alarm_id}/card/").status_code == 404
    client.force_login(town_b_operator())
    assert client.get(f"/alarms/{alarm_id}/card/").status_code == 404
    assert client.post(f"/alarms/{alarm_id}/acknowledge/").status_code == 404
    client.force_login(county.users["operator"])
    card = client.get(f"/alarms/{alarm_id}/card/").content.decode()
    assert "13812345678" in card and "13900001111" in card  # revealed for this purpose
    assert AuditLog.objects.filter(action="reveal", detail__startswith=f"alarm #{alarm_id}").count() == 1
    timeline = client.post(f"/alarms/{alarm_id}/acknowledge/").content.decode()
    assert 'data-status="acknowledged"' in timeline
    again = client.post(f"/alarms/{alarm_id}/acknowledge/").content.decode()
    assert 'data-testid="action-error"' in again
    bad = client.post(f"/alarms/{alarm_id}/close/", {"close-outcome": "", "close-note": ""}).content.decode()
    assert 'data-testid="close-error"' in bad
    client.post(f"/alarms/{alarm_id}/close/", {"close-outcome": "resolved_by_phone", "close-note": "已通话"})
    assert Alarm.objects.get(pk=alarm_id).outcome == "resolved_by_phone"


@pytest.mark.django_db
def test_the_api_lists_acknowledges_closes_and_counts(county, api, client):
    _, key = make_device(county)
    alarm_id = post_event(client, key, event("fall")).json()["alarm"]
    operator = api(county.users["operator"])
    assert [a["id"] for a in operator.get("/alarms").json()] == [alarm_id]
    assert api(town_b_operator()).get("/alarms").json() == []
    assert api(town_b_operator()).get(f"/alarms/{alarm_id}").status_code == 404
    assert operator.post(f"/alarms/{alarm_id}/acknowledge").json()["status"] == "acknowledged"
    assert operator.post(f"/alarms/{alarm_id}/acknowledge").status_code == 409
    assert operator.post(f"/alarms/{alarm_id}/close", {"outcome": "nope", "note": ""}).status_code == 400
    closed = operator.post(f"/alarms/{alarm_id}/close", {"outcome": "ambulance", "note": "120"})
    assert closed.json()["status"] == "closed"
    figures = operator.get("/alarms/figures").json()
    assert figures["alarms"] == 1 and figures["by_outcome"] == {"ambulance": 1}
    assert figures["operators"][0]["name"] == "operator"
    assert len(operator.get("/devices").json()) == 1
    assert api(county.users["town"]).get("/alarms").status_code == 404


@pytest.mark.django_db
def test_device_pages_and_a_new_credential(county, client):
    device, old_key = make_device(county)
    client.force_login(county.users["town"])
    assert "SN" in client.get("/alarms/devices/").content.decode()
    assert client.get(f"/alarms/devices/{device.pk}/").status_code == 200
    client.post(f"/alarms/devices/{device.pk}/credential/")
    page = client.get(f"/alarms/devices/{device.pk}/").content.decode()
    assert 'data-testid="device-key"' in page
    assert post_event(client, old_key, event("sos")).status_code == 401
    client.force_login(county.users["town_b"])
    assert client.get(f"/alarms/devices/{device.pk}/").status_code == 404
    services.retire_device(device.pk, actor=county.users["admin"])

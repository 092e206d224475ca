"""Device events over HTTP: stored before the answer, idempotent on the device's event
id, repeated events joining the open alarm, and every bad request a counted 4xx."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from asgiref.testing import ApplicationCommunicator
from django.utils import timezone

from tests.alarms.helpers import event, make_device, post_event
from tests.fixtures import county_fixture  # noqa: F401
from yiyang.alarms import intake
from yiyang.alarms.asgi_intake import device_events
from yiyang.alarms.choices import AlarmStatus
from yiyang.alarms.constants import MAX_BODY_BYTES
from yiyang.alarms.heartbeats import buffer
from yiyang.alarms.models import Alarm, AlarmActivity, DeviceEvent, EscalationTimer, IntakeRejection

pytestmark = pytest.mark.django_db


def test_it_stores_an_sos_as_an_alarm_with_its_first_timer(county, client):
    device, key = make_device(county)
    response = post_event(client, key,
                          event("sos", "e-1", battery=80, location={"lat": 36.1, "lon": 117.2}))
    assert response.status_code == 200
    body = response.json()
    alarm = Alarm.objects.get()
    assert body == {"status": "stored", "event": DeviceEvent.objects.get().pk, "alarm": alarm.pk}
    assert (alarm.type, alarm.priority, alarm.status, alarm.elder_id) == ("sos", 1, "open", device.elder_id)
    assert alarm.seq == AlarmActivity.objects.get(alarm=alarm).pk
    assert EscalationTimer.objects.get(alarm=alarm).step == 1
    buffer.flush()  # an event is a sign of life, written with the heartbeats
    device.refresh_from_db()
    assert device.battery == 80 and device.last_seen_at is not None
    again = post_event(client, key, event("sos", "e-1", battery=80))
    assert again.status_code == 200 and again.json() == body
    assert DeviceEvent.objects.count() == 1 and Alarm.objects.count() == 1


def test_it_joins_repeated_events_to_the_open_alarm(county, client):
    _, key = make_device(county)
    first = post_event(client, key, event("sos")).json()
    second = post_event(client, key, event("sos")).json()
    assert first["alarm"] == second["alarm"]
    alarm = Alarm.objects.get()
    assert alarm.event_count == 2 and DeviceEvent.objects.count() == 2
    fall = post_event(client, key, event("fall")).json()
    assert fall["alarm"] != first["alarm"]


def test_a_closed_alarm_lets_the_next_event_open_a_new_one(county, client):
    _, key = make_device(county)
    first = post_event(client, key, event("sos")).json()["alarm"]
    Alarm.objects.filter(pk=first).update(status=AlarmStatus.CLOSED)
    assert post_event(client, key, event("sos")).json()["alarm"] != first


def test_events_that_need_no_person_raise_no_alarm(county, client):
    _, key = make_device(county, kind="door")
    day = timezone.localtime().replace(hour=12, minute=0)
    night = timezone.localtime().replace(hour=2, minute=30)
    for moment in (day, night):
        if moment > timezone.now():
            moment -= dt.timedelta(days=1)
        post_event(client, key, event("door_open", occurred_at=moment.isoformat()))
    assert list(Alarm.objects.values_list("type", flat=True)) == ["door_night"]
    post_event(client, key, event("low_battery", battery=9))
    assert Alarm.objects.count() == 1
    assert county.elders["a1"].devices.get().work_items.get().kind == "low_battery"


def test_heartbeats_touch_the_device_but_store_no_row(county, client):
    device, key = make_device(county)
    buffer.flush()  # what earlier tests left
    assert post_event(client, key, event("heartbeat", battery=55, signal=-70)).json() == {"status": "ok"}
    assert buffer.flush() == 1
    device.refresh_from_db()
    assert (device.battery, device.signal) == (55, -70) and device.last_seen_at is not None
    assert DeviceEvent.objects.count() == 0


BAD = [
    ("no credential", None, event(), 401, "no_credential"),
    ("wrong credential", "yyd_not-a-real-key", event(), 401, "bad_credential"),
    ("unknown type", "KEY", event("explosion"), 422, "unknown_type"),
    ("time in the future", "KEY", event(occurred_at=(timezone.now() + dt.timedelta(hours=2)).isoformat()),
     422, "future_time"),
    ("time without offset", "KEY", event(occurred_at="2026-01-01T10:00:00"), 400, "invalid_time"),
    ("huge body", "KEY", json.dumps(event(extra={"x": "a" * MAX_BODY_BYTES})), 413, "too_large"),
    ("invalid JSON", "KEY", b'{"event_id": "x", ', 400, "invalid_json"),
    ("not an object", "KEY", b"[1, 2]", 400, "invalid_json"),
    ("no event id", "KEY", {"type": "sos", "occurred_at": timezone.now().isoformat()}, 400,
     "invalid_event_id"),
    ("battery out of range", "KEY", event(battery=300), 400, "invalid_battery"),
]


@pytest.mark.parametrize(("case", "key", "body", "status", "reason"), BAD, ids=[b[0] for b in BAD])
def test_it_refuses_bad_events_with_a_4xx_and_counts_them(county, client, case, key, body, status, reason):
    _, real_key = make_device(county)
    intake.flush_rejections()  # what earlier tests in this process left in the buffer
    before = IntakeRejection.objects.filter(reason=reason).values_list("count", flat=True).first() or 0
    response = post_event(client, real_key if key == "KEY" else key, body)
    assert response.status_code == status
    assert response.json()["error"] == reason
    assert DeviceEvent.objects.count() == 0 and Alarm.objects.count() == 0
    intake.flush_rejections()
    assert IntakeRejection.objects.get(reason=reason).count == before + 1


def test_a_wrong_scheme_is_refused(county, client):
    _, key = make_device(county)
    assert post_event(client, key, event(), scheme="Bearer").status_code == 401


async def _call_intake(key: str, body: bytes, method: str = "POST") -> tuple[int, dict]:
    scope = {"type": "http", "method": method, "path": "/api/v1/device-events",
             "headers": [(b"authorization", f"Device {key}".encode())]}
    app = ApplicationCommunicator(device_events, scope)
    await app.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await app.receive_output(5)
    payload = await app.receive_output(5)
    return start["status"], json.loads(payload["body"])


@pytest.mark.django_db(transaction=True)
def test_the_asgi_route_is_the_same_pipeline(county):
    from asgiref.sync import async_to_sync

    _, key = make_device(county)
    status, body = async_to_sync(_call_intake)(key, json.dumps(event("gas", "g-1")).encode())
    assert status == 200 and body["alarm"] == Alarm.objects.get(type="gas").pk
    assert async_to_sync(_call_intake)(key, json.dumps(event("gas", "g-1")).encode()) == (200, body)
    status, body = async_to_sync(_call_intake)(key, b"x" * (MAX_BODY_BYTES + 10))
    assert (status, body["error"]) == (413, "too_large")
    status, _ = async_to_sync(_call_intake)(key, b"", method="GET")
    assert status == 405
    assert DeviceEvent.objects.count() == 1


def test_a_batch_stores_each_event_once_and_answers_each(county):
    from yiyang.alarms.asgi_intake import _receive_batch

    _, key = make_device(county)
    sos = json.dumps(event("sos", "b-1")).encode()
    results = _receive_batch([(f"Device {key}", sos), (f"Device {key}", sos),
                              (f"Device {key}", b"{not json"), ("Device yyd_nope", sos)])
    assert [r.status for r in results] == [200, 200, 400, 401]
    assert results[0].body == results[1].body and len(results[0].pushes) == 1
    assert not results[1].pushes
    assert DeviceEvent.objects.count() == 1 and Alarm.objects.count() == 1

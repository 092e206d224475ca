"""A batch of device events stored together (group commit; on PostgreSQL one call to
the intake function): the same rows, answers and pushes as one by one."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError

from tests.alarms.helpers import event, make_device
from tests.fixtures import county_fixture  # noqa: F401
from yiyang.alarms import events, intake
from yiyang.alarms.asgi_intake import _receive_batch
from yiyang.alarms.models import Alarm, AlarmActivity, DeviceEvent, EscalationTimer

pytestmark = pytest.mark.django_db


def _request(key: str, body: dict) -> tuple[str, bytes]:
    return f"Device {key}", json.dumps(body).encode()


def _summary(pk: int) -> dict:
    return events.summary(Alarm.objects.select_related("elder", "region", "acknowledged_by").get(pk=pk))


def test_a_batch_opens_joins_and_answers_resends_like_single_events(county):
    button, button_key = make_device(county, elder="a1")
    smoke, smoke_key = make_device(county, elder="a1", kind="smoke")
    other, other_key = make_device(county, elder="a2")
    first = [_request(button_key, event("sos", "s-1")), _request(smoke_key, event("sos", "s-2")),
             _request(other_key, event("fall", "f-1")), _request(smoke_key, event("motion", "m-1")),
             _request(other_key, event("heartbeat"))]
    results = _receive_batch(first)
    assert [r.status for r in results] == [200] * 5
    sos_pk = results[0].body["alarm"]
    # the elder's second SOS (another device of the same home) joined the first
    assert results[1].body["alarm"] == sos_pk and results[2].body["alarm"] != sos_pk
    assert results[3].body == {"status": "stored", "event": results[3].body["event"], "alarm": None}
    assert results[4].body == {"status": "ok"}
    sos = Alarm.objects.get(pk=sos_pk)
    assert sos.event_count == 2 and sos.seq == AlarmActivity.objects.filter(alarm=sos).latest("id").pk
    assert EscalationTimer.objects.filter(alarm=sos).count() == 1
    assert DeviceEvent.objects.filter(alarm=sos).count() == 2
    # what the consoles were sent is what they would load from the database
    assert results[1].pushes == [_summary(sos_pk)]
    assert results[2].pushes == [_summary(results[2].body["alarm"])]
    assert results[0].pushes[0]["events"] == 1 and results[0].pushes[0]["seq"] < sos.seq
    assert _last_motion(smoke.pk) is not None  # a motion event in a batch still counts

    again = _receive_batch([first[1], _request(button_key, event("sos", "s-3"))])
    assert again[0].body == results[1].body and not again[0].pushes
    assert again[1].body["alarm"] == sos_pk and again[1].pushes[0]["events"] == 3
    assert DeviceEvent.objects.count() == 5 and Alarm.objects.count() == 2


def _last_motion(pk: int):
    from yiyang.alarms.models import Device

    return Device.objects.get(pk=pk).last_motion_at


def test_a_failed_batch_is_stored_again_event_by_event(county, monkeypatch):
    _, key = make_device(county)

    def broken(requests, channel="http"):
        intake.receive(*requests[0], savepoint=False)  # half written, then the database fails
        raise DatabaseError("connection lost")

    monkeypatch.setattr(intake, "receive_many", broken)
    results = _receive_batch([_request(key, event("sos", "x-1")), _request(key, event("gas", "x-2"))])
    assert [r.status for r in results] == [200, 200]
    assert DeviceEvent.objects.count() == 2 and Alarm.objects.count() == 2
    assert {a.type for a in Alarm.objects.all()} == {"sos", "gas"}


@pytest.mark.django_db(transaction=True)
def test_events_arriving_together_are_stored_once_each_whatever_lane_takes_them(county):
    import asyncio

    from asgiref.sync import async_to_sync

    from yiyang.alarms import asgi_intake

    keys = [make_device(county, elder=name)[1] for name in ("a1", "a2", "b1")]

    async def send(writer, request):  # as a device does: a 503 (nothing stored) is sent again
        for _attempt in range(5):
            result = await writer.submit(*request)
            if result.status != 503:
                return result
        return result

    async def send_all():  # one by one, a millisecond apart: each lane takes some
        writer, sent = asgi_intake.writer(), []
        for n in range(60):
            sent.append(asyncio.ensure_future(send(writer, _request(keys[n % 3], event("sos", f"c-{n}")))))
            await asyncio.sleep(0.001)
        return await asyncio.gather(*sent)

    results = async_to_sync(send_all)()
    assert [r.status for r in results] == [200] * 60
    assert DeviceEvent.objects.count() == 60 and Alarm.objects.count() == 3  # one open alarm per elder
    assert sorted(Alarm.objects.values_list("event_count", flat=True)) == [20, 20, 20]
    assert len({r.body["alarm"] for r in results}) == 3

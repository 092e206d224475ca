"""The MQTT bridge against the real Mosquitto on 127.0.0.1:1883: events stored once
(a resend changes nothing), heartbeats batched, bad messages counted."""

from __future__ import annotations

import json
import threading
import uuid

import paho.mqtt.client as mqtt
import pytest

from tests.alarms.helpers import event, make_device, wait_for
from tests.fixtures import county_fixture  # noqa: F401
from yiyang.alarms import intake
from yiyang.alarms.models import Alarm, Device, DeviceEvent, IntakeRejection
from yiyang.alarms.mqtt import Bridge

BROKER = "mqtt://127.0.0.1:1883"



@pytest.mark.django_db(transaction=True)
def test_the_bridge_stores_events_and_heartbeats_from_the_broker(county):
    device, key = make_device(county)
    base = f"test-{uuid.uuid4().hex[:8]}"
    bridge = Bridge(BROKER, topic=f"{base}/devices/+/events")
    thread = threading.Thread(target=bridge.run, daemon=True)
    thread.start()
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    publisher.connect("127.0.0.1", 1883)
    publisher.loop_start()
    try:
        assert bridge.connected.wait(5)
        topic = f"{base}/devices/{device.serial}/events"
        sos = {**event("sos", "m-1"), "key": key}
        for payload in (sos, sos, {**event("heartbeat", battery=44), "key": key},
                        {**event("sos"), "key": "yyd_wrong"}, b"not json"):
            body = payload if isinstance(payload, bytes) else json.dumps(payload)
            publisher.publish(topic, body, qos=1).wait_for_publish(5)
        assert wait_for(lambda: bridge.counts["refused"] == 2 and bridge.counts["heartbeats"] == 1
                         and bridge.counts["events"] == 2), bridge.counts
        assert wait_for(lambda: Device.objects.get(pk=device.pk).battery == 44)
    finally:
        bridge.stop.set()
        thread.join(5)
        publisher.loop_stop()
        publisher.disconnect()
    assert DeviceEvent.objects.filter(channel="mqtt").count() == 1
    assert Alarm.objects.get().event_count == 1
    intake.flush_rejections()
    assert IntakeRejection.objects.filter(reason__startswith="mqtt_").count() == 2

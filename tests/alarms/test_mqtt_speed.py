"""The bridge's own PUBLISH parser and its acknowledgements in bulk: every heartbeat
written, and acknowledged only then (the broker has nothing left to deliver again)."""

from __future__ import annotations

import json
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest

from tests.alarms.helpers import event, make_device, wait_for
from tests.fixtures import county_fixture  # noqa: F401
from yiyang.alarms.models import Device
from yiyang.alarms.mqtt import Bridge, BufferedClient

BROKER = "mqtt://127.0.0.1:1883"


def _publish_packet(topic: str, payload: bytes, qos: int, mid: int = 0) -> bytes:
    name = topic.encode()
    body = len(name).to_bytes(2, "big") + name + (mid.to_bytes(2, "big") if qos else b"") + payload
    length, encoded = len(body), b""
    while True:
        byte, length = length % 128, length // 128
        encoded += bytes([byte | (128 if length else 0)])
        if not length:
            break
    return bytes([0x30 | qos << 1]) + encoded + body


def test_the_parser_takes_whole_publishes_and_leaves_other_packets_to_paho():
    client = BufferedClient(mqtt.CallbackAPIVersion.VERSION2, client_id="parser-test")
    long_payload = json.dumps({"type": "heartbeat", "pad": "x" * 300}).encode()  # a 2-byte length
    whole = _publish_packet("yiyang/devices/A1/events", long_payload, 1, mid=513)
    client._buffer = (whole + _publish_packet("t/短", b"{}", 0) + b"\xd0\x00"  # then a PINGRESP
                      + _publish_packet("t/x", b"{}", 1, mid=7)[:5])  # and a packet cut short
    received = []
    assert client._take_publish(received) and client._take_publish(received)
    assert not client._take_publish(received)  # the PINGRESP is paho's
    assert [(m.topic, m.payload, m.mid, m.qos) for m in received] == [
        ("yiyang/devices/A1/events", long_payload, 513, 1), ("t/短", b"{}", 0, 0)]
    client._offset += 2
    assert not client._take_publish(received) and client._offset == len(client._buffer) - 5
    assert len(received) == 2


def _pending_for(client_id: str, topic: str, seconds: float = 1.5) -> int:
    """How many messages the broker still delivers to this persistent session."""
    got = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    client.on_message = lambda _c, _u, message: got.append(message.mid)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    client.subscribe(topic, qos=1)
    time.sleep(seconds)
    client.loop_stop()
    client.disconnect()
    return len(got)


@pytest.mark.django_db(transaction=True)
def test_thousands_of_heartbeats_are_written_then_acknowledged_together(county):
    devices = [make_device(county, elder=name) for name in ("a1", "a2", "b1")]
    base = f"test-{uuid.uuid4().hex[:8]}"
    topic = f"{base}/devices/+/events"
    client_id = f"bridge-{base}"
    bridge = Bridge(BROKER, topic=topic, client_id=client_id)
    thread = threading.Thread(target=bridge.run, daemon=True)
    thread.start()
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    publisher.connect("127.0.0.1", 1883)
    publisher.loop_start()
    total = 3000
    try:
        assert bridge.connected.wait(5)
        for n in range(total):
            device, key = devices[n % len(devices)]
            signal = -120 if n >= total - len(devices) else -(n % 100) - 1  # the last ones: -120
            body = {**event("heartbeat", "hb", signal=signal), "key": key}
            info = publisher.publish(f"{base}/devices/{device.serial}/events", json.dumps(body), qos=1)
        info.wait_for_publish(10)
        last = -120
        assert wait_for(lambda: bridge.counts["heartbeats"] == total
                         and set(Device.objects.filter(pk__in=[d.pk for d, _ in devices])
                                 .values_list("signal", flat=True)) == {last}, 20), bridge.counts
    finally:
        bridge.stop.set()
        thread.join(5)
        publisher.loop_stop()
        publisher.disconnect()
    assert not thread.is_alive() and not bridge.unacked
    assert _pending_for(client_id, topic) == 0  # every one was acknowledged


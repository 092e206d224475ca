"""The MQTT bridge: device events from the broker into the same pipeline as HTTP.

Subscribes with QoS 1 to yiyang/devices/<serial>/events; each message is the JSON of
an HTTP event plus "key" (the device credential). A message is acknowledged (PUBACK)
only after it is written: events at once, heartbeats once their batch is written, so
a crash before that makes the broker deliver it again. Bad messages are counted and
acknowledged (a resend would be as bad).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from asgiref.sync import async_to_sync
from django.db import close_old_connections
from django.utils import timezone

from yiyang.alarms import conf, credentials, events, intake
from yiyang.alarms.choices import Channel, EventType
from yiyang.alarms.heartbeats import HeartbeatBuffer

log = logging.getLogger(__name__)


def client_for(url: str, client_id: str) -> tuple[mqtt.Client, str, int]:
    parts = urlsplit(url or "mqtt://127.0.0.1:1883")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                         manual_ack=True)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    if parts.username:
        client.username_pw_set(parts.username, parts.password)
    if parts.scheme == "mqtts":
        client.tls_set()
    return client, parts.hostname or "127.0.0.1", parts.port or (8883 if parts.scheme == "mqtts" else 1883)


class Bridge:
    def __init__(self, url: str, topic: str = conf.MQTT_TOPIC, client_id: str | None = None):
        self.topic = topic
        client_id = client_id or f"yiyang-bridge-{uuid.uuid4().hex[:8]}"
        self.client, self.host, self.port = client_for(url, client_id)
        self.inbox: queue.Queue = queue.Queue()
        self.heartbeats = HeartbeatBuffer()
        self.heartbeats.autostart = False  # this loop writes them, then acknowledges
        self.stop = threading.Event()
        self.connected = threading.Event()
        self.counts = {"events": 0, "heartbeats": 0, "refused": 0}
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda _c, _u, message: self.inbox.put(message)

    def _on_connect(self, client, _userdata, _flags, reason, _properties):
        if reason.is_failure:
            log.error("MQTT connection refused: %s", reason)
            return
        client.subscribe(self.topic, qos=1)
        self.connected.set()

    def run(self) -> None:
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()
        try:
            next_flush = time.monotonic()
            while not self.stop.is_set():
                self._drain(max(next_flush - time.monotonic(), 0.001))
                if time.monotonic() >= next_flush:
                    close_old_connections()
                    self.heartbeats.flush()
                    next_flush = time.monotonic() + conf.HEARTBEAT_FLUSH_MS / 1000
        finally:
            self.heartbeats.flush()
            self.client.loop_stop()
            self.client.disconnect()

    def _drain(self, wait: float) -> None:
        try:
            message = self.inbox.get(timeout=wait)
        except queue.Empty:
            return
        self.handle(message)
        for _ in range(5000):
            try:
                self.handle(self.inbox.get_nowait())
            except queue.Empty:
                return

    def handle(self, message) -> None:
        ack = self._acker(message)
        try:
            device, data = self._authenticate(message)
            now = timezone.now()
            event = intake.event_from(data, now)
        except intake.Rejected as exc:
            intake.count_rejection(f"mqtt_{exc.reason}"[:24])
            self.counts["refused"] += 1
            ack()
            return
        if event.type == EventType.HEARTBEAT:
            self.heartbeats.note(device.id, now, event.battery, event.signal, after_write=ack)
            self.counts["heartbeats"] += 1
            return
        try:
            result = intake.store(device, event, Channel.MQTT, now)
        except Exception:  # not acknowledged: the broker delivers it again
            log.exception("storing an MQTT event failed")
            return
        ack()
        self.counts["events"] += 1
        for payload in result.pushes:
            async_to_sync(events.push)(payload)

    def _acker(self, message):
        def ack() -> None:
            if message.qos > 0:
                self.client.ack(message.mid, message.qos)
        return ack

    @staticmethod
    def _authenticate(message):
        data = intake.parse_body(message.payload)
        device = credentials.lookup(str(data.pop("key", "")))
        parts = message.topic.split("/")
        if device is None or len(parts) < 3 or parts[-2] != device.serial:
            raise intake.Rejected(401, "bad_credential", "Unknown device, or not its topic.")
        return device, data

"""The MQTT bridge: device events from the broker into the same pipeline as HTTP.

Subscribes with QoS 1 to yiyang/devices/<serial>/events; each message is the JSON of
an HTTP event plus "key" (the device credential). A message is acknowledged (PUBACK)
only after it is written: events at once, heartbeats once their batch is written, so
a crash before that makes the broker deliver it again. Bad messages are counted and
acknowledged (a resend would be as bad).
"""

from __future__ import annotations

import logging
import select
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
FLUSH_AT = 800


class BufferedClient(mqtt.Client):
    """paho reads a packet's header a byte at a time, a system call each: read what
    the socket has in one call and serve those reads from it (paho 2.x internals)."""

    _buffer = b""
    _offset = 0

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._offset >= len(self._buffer):
            data = super()._sock_recv(65536)
            if not data:
                return data
            self._buffer, self._offset = data, 0
        chunk = self._buffer[self._offset:self._offset + bufsize]
        self._offset += len(chunk)
        return chunk

    def _reset_sockets(self, *args, **kwargs):
        self._buffer, self._offset = b"", 0
        return super()._reset_sockets(*args, **kwargs)


def client_for(url: str, client_id: str, buffered: bool = False) -> tuple[mqtt.Client, str, int]:
    parts = urlsplit(url or "mqtt://127.0.0.1:1883")
    kind = BufferedClient if buffered else mqtt.Client
    client = kind(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
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
        self.client, self.host, self.port = client_for(url, client_id, buffered=True)
        self.inbox: list = []
        self.heartbeats = HeartbeatBuffer()
        self.heartbeats.autostart = False  # this loop writes them, then acknowledges
        self.stop = threading.Event()
        self.connected = threading.Event()
        self.counts = {"events": 0, "heartbeats": 0, "refused": 0}
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *_args: self.connected.set()
        self.client.on_message = lambda _c, _u, message: self.inbox.append(message)

    def _on_connect(self, client, _userdata, _flags, reason, _properties):
        if reason.is_failure:
            log.error("MQTT connection refused: %s", reason)
            return
        client.subscribe(self.topic, qos=1)

    def run(self) -> None:
        """One thread reads the socket, stores, writes heartbeats and acknowledges:
        paho's own network thread costs a select() and a thread switch per message."""
        self.client.connect(self.host, self.port, keepalive=30)
        next_flush = next_preload = time.monotonic()
        try:
            while not self.stop.is_set():
                self._read(max(next_flush - time.monotonic(), 0.001))
                batch, self.inbox = self.inbox, []
                for message in batch:
                    self.handle(message)
                # The broker sends only so many unacknowledged messages (its
                # max_inflight_messages): write early when many wait for their ack.
                if time.monotonic() >= next_flush or self.heartbeats.waiting >= FLUSH_AT:
                    self._flush()
                    next_flush = time.monotonic() + conf.HEARTBEAT_FLUSH_MS / 1000
                if time.monotonic() >= next_preload:
                    credentials.preload()
                    next_preload = time.monotonic() + conf.DEVICE_CACHE_S / 2
                self.client.loop_misc()
        finally:
            self.heartbeats.flush()
            self.client.disconnect()

    def _flush(self) -> None:
        # One long-lived database connection; a new one only after an error.
        try:
            self.heartbeats.flush()
        except Exception:
            log.exception("writing heartbeats failed; they are not acknowledged")
            close_old_connections()

    def _read(self, wait: float) -> None:
        sock = self.client.socket()
        if sock is None:
            time.sleep(1)
            self.client.reconnect()
            return
        readable, writable, _ = select.select([sock], [sock] if self.client.want_write() else [], [], wait)
        if writable:
            self.client.loop_write()
        if not readable:
            return
        for _ in range(5000):  # every complete packet already received, without select()
            before = len(self.inbox)
            if self.client.loop_read() != mqtt.MQTT_ERR_SUCCESS or len(self.inbox) == before:
                break

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

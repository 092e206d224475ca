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
IDLE_FLUSH_S = 0.005


class Publish:
    """A PUBLISH as the bridge needs it (the fields of paho's MQTTMessage it reads)."""

    __slots__ = ("topic", "payload", "mid", "qos")

    def __init__(self, topic: str, payload: bytes, mid: int, qos: int):
        self.topic, self.payload, self.mid, self.qos = topic, payload, mid, qos


class BufferedClient(mqtt.Client):
    """paho reads a packet's header a byte at a time, a system call each, and builds a
    message through several layers: read what the socket has in one call, parse the
    QoS 0/1 PUBLISH packets found whole in it here, and leave every other packet (and
    any partly received one) to paho, served from the same buffer (paho 2.x internals,
    MQTT 3.1.1)."""

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

    def read_packets(self, received: list, limit: int = 20000) -> None:
        """Every packet the socket has now: PUBLISHes appended to `received`."""
        for _ in range(limit):
            if self._in_packet["command"] == 0 and self._take_publish(received):
                continue
            if self.loop_read() != mqtt.MQTT_ERR_SUCCESS or self._offset >= len(self._buffer):
                break
        with self._msgtime_mutex:
            self._last_bytes_received = time.monotonic()

    def _take_publish(self, received: list) -> bool:
        buf, start = self._buffer, self._offset
        end_of_data = len(buf)
        if start >= end_of_data or buf[start] & 0xF0 != 0x30 or buf[start] & 0x06 == 0x06 \
                or self._protocol == mqtt.MQTTv5:
            return False
        qos = (buf[start] >> 1) & 3
        if qos == 2:
            return False
        length, shift, pos = 0, 0, start + 1
        while True:
            if pos >= end_of_data or shift > 21:
                return False
            byte = buf[pos]
            pos += 1
            length |= (byte & 127) << shift
            shift += 7
            if not byte & 128:
                break
        end = pos + length
        if end > end_of_data or length < 2:
            return False
        topic_end = pos + 2 + ((buf[pos] << 8) | buf[pos + 1])
        mid = 0
        if qos:
            mid = (buf[topic_end] << 8) | buf[topic_end + 1]
        self._offset = end
        received.append(Publish(buf[pos + 2:topic_end].decode("utf-8", "replace"),
                                buf[topic_end + 2 * (qos > 0):end], mid, qos))
        return True

    def ack_many(self, mids: list[int]) -> None:
        """PUBACKs for many QoS 1 messages as one write (paho sends one per ack)."""
        if mids:
            self._packet_queue(mqtt.PUBACK, b"".join(b"\x40\x02" + mid.to_bytes(2, "big") for mid in mids),
                               0, 0)


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
        self.unacked: list[int] = []  # heartbeats' message ids, acknowledged once written
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
                wait = max(next_flush - time.monotonic(), 0.001)
                self._read(min(wait, IDLE_FLUSH_S) if self.unacked else wait)
                batch, self.inbox = self.inbox, []
                now = timezone.now()  # one receiving time for what one read brought
                for message in batch:
                    self.handle(message, now)
                # The broker sends only so many unacknowledged messages (its
                # max_inflight_messages, 20 by default): write early when many wait
                # for their ack, or when nothing more came (the broker may be waiting).
                if time.monotonic() >= next_flush or len(self.unacked) >= FLUSH_AT or (
                        self.unacked and not batch):
                    self._flush()
                    next_flush = time.monotonic() + conf.HEARTBEAT_FLUSH_MS / 1000
                if time.monotonic() >= next_preload:
                    credentials.preload()
                    next_preload = time.monotonic() + conf.DEVICE_CACHE_S / 2
                self.client.loop_misc()
        finally:
            self._flush()
            self.client.disconnect()

    def _flush(self) -> None:
        # One long-lived database connection; a new one only after an error.
        mids, self.unacked = self.unacked, []
        try:
            self.heartbeats.flush()
        except Exception:
            self.unacked[:0] = mids
            log.exception("writing heartbeats failed; they are not acknowledged")
            close_old_connections()
            return
        self.client.ack_many(mids)

    def _read(self, wait: float) -> None:
        sock = self.client.socket()
        if sock is None:
            time.sleep(1)
            self.client.reconnect()
            return
        readable, writable, _ = select.select([sock], [sock] if self.client.want_write() else [], [], wait)
        if writable:
            self.client.loop_write()
        if readable:
            self.client.read_packets(self.inbox)

    def handle(self, message, now=None) -> None:
        try:
            device, data = self._authenticate(message)
            now = now or timezone.now()
            event = intake.event_from(data, now)
        except intake.Rejected as exc:
            intake.count_rejection(f"mqtt_{exc.reason}"[:24])
            self.counts["refused"] += 1
            self._ack(message)
            return
        if event.type == EventType.HEARTBEAT:
            self.heartbeats.note(device.id, now, event.battery, event.signal)
            if message.qos:
                self.unacked.append(message.mid)
            self.counts["heartbeats"] += 1
            return
        try:
            result = intake.store(device, event, Channel.MQTT, now)
        except Exception:  # not acknowledged: the broker delivers it again
            log.exception("storing an MQTT event failed")
            return
        self._ack(message)
        self.counts["events"] += 1
        for payload in result.pushes:
            async_to_sync(events.push)(payload)

    def _ack(self, message) -> None:
        if message.qos > 0:
            self.client.ack(message.mid, message.qos)

    @staticmethod
    def _authenticate(message):
        data = intake.parse_body(message.payload)
        device = credentials.lookup(str(data.pop("key", "")))
        parts = message.topic.split("/")
        if device is None or len(parts) < 3 or parts[-2] != device.serial:
            raise intake.Rejected(401, "bad_credential", "Unknown device, or not its topic.")
        return device, data

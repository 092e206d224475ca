"""`yiyang simulate-devices`: act as the demo county's devices against a running
server: heartbeats every interval, motion now and then, and occasional alarms (some
sent twice, as real devices do when an answer is lost)."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yiyang.alarms import conf, credentials
from yiyang.alarms.asgi_intake import INTAKE_PATH
from yiyang.alarms.choices import DeviceKind, DeviceStatus
from yiyang.alarms.models import Device
from yiyang.alarms.simclient import Connection, split_base

ALARM_OF_KIND = {DeviceKind.CALL_BUTTON: "sos", DeviceKind.SMOKE: "smoke", DeviceKind.GAS: "gas",
                 DeviceKind.FALL: "fall", DeviceKind.WATER: "water"}


class Command(BaseCommand):
    help = "Send a realistic stream of heartbeats and occasional alarms as the demo devices."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--mqtt-url", default="", help="send through the MQTT broker instead of HTTP")
        parser.add_argument("--heartbeat-s", type=int, default=conf.HEARTBEAT_INTERVAL_S)
        parser.add_argument("--alarm-every", type=float, default=30.0,
                            help="mean seconds between two alarms in the whole county")
        parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: never)")
        parser.add_argument("--devices", type=int, default=0, help="at most this many devices (0: all)")

    def handle(self, *args, **options):
        devices = self._devices(options["devices"])
        if not devices:
            raise CommandError("No demo devices found: run `yiyang demo` first (with the same settings).")
        target = options["mqtt_url"] or options["url"]
        self.stdout.write(f"Simulating {len(devices):,} devices against {target}")
        sender = MqttSender(options["mqtt_url"]) if options["mqtt_url"] else HttpSender(options["url"])
        try:
            asyncio.run(Simulation(devices, sender, options, self.stdout.write).run())
        except KeyboardInterrupt:
            pass

    @staticmethod
    def _devices(limit: int) -> list[tuple[str, str, str]]:
        rows = Device.objects.exclude(status=DeviceStatus.RETIRED).order_by("id").values_list(
            "serial", "kind", "key_hash")
        if limit:
            rows = rows[:limit]
        return [(serial, kind, credentials.demo_key(serial)) for serial, kind, key_hash in rows
                if credentials.hash_key(credentials.demo_key(serial)) == key_hash]


class HttpSender:
    def __init__(self, url: str, connections: int = 8):
        host, port = split_base(url)
        self.pool = [Connection(host, port) for _ in range(connections)]
        self.turn = itertools.count()

    async def send(self, serial: str, key: str, body: dict) -> int:
        connection = self.pool[next(self.turn) % len(self.pool)]
        status, _ = await connection.post_json(INTAKE_PATH, body, {"Authorization": f"Device {key}"})
        return status


class MqttSender:
    def __init__(self, url: str):
        from yiyang.alarms.mqtt import client_for

        self.client, host, port = client_for(url, f"yiyang-sim-{uuid.uuid4().hex[:6]}")
        self.client.connect(host, port)
        self.client.loop_start()

    async def send(self, serial: str, key: str, body: dict) -> int:
        self.client.publish(f"yiyang/devices/{serial}/events", json.dumps({**body, "key": key}), qos=1)
        return 200


class Simulation:
    def __init__(self, devices, sender, options, log):
        self.devices, self.sender, self.log = devices, sender, log
        self.interval = options["heartbeat_s"]
        self.alarm_every = options["alarm_every"]
        self.seconds = options["seconds"]
        self.rng = random.Random()
        self.sent = {"heartbeat": 0, "alarm": 0, "motion": 0, "refused": 0}
        self.callers = [d for d in devices if d[1] in ALARM_OF_KIND]
        self.sensors = [d for d in devices if d[1] == DeviceKind.MOTION]

    async def run(self) -> None:
        started = time.monotonic()
        order = list(self.devices)
        self.rng.shuffle(order)
        tick, position, next_report = 0.1, 0.0, started + 10
        while not self.seconds or time.monotonic() - started < self.seconds:
            position += len(order) * tick / self.interval
            batch, position = order[:int(position)], position - int(position)
            order = order[len(batch):] + batch
            jobs = [self._send(d, "heartbeat", battery=self.rng.randint(20, 100)) for d in batch]
            if self.callers and self.rng.random() < tick / self.alarm_every:
                jobs += self._alarm()
            if self.sensors and self.rng.random() < tick * len(self.sensors) / 600:
                jobs.append(self._send(self.rng.choice(self.sensors), "motion"))
            await asyncio.gather(*jobs)
            if time.monotonic() > next_report:
                self.log(" ".join(f"{k}={v}" for k, v in self.sent.items()))
                next_report += 10
            await asyncio.sleep(tick)

    def _alarm(self) -> list:
        device = self.rng.choice(self.callers)
        event_id = uuid.uuid4().hex[:16]
        jobs = [self._send(device, ALARM_OF_KIND[device[1]], event_id=event_id)]
        if self.rng.random() < 0.2:  # the answer was lost: the device sends it again
            jobs.append(self._send(device, ALARM_OF_KIND[device[1]], event_id=event_id))
        return jobs

    async def _send(self, device, type_: str, event_id: str | None = None, **fields) -> None:
        serial, _kind, key = device
        body = {"event_id": event_id or uuid.uuid4().hex[:16], "type": type_,
                "occurred_at": timezone.now().isoformat(), **fields}
        try:
            status = await self.sender.send(serial, key, body)
        except OSError:
            status = 0
        kind = "alarm" if type_ in ALARM_OF_KIND.values() else type_
        self.sent[kind if status == 200 else "refused"] += 1

"""`yiyang bench alarms`: the alarm pipeline end to end, with the server, the MQTT
bridge (and its broker) as separate processes.

A device simulator sends SOS events over HTTP at --rate per second for --seconds (one
event per device, every 20th sent twice on purpose, every refused or unanswered one
sent again as a device would); a console client, logged in as an operator over a
real WebSocket, records when each alarm reaches it, by push or by its re-sync.
Then heartbeats are blasted through MQTT and over HTTP.

lost = events the server acknowledged that are not stored + alarms stored that never
reached the console. latency_ms = from sending the event to the console seeing its
alarm. --kill-server SIGKILLs the server in the middle and starts it again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bench.common import BenchError, percentile
from yiyang.alarms import credentials
from yiyang.alarms.asgi_intake import INTAKE_PATH
from yiyang.alarms.models import Alarm, Device, DeviceEvent, EscalationTimer
from yiyang.alarms.simclient import Connection

HELP = "alarm intake → database → console WebSocket, and heartbeats over MQTT and HTTP"
COUNTY = "990101000000"
OPERATOR = "bench-operator"
SERIAL = "BENCH{:07d}"
POOL = 64
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
BROKER_CONF = Path(__file__).resolve().parent.parent / "deploy" / "mosquitto" / "mosquitto.conf"


def add_arguments(parser) -> None:
    parser.add_argument("--rate", type=int, default=200, help="alarm events per second (default 200)")
    parser.add_argument("--seconds", type=int, default=60, help="how long to send (default 60)")
    parser.add_argument("--redis-url", default="", help="channel layer on Redis (default: in-memory)")
    parser.add_argument("--mqtt-url", default="",
                        help="an MQTT broker (default: a private Mosquitto with deploy/mosquitto's settings)")
    parser.add_argument("--kill-server", action="store_true", help="SIGKILL the server halfway, restart it")
    parser.add_argument("--heartbeat-devices", type=int, default=10_000)
    parser.add_argument("--ack-target", type=int, default=60,
                        help="seconds before an unacknowledged alarm escalates (default 60, as deployed)")
    parser.add_argument("--heartbeat-seconds", type=float, default=10.0,
                        help="about how long to publish heartbeats through MQTT (0: no heartbeats)")


def size(options: dict) -> int:
    if options["rate"] < 1 or options["seconds"] < 1:
        raise BenchError("--rate and --seconds must be positive")
    return max(options["rate"] * options["seconds"], options["heartbeat_devices"])


def run(options: dict, log=print) -> dict:
    devices = size(options)
    prepare(devices, log)
    with Stack(options, log) as stack:
        # Heartbeats first: the alarms leave escalation steps running behind them.
        heartbeats = {"mqtt": 0, "http": 0}
        if options["heartbeat_seconds"] > 0:
            heartbeats = {"mqtt": mqtt_heartbeats(stack, options, log),
                          "http": asyncio.run(http_heartbeats(stack, options, log))}
        alarms = asyncio.run(AlarmRun(stack, options, log).run())
    backend = connection.vendor + ("+redis" if options["redis_url"] else "")
    result = {"bench": "alarms", "backend": backend, **alarms, "heartbeats_per_s": heartbeats,
              "killed_and_restarted": bool(options["kill_server"])}
    log(json.dumps(result))
    return result


# --- the bench database ------------------------------------------------------------------
def prepare(devices: int, log) -> None:
    from yiyang.core.models import Region

    call_command("migrate", verbosity=0)
    have = Device.objects.filter(serial__startswith="BENCH").count()
    if not Region.objects.filter(code=COUNTY).exists():
        _regions()
    if have < devices:
        log(f"Adding {devices - have:,} elders with a call button each…")
        _elders_and_devices(have, devices)
    _operator()
    log("Clearing earlier runs' events and alarms…")
    tables = ("alarms_notification", "alarms_escalationtimer", "alarms_alarmactivity",
              "alarms_deviceevent", "alarms_alarm", "alarms_deviceworkitem")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # no dead rows left for autovacuum to chew on mid-run
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    Device.objects.update(status="active", last_seen_at=timezone.now(), signal=None, battery=None)


def _regions() -> None:
    from yiyang.core.choices import RegionLevel
    from yiyang.core.models import Region

    county = Region.objects.create(code=COUNTY, name="基准县", level=RegionLevel.COUNTY)
    for t in range(4):
        town = Region.objects.create(code=f"990101{100 + t:03d}000", name=f"基准{t + 1}镇",
                                     level=RegionLevel.TOWN, parent=county)
        for v in range(5):
            Region.objects.create(code=f"{town.code[:9]}{201 + v:03d}", name=f"基准{t + 1}-{v + 1}村",
                                  level=RegionLevel.VILLAGE, parent=town)


def _elders_and_devices(start: int, end: int) -> None:
    from yiyang.core.models import Region
    from yiyang.elders.models import Elder
    from yiyang.lib import idcard

    villages = list(Region.objects.filter(code__startswith="990101", level=5).values_list("code", flat=True))
    for low in range(start, end, 2000):
        elders = []
        for i in range(low, min(low + 2000, end)):
            born = dt.date(1935, 1, 1) + dt.timedelta(days=i // 500)
            elder = Elder(name=f"基准{i}", sex="F", birth_date=born, region_id=villages[i % len(villages)],
                          living_arrangement="alone")
            elder.set_id_number(idcard.make("990101", born, i % 500 * 2))
            elder.refresh_derived()
            elders.append(elder)
        Elder.objects.bulk_create(elders)
        rows = []
        for i, elder in zip(range(low, low + len(elders)), elders, strict=True):
            key = credentials.demo_key(SERIAL.format(i))
            rows.append(Device(kind="call_button", serial=SERIAL.format(i), elder_id=elder.pk,
                               region_id=elder.region_id, key_hash=credentials.hash_key(key),
                               key_prefix=key[:10]))
        Device.objects.bulk_create(rows)


def _operator():
    from yiyang.core.choices import Role
    from yiyang.core.models import User

    user, _ = User.objects.get_or_create(username=OPERATOR, defaults={
        "role": Role.OPERATOR, "scope_region_id": COUNTY, "full_name": "基准坐席"})
    return user


def session_cookie() -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    user = _operator()
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


# --- the processes -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"nothing listens on port {port}")


class Stack:
    """The server, the broker (unless given) and the bridge, as child processes."""

    def __init__(self, options: dict, log):
        self.options, self.log = options, log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, YIYANG_ALARM_ACK_TARGET_S=str(options["ack_target"]),
                        YIYANG_LOG_LEVEL="ERROR")
        self.env.pop("REDIS_URL", None)
        if options["redis_url"]:
            self.env["REDIS_URL"] = options["redis_url"]
        self.processes: dict[str, subprocess.Popen] = {}
        self.tmp = tempfile.mkdtemp(prefix="yiyang-bench-")
        self.mqtt_url = options["mqtt_url"]

    def __enter__(self):
        if not self.mqtt_url:
            self.mqtt_url = self._broker()
        self.start_server()
        self.processes["bridge"] = self._spawn(["mqtt-bridge", "--url", self.mqtt_url, "--client-id",
                                                f"bench-bridge-{os.getpid()}"], "bridge")
        return self

    def __exit__(self, *exc):
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT if process.args[0] == MOSQUITTO else signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _spawn(self, argv: list[str], name: str) -> subprocess.Popen:
        out = open(Path(self.tmp) / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        return subprocess.Popen([sys.executable, "-m", "yiyang.cli", *argv], env=self.env, stdout=out,
                                stderr=subprocess.STDOUT)

    def start_server(self) -> None:
        self.processes["server"] = self._spawn(
            ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-worker"], "server")
        wait_for_port(self.port)

    def kill_server(self) -> None:
        self.processes["server"].kill()
        self.processes["server"].wait()

    def _broker(self) -> str:
        port = free_port()
        lines = [line for line in BROKER_CONF.read_text().splitlines()
                 if not line.startswith(("listener", "persistence", "autosave"))]
        conf = Path(self.tmp) / "mosquitto.conf"
        conf.write_text("\n".join([*lines, f"listener {port} 127.0.0.1", "persistence false", ""]))
        self.processes["broker"] = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                                    stderr=subprocess.DEVNULL)
        wait_for_port(port)
        return f"mqtt://127.0.0.1:{port}"


# --- alarms ---------------------------------------------------------------------------------
class AlarmRun:
    def __init__(self, stack: Stack, options: dict, log):
        self.stack, self.log = stack, log
        self.rate, self.seconds = options["rate"], options["seconds"]
        self.kill = options["kill_server"]
        self.sent_at: dict[int, float] = {}
        self.alarm_of: dict[int, int] = {}
        self.seen: dict[int, float] = {}
        self.resend_mismatch = 0
        self.answered_ms: list[float] = []
        self.answered_at: dict[int, float] = {}
        self.fetches = 0
        self.watermark = 0
        self.stop = asyncio.Event()
        self.cookie = session_cookie()
        self.run_id = f"{int(time.time())}"
        self.started = time.time()

    async def run(self) -> dict:
        console = asyncio.create_task(self.console())
        await asyncio.sleep(1.0)
        self.log(f"Sending {self.rate}/s alarm events for {self.seconds} s…")
        await self.send_all()
        await self.wait_for_console(60)
        self.stop.set()
        console.cancel()
        return await asyncio.to_thread(self.figures)

    async def send_all(self) -> None:
        idle: asyncio.Queue = asyncio.Queue()
        for _ in range(POOL):
            idle.put_nowait(Connection("127.0.0.1", self.stack.port))
        total = self.rate * self.seconds
        started = time.perf_counter()
        self.started = time.time()
        tasks, killed = [], False
        for i in range(total):
            delay = started + i / self.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if self.kill and not killed and i >= total // 2:
                killed = True
                tasks.append(asyncio.create_task(self.restart()))
            tasks.append(asyncio.create_task(self.send_one(i, idle)))
        await asyncio.gather(*tasks)

    async def restart(self) -> None:
        self.log("Killing the server (SIGKILL) and starting it again…")
        await asyncio.to_thread(self.stack.kill_server)
        await asyncio.to_thread(self.stack.start_server)

    async def send_one(self, i: int, idle: asyncio.Queue) -> None:
        serial = SERIAL.format(i)
        headers = {"Authorization": f"Device {credentials.demo_key(serial)}"}
        body = {"event_id": f"{self.run_id}-{i}", "type": "sos",
                "occurred_at": timezone.now().isoformat()}
        self.sent_at[i] = time.time()
        answer = await self._post_until_stored(idle, body, headers)
        self.answered_at[answer["alarm"]] = time.time()
        self.answered_ms.append((self.answered_at[answer["alarm"]] - self.sent_at[i]) * 1000)
        self.alarm_of[i] = answer["alarm"]
        if i % 20 == 0:  # sent twice on purpose: must be answered the same
            again = await self._post_until_stored(idle, body, headers)
            self.resend_mismatch += again != answer

    async def _post_until_stored(self, idle, body, headers) -> dict:
        deadline = time.monotonic() + 60
        while True:
            connection_ = await idle.get()
            try:
                status, answer = await connection_.post_json(INTAKE_PATH, body, headers)
            except (TimeoutError, OSError, ConnectionError):
                status, answer = 0, {}
            finally:
                idle.put_nowait(connection_)
            if status == 200:
                return answer
            if time.monotonic() > deadline:
                raise BenchError(f"an event was not stored within 60 s (last status {status})")
            await asyncio.sleep(0.05)

    async def console(self) -> None:
        import websockets

        url = f"ws://127.0.0.1:{self.stack.port}/ws/alarms/"
        headers = {"Cookie": self.cookie, "Origin": self.stack.base}
        while not self.stop.is_set():
            try:
                async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
                    await ws.send(json.dumps({"type": "sync"}))
                    if self.watermark:
                        await ws.send(json.dumps({"type": "sync", "since": self.watermark}))
                    resync = asyncio.create_task(self._resync(ws))
                    try:
                        async for raw in ws:
                            self._receive(json.loads(raw), ws)
                    finally:
                        resync.cancel()
            except (OSError, websockets.exceptions.WebSocketException):
                await asyncio.sleep(0.2)

    async def _resync(self, ws) -> None:
        while True:
            await asyncio.sleep(3)
            await ws.send(json.dumps({"type": "sync", "since": self.watermark}))

    def _receive(self, message: dict, ws) -> None:
        now = time.time()
        if message["type"] == "alarms":
            for alarm in message["alarms"]:
                self.seen.setdefault(alarm["id"], now)
        elif message["type"] == "sync":
            for alarm in message["alarms"]:
                self.seen.setdefault(alarm["id"], now)
            self.watermark = max(self.watermark, message.get("watermark", 0))
            missing = [pk for pk, _seq in message.get("changes", ()) if pk not in self.seen]
            for start in range(0, len(missing), 500):  # as the page does: fetch what no push brought
                self.fetches += 1
                asyncio.get_running_loop().create_task(
                    ws.send(json.dumps({"type": "fetch", "ids": missing[start:start + 500]})))

    async def wait_for_console(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not set(self.alarm_of.values()) <= set(self.seen):
            await asyncio.sleep(0.2)

    def figures(self) -> dict:
        stored_ids = set(DeviceEvent.objects.filter(event_id__startswith=f"{self.run_id}-")
                         .values_list("event_id", flat=True))
        acked = {f"{self.run_id}-{i}" for i in self.alarm_of}
        alarm_ids = set(Alarm.objects.values_list("id", flat=True))
        groups = Alarm.objects.values("elder_id", "type").distinct().count()
        latencies = [(self.seen[a] - self.sent_at[i]) * 1000
                     for i, a in self.alarm_of.items() if a in self.seen]
        if not latencies:
            raise BenchError("the console saw no alarm")
        overdue, catch_up = self._overdue_timers()
        lost = len(acked - stored_ids) + len(alarm_ids - set(self.seen))
        self.log(f"sent {len(acked)}, stored {len(stored_ids)}, alarms {len(alarm_ids)}, console saw "
                 f"{len(set(self.seen) & alarm_ids)} ({self.fetches} fetches after a re-sync); "
                 f"escalation timers overdue after the run: {overdue} (waited {catch_up} s)")
        self.log("answered in (ms): " + ", ".join(
            f"p{q} {percentile(self.answered_ms, q):.1f}" for q in (50, 95, 99)))
        slow = sorted({int(self.sent_at[i] - self.started) for i, a in self.alarm_of.items()
                       if self.answered_at.get(a, 0) - self.sent_at[i] > 0.25})
        if slow:
            self.log(f"answers over 250 ms for events sent in these seconds of the run: {slow}")
        after = [(self.seen[a] - t) * 1000 for a, t in self.answered_at.items() if a in self.seen]
        self.log("on the console after the answer (ms): " + ", ".join(
            f"p{q} {percentile(after, q):.1f}" for q in (50, 95, 99)))
        return {"sent": len(acked), "stored": len(stored_ids), "lost": lost,
                "duplicate_alarms": len(alarm_ids) - groups + self.resend_mismatch,
                "latency_ms": {q: round(percentile(latencies, n), 1)
                               for q, n in (("p50", 50), ("p95", 95), ("p99", 99))},
                "timers_overdue": overdue, "timers_caught_up_in_s": catch_up}

    @staticmethod
    def _overdue_timers() -> tuple[int, float]:
        """Escalation steps due more than 3 s ago and not run, and how long it took until
        there were none (up to 180 s): they all run in the end, also after the server was
        killed, since the timers live in the database."""
        started = time.monotonic()
        while True:
            overdue = EscalationTimer.objects.filter(
                done_at__isnull=True, due_at__lt=timezone.now() - dt.timedelta(seconds=3)).count()
            waited = time.monotonic() - started
            if not overdue or waited > 180:
                return overdue, round(waited, 1)
            time.sleep(1)


# --- heartbeats ------------------------------------------------------------------------------
def mqtt_heartbeats(stack: Stack, options: dict, log) -> float:
    from yiyang.alarms.mqtt import client_for

    count = options["heartbeat_devices"]
    devices = [(SERIAL.format(i), credentials.demo_key(SERIAL.format(i))) for i in range(count)]
    rounds = max(1, math.ceil(options["heartbeat_seconds"] * 6000 / count))
    client, host, port = client_for(stack.mqtt_url, f"bench-probe-{os.getpid()}")
    client.connect(host, port)
    client.loop_start()
    _wait_for_bridge(client, *devices[0])
    client.loop_stop()
    client.disconnect()
    # The devices' packets are made before the clock starts: the publisher stands for
    # thousands of devices, its own work is not the system's.
    now = timezone.now().isoformat()
    packets = [publish_packet(f"yiyang/devices/{serial}/events",
                              json.dumps({"event_id": "hb", "type": "heartbeat", "signal": -1 - r,
                                          "occurred_at": now, "key": key}).encode(), n % 65535 + 1)
               for n, (r, (serial, key)) in enumerate((r, d) for r in range(rounds) for d in devices)]
    log(f"Publishing {len(packets):,} heartbeats (QoS 1) for {count:,} devices through MQTT…")
    publisher = RawPublisher(host, port, f"bench-publisher-{os.getpid()}")
    started = time.monotonic()
    publisher.publish_all(packets)
    published = time.monotonic() - started
    publisher.close()
    final = -rounds
    done = _wait_until_all(count, final, 60)
    elapsed = time.monotonic() - started
    rate = round(rounds * count / elapsed)
    log(f"  published in {published:.1f} s, all written in {elapsed:.1f} s: {rate:,}/s; "
        f"devices not updated: {count - done}")
    return rate if done == count else 0.0


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (128 if n else 0))
        if not n:
            return bytes(out)


def publish_packet(topic: str, payload: bytes, mid: int) -> bytes:
    """An MQTT 3.1.1 PUBLISH, QoS 1."""
    name = topic.encode()
    body = len(name).to_bytes(2, "big") + name + mid.to_bytes(2, "big") + payload
    return b"\x32" + _remaining_length(len(body)) + body


class RawPublisher:
    """The bench's MQTT publisher: QoS 1 PUBLISH packets written in large blocks with up
    to `window` unacknowledged, PUBACKs counted. paho's publisher handles each PUBACK
    through several layers and a write per message: measured alone it was slower than
    the bridge it was meant to load."""

    def __init__(self, host: str, port: int, client_id: str):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        name = client_id.encode()
        body = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(name).to_bytes(2, "big") + name  # clean, 60 s
        self.sock.sendall(b"\x10" + _remaining_length(len(body)) + body)
        connack = self.sock.recv(4)
        if len(connack) < 4 or connack[0] != 0x20 or connack[3] != 0:
            raise BenchError(f"the broker refused the publisher: {connack!r}")

    def publish_all(self, packets: list[bytes], window: int = 1000) -> None:
        sent = acked = 0
        pending = b""
        while acked < len(packets):
            if sent < len(packets) and sent - acked < window:
                upto = min(len(packets), acked + window)
                self.sock.sendall(b"".join(packets[sent:upto]))
                sent = upto
            data = pending + self.sock.recv(65536)
            if len(data) == len(pending):
                raise BenchError("the broker closed the publisher's connection")
            whole = len(data) - len(data) % 4
            if data[0:whole:4].count(0x40) != whole // 4:
                raise BenchError("the broker answered the publisher with something else than PUBACKs")
            acked += whole // 4
            pending = data[whole:]

    def close(self) -> None:
        self.sock.sendall(b"\xe0\x00")  # DISCONNECT
        self.sock.close()


def _wait_for_bridge(client, serial: str, key: str, seconds: float = 60) -> None:
    """Until the bridge has subscribed and writes: a message published before that is
    not kept for it (a new session)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = json.dumps({"event_id": "probe", "type": "heartbeat", "signal": -150,
                           "occurred_at": timezone.now().isoformat(), "key": key})
        client.publish(f"yiyang/devices/{serial}/events", body, qos=1)
        time.sleep(0.5)
        if Device.objects.filter(serial=serial, signal=-150).exists():
            return
    raise BenchError(f"the MQTT bridge wrote no heartbeat within {seconds:.0f} s")


def _wait_until_all(count: int, signal_value: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        done = Device.objects.filter(serial__lt=SERIAL.format(count), serial__startswith="BENCH",
                                     signal=signal_value).count()
        if done >= count or time.monotonic() > deadline:
            return done
        time.sleep(0.1)


async def http_heartbeats(stack: Stack, options: dict, log, seconds: float = 5.0) -> float:
    count = options["heartbeat_devices"]
    keys = [credentials.demo_key(SERIAL.format(i)) for i in range(count)]
    answered, refused = 0, 0
    started = time.monotonic()

    async def worker(offset: int) -> None:
        nonlocal answered, refused
        connection_ = Connection("127.0.0.1", stack.port)
        i = offset
        while time.monotonic() - started < seconds:
            body = {"event_id": "hb", "type": "heartbeat", "occurred_at": timezone.now().isoformat()}
            try:
                status, _ = await connection_.post_json(INTAKE_PATH, body,
                                                        {"Authorization": f"Device {keys[i % count]}"})
            except (TimeoutError, OSError):
                status = 0
            answered += status == 200
            refused += status != 200
            i += POOL
        connection_.close()

    log(f"Sending heartbeats over HTTP for {seconds:.0f} s…")
    await asyncio.gather(*(worker(n) for n in range(POOL)))
    rate = round(answered / (time.monotonic() - started))
    log(f"  {answered:,} answered ({rate:,}/s), {refused} refused")
    return rate

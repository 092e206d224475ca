"""ASGI pieces of the alarms app: the device intake route (outside Django's
middleware, which would hop to a thread per sync hook: PERFORMANCE-NOTES.md) and the
lifespan handler that starts the ticker inside the server."""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.db import connection, transaction

from yiyang.alarms import conf, events, intake
from yiyang.alarms.constants import MAX_BODY_BYTES

log = logging.getLogger(__name__)
INTAKE_PATH = "/api/v1/device-events"


BATCH = 200
UNAVAILABLE = intake.Result(503, {"error": "unavailable", "detail": "Not stored; send it again."})


CHECKPOINT_S = 1.0
_checkpointing = {"on": False, "writer": None}


def _checkpoint() -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


async def _checkpoint_sqlite() -> None:
    """SQLite: copy the write-ahead log into the database (and sync it) every second on
    a connection of its own. Left to SQLite, the commit that crosses 1,000 pages does it
    and waits for the disk: every few seconds at 400 events/s, answers took 0.3–1 s."""
    while True:
        await asyncio.sleep(CHECKPOINT_S)
        try:
            await sync_to_async(_checkpoint, thread_sensitive=False)()
        except Exception:
            log.exception("SQLite checkpoint failed")


def _writer_connection() -> None:
    """With the checkpoint above running, the writing connection does none itself."""
    if not _checkpointing["on"] or connection.vendor != "sqlite":
        return
    connection.ensure_connection()
    if _checkpointing["writer"] != id(connection.connection):
        connection.connection.execute("PRAGMA wal_autocheckpoint = 0")
        _checkpointing["writer"] = id(connection.connection)


def _receive_batch(requests: list[tuple[str, bytes]]) -> list[intake.Result]:
    """Store every waiting event in one transaction: one commit for many under load, the
    same answer as alone when there is one. Nothing is answered before the commit. The
    intake keeps its database connection (opening one per event would cost more than
    the event); a failed one is dropped."""
    try:
        _writer_connection()
        with transaction.atomic():
            return intake.receive_many(requests)
    except Exception:
        # A database error (e.g. a race with another process or lane on the same alarm)
        # aborts the transaction: again, each event in a transaction of its own (holding
        # no locks while it waits for another writer's), retried alone.
        log.info("a batch of %s device events is retried event by event", len(requests), exc_info=True)
    return [_receive_alone(authorization, body) for authorization, body in requests]


def _receive_alone(authorization: str, body: bytes) -> intake.Result:
    try:
        with transaction.atomic():
            return intake.receive(authorization, body)
    except Exception:
        log.exception("storing a device event failed")
        connection.close()
        return UNAVAILABLE


class Pusher:
    """Sends the consoles' pushes beside the writer, which goes on with the next batch
    meanwhile: what comes in during one send goes out together in the next (one
    message per county, events.push_many), so a slow channel layer (Redis) gets fewer,
    larger messages instead of holding the intake back."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.waiting: list = []
        self.ready = asyncio.Event()
        self.task = loop.create_task(self._run())

    def add(self, payloads: list) -> None:
        if payloads:
            self.waiting.extend(payloads)
            self.ready.set()

    async def _run(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            payloads, self.waiting = self.waiting, []
            try:
                await events.push_many(payloads)
            except Exception:  # a push is only a hint: the consoles' re-sync catches up
                log.exception("pushing %s alarm changes failed", len(payloads))


class Writer:
    """The tasks per event loop that hand waiting events to the database. SQLite: one,
    on the thread of every other write. PostgreSQL: a second one on its own thread and
    connection, so one batch is stored while the other waits for its commit's WAL flush
    (4–6 ms here: one lane of single-event batches was busy all the time at 200/s).
    Two batches touching the same alarm at once are safe: the unique constraint or a
    deadlock fails one, which is stored again event by event (_receive_batch)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.queue: asyncio.Queue = asyncio.Queue()
        self.pusher = Pusher(loop)
        lanes = [sync_to_async(_receive_batch, thread_sensitive=True)]
        if connection.vendor == "postgresql":
            lanes.append(sync_to_async(_receive_batch, thread_sensitive=False,
                                       executor=ThreadPoolExecutor(1, thread_name_prefix="intake")))
        self.tasks = [loop.create_task(self._run(lane)) for lane in lanes]
        self.task = self.tasks[0]

    async def submit(self, authorization: str, body: bytes) -> intake.Result:
        answer = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((authorization, body, answer))
        return await answer

    async def _run(self, store) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < BATCH:
                batch.append(self.queue.get_nowait())
            try:
                results = await store([(authorization, body) for authorization, body, _ in batch])
            except Exception:  # e.g. cancelled at shutdown: the devices send again
                results = [UNAVAILABLE] * len(batch)
            for (_a, _b, answer), result in zip(batch, results, strict=True):
                if not answer.done():
                    answer.set_result(result)
            self.pusher.add([p for result in results for p in result.pushes])


_writers: dict = {}


def writer() -> Writer:
    loop = asyncio.get_running_loop()
    if loop not in _writers or any(task.done() for task in _writers[loop].tasks):
        for old in [other for other in _writers if other.is_closed()]:
            del _writers[old]
        _writers[loop] = Writer(loop)
    return _writers[loop]


async def device_events(scope, receive, send) -> None:
    """POST /api/v1/device-events: one JSON event, answered after it is stored."""
    if scope["method"] != "POST":
        await _respond(send, 405, {"error": "method", "detail": "POST only."}, [(b"allow", b"POST")])
        return
    body, too_large = await _read_body(receive)
    if too_large:
        intake.count_rejection("too_large")
        detail = f"The body is over {MAX_BODY_BYTES} bytes."
        await _respond(send, 413, {"error": "too_large", "detail": detail})
        return
    authorization = _header(scope, b"authorization")
    result = intake.receive_heartbeat_now(authorization, body) or await writer().submit(authorization, body)
    await _respond(send, result.status, result.body)


async def _read_body(receive) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks), False


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return ""


async def _respond(send, status: int, body: dict, headers: list | None = None) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
        *(headers or []),
    ]})
    await send({"type": "http.response.body", "body": payload})


class HttpRouter:
    """The intake path to its own handler, everything else to Django."""

    def __init__(self, django_app):
        self.django_app = django_app

    async def __call__(self, scope, receive, send):
        if scope["path"].rstrip("/") == INTAKE_PATH:
            await device_events(scope, receive, send)
        else:
            await self.django_app(scope, receive, send)


async def _write_heartbeats(buffer) -> None:
    """Every HEARTBEAT_FLUSH_MS, on the thread that stores events: with SQLite, two
    writing threads would take turns through its busy timeout (sleeps of up to 100 ms)."""
    while True:
        await asyncio.sleep(conf.HEARTBEAT_FLUSH_MS / 1000)
        try:
            await sync_to_async(buffer.flush, thread_sensitive=True)()
        except Exception:
            log.exception("writing heartbeats failed")


async def lifespan(scope, receive, send) -> None:
    """Start the alarm ticker with the server; stop it (and write heartbeats) at the end."""
    from yiyang.alarms.heartbeats import buffer
    from yiyang.alarms.ticker import Ticker

    tasks = []
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            loop = asyncio.get_running_loop()
            buffer.autostart = False  # written by the task below, on the database thread
            tasks.append(loop.create_task(_write_heartbeats(buffer)))
            if conf.TICKER_IN_SERVER:
                tasks.append(loop.create_task(Ticker().run_async()))
            if connection.vendor == "sqlite" and not connection.is_in_memory_db():  # no WAL in memory
                _checkpointing["on"] = True
                tasks.append(loop.create_task(_checkpoint_sqlite()))
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            for task in tasks:
                task.cancel()
            await sync_to_async(buffer.flush, thread_sensitive=True)()
            await send({"type": "lifespan.shutdown.complete"})
            return

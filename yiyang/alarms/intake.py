"""Device event intake, shared by HTTP (asgi_intake, api) and MQTT (the bridge).

An event is validated, then written in one transaction (the event row, the alarm it
raises or joins, its first escalation timer) before it is acknowledged. A resent
event id is answered as the first time and changes nothing. Heartbeats only touch an
in-memory buffer that is written in batches (heartbeats.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from threading import Lock

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from yiyang.alarms import conf, credentials, hotpath
from yiyang.alarms.choices import AlarmType, Channel, EventType, WorkItemKind
from yiyang.alarms.constants import ALARM_OF_EVENT, KEY_SCHEME, MAX_BODY_BYTES, MAX_EVENT_ID
from yiyang.alarms.credentials import DeviceRef
from yiyang.alarms.heartbeats import buffer as heartbeat_buffer
from yiyang.alarms.models import Device, DeviceWorkItem

log = logging.getLogger(__name__)
ACCEPTED_TYPES = frozenset(EventType.values)


class Rejected(Exception):
    """A request refused with a 4xx: status, a reason code (counted) and a message."""

    def __init__(self, status: int, reason: str, message: str):
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


@dataclass
class EventIn:
    event_id: str
    type: str
    occurred_at: dt.datetime
    battery: int | None = None
    signal: int | None = None
    location: dict | str | None = None
    extra: dict | None = None


@dataclass
class Result:
    status: int
    body: dict
    pushes: list = field(default_factory=list)


# --- counting refusals ----------------------------------------------------------------
_rejections: Counter = Counter()
_rejections_lock = Lock()


def count_rejection(reason: str) -> None:
    with _rejections_lock:
        _rejections[reason] += 1


def flush_rejections() -> int:
    """Add the refusals counted in memory to IntakeRejection (one row per day, reason)."""
    from yiyang.alarms.models import IntakeRejection

    with _rejections_lock:
        pending = dict(_rejections)
        _rejections.clear()
    today = timezone.localdate()
    for reason, n in pending.items():
        with transaction.atomic():
            row, _ = IntakeRejection.objects.get_or_create(day=today, reason=reason)
            IntakeRejection.objects.filter(pk=row.pk).update(count=F("count") + n)
    return sum(pending.values())


# --- parsing ----------------------------------------------------------------------------
def authenticate(authorization: str) -> DeviceRef:
    scheme, _, key = (authorization or "").strip().partition(" ")
    if not key:
        raise Rejected(401, "no_credential", "Authorization: Device <key> is required.")
    if scheme != KEY_SCHEME:
        raise Rejected(401, "bad_scheme", "Use Authorization: Device <key>.")
    device = credentials.lookup(key.strip())
    if device is None:
        raise Rejected(401, "bad_credential", "Unknown or retired device credential.")
    return device


def parse_body(body: bytes) -> dict:
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(413, "too_large", f"The body is over {MAX_BODY_BYTES} bytes.")
    try:
        data = json.loads(body.decode() if isinstance(body, bytes) else body)
    except (ValueError, UnicodeDecodeError):
        raise Rejected(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise Rejected(400, "invalid_json", "The body must be a JSON object.")
    return data


def parse_event(body: bytes, now: dt.datetime) -> EventIn:
    return event_from(parse_body(body), now)


def event_from(data: dict, now: dt.datetime) -> EventIn:
    return EventIn(
        event_id=_event_id(data.get("event_id")),
        type=_type(data.get("type")),
        occurred_at=_occurred_at(data.get("occurred_at"), now),
        battery=_small_int(data, "battery", 0, 100),
        signal=_small_int(data, "signal", -150, 100),
        location=_optional(data, "location", (dict, str)),
        extra=_optional(data, "extra", (dict,)),
    )


def _event_id(value) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise Rejected(400, "invalid_event_id", "event_id is required (a string).")
    value = str(value).strip()
    if len(value) > MAX_EVENT_ID:
        raise Rejected(400, "invalid_event_id", f"event_id is longer than {MAX_EVENT_ID} characters.")
    return value


def _type(value) -> str:
    if value not in ACCEPTED_TYPES:
        raise Rejected(422, "unknown_type", f"Unknown event type {str(value)[:30]!r}; "
                       f"one of: {', '.join(sorted(ACCEPTED_TYPES))}.")
    return value


def _occurred_at(value, now: dt.datetime) -> dt.datetime:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or timezone.is_naive(moment):
        raise Rejected(400, "invalid_time", "occurred_at must be an ISO 8601 time with a UTC offset.")
    if moment > now + dt.timedelta(seconds=conf.FUTURE_TOLERANCE_S):
        raise Rejected(422, "future_time", "occurred_at is in the future (check the device clock).")
    if moment < now - dt.timedelta(days=conf.MAX_EVENT_AGE_DAYS):
        raise Rejected(422, "stale_time", f"occurred_at is more than {conf.MAX_EVENT_AGE_DAYS} days ago.")
    return moment


def _small_int(data: dict, name: str, low: int, high: int) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise Rejected(400, f"invalid_{name}", f"{name} must be a number from {low} to {high}.")
    return int(value)


def _optional(data: dict, name: str, types: tuple):
    value = data.get(name)
    if value is not None and not isinstance(value, types):
        raise Rejected(400, f"invalid_{name}", f"{name} has the wrong shape.")
    return value


# --- the pipeline -----------------------------------------------------------------------
def receive(authorization: str, body: bytes, channel: str = Channel.HTTP, savepoint: bool = True) -> Result:
    """Authenticate, validate and store one event; never raises for bad input."""
    try:
        device = authenticate(authorization)
        return receive_from(device, body, channel, savepoint)
    except Rejected as exc:
        count_rejection(exc.reason)
        return Result(exc.status, {"error": exc.reason, "detail": exc.message})


def receive_heartbeat_now(authorization: str, body: bytes) -> Result | None:
    """A heartbeat from a device whose key is cached needs no database: answered on
    the event loop. None: go through receive() on the database thread."""
    scheme, _, key = (authorization or "").strip().partition(" ")
    if scheme != KEY_SCHEME or b'"heartbeat"' not in body:
        return None
    device = credentials.cached(key.strip())
    if device is credentials.MISS or device is None:
        return None
    try:
        event = parse_event(body, timezone.now())
    except Rejected:
        return None
    if event.type != EventType.HEARTBEAT:
        return None
    heartbeat_buffer.note(device.id, timezone.now(), event.battery, event.signal)
    return Result(200, {"status": "ok"})


def receive_from(device: DeviceRef, body: bytes, channel: str, savepoint: bool = True) -> Result:
    now = timezone.now()
    event = parse_event(body, now)
    if event.type == EventType.HEARTBEAT:
        heartbeat_buffer.note(device.id, now, event.battery, event.signal)
        return Result(200, {"status": "ok"})
    return store(device, event, channel, now, savepoint)


def receive_many(requests: list[tuple[str, bytes]], channel: str = Channel.HTTP) -> list[Result]:
    """receive() for a batch inside the caller's transaction, without savepoints: a
    database error aborts the whole batch (the caller retries it event by event). On
    PostgreSQL the batch's writes are one call."""
    if connection.vendor != "postgresql":
        return [receive(authorization, body, channel, savepoint=False) for authorization, body in requests]
    now = timezone.now()
    results: list[Result | None] = []
    pending: list[tuple[int, DeviceRef, EventIn]] = []
    for authorization, body in requests:
        try:
            device = authenticate(authorization)
            event = parse_event(body, now)
        except Rejected as exc:
            count_rejection(exc.reason)
            results.append(Result(exc.status, {"error": exc.reason, "detail": exc.message}))
            continue
        if event.type == EventType.HEARTBEAT:
            heartbeat_buffer.note(device.id, now, event.battery, event.signal)
            results.append(Result(200, {"status": "ok"}))
            continue
        pending.append((len(results), device, event))
        results.append(None)
    # In one order in every batch (elder, alarm kind, device, event id): two writer lanes
    # then take the rows' locks in the same order and cannot deadlock each other.
    pending.sort(key=lambda item: (item[1].elder_id, alarm_type_of(item[2]) or "", item[1].id,
                                   item[2].event_id))
    if pending:
        for (index, _d, _e), result in zip(pending, _store_pg([(d, e) for _i, d, e in pending], channel, now),
                                           strict=True):
            results[index] = result
    return results


def store(device: DeviceRef, event: EventIn, channel: str, now: dt.datetime,
          savepoint: bool = True) -> Result:
    """Store one event. savepoint=False inside a caller's transaction saves two round
    trips; a database error then aborts the caller's whole batch (which retries it
    with savepoints)."""
    if not savepoint:
        return _store_once(device, event, channel, now, savepoint=False)
    for _attempt in range(3):
        try:
            return _store_once(device, event, channel, now, savepoint=True)
        except (IntegrityError, OperationalError):
            # A concurrent writer stored the same event id, or opened the same alarm
            # first (or a deadlock with it chose this one): the next attempt finds it
            # and answers or joins.
            continue
    raise RuntimeError("could not store the event after three attempts")


def _store_once(device: DeviceRef, event: EventIn, channel: str, now: dt.datetime,
                savepoint: bool) -> Result:
    if connection.vendor == "postgresql":
        with transaction.atomic(savepoint=savepoint):
            return _store_pg([(device, event)], channel, now)[0]
    with transaction.atomic(savepoint=savepoint), hotpath.RawCursor() as cursor:
        event_pk = hotpath.insert_event(cursor, device.id, event, channel, now)
        if event_pk is None:
            return Result(200, _answer(*hotpath.known_event(cursor, device.id, event.event_id)))
        alarm_pk, push = None, None
        if alarm_type := alarm_type_of(event):
            alarm_pk, push = hotpath.raise_or_join(cursor, device, alarm_type, event.occurred_at, now,
                                                   device.serial)
            hotpath.link_event(cursor, event_pk, alarm_pk)
        _note_device_state(device, event)
    # A sign of life like a heartbeat: batched, not a row update per event.
    heartbeat_buffer.note(device.id, now, event.battery, event.signal)
    return Result(200, _answer(event_pk, alarm_pk), [push] if push else [])


def _store_pg(items: list[tuple[DeviceRef, EventIn]], channel: str, now: dt.datetime) -> list[Result]:
    """PostgreSQL: the events' rows, alarms and timers in one call (hotpath.store_batch_pg)."""
    with hotpath.RawCursor() as cursor:
        stored = hotpath.store_batch_pg(cursor, [(d, e, alarm_type_of(e)) for d, e in items], channel, now)
    results = []
    for (device, event), (event_pk, alarm_pk, push, resent) in zip(items, stored, strict=True):
        if not resent:
            _note_device_state(device, event)
            heartbeat_buffer.note(device.id, now, event.battery, event.signal)
        results.append(Result(200, _answer(event_pk, alarm_pk), [push] if push else []))
    return results


def _answer(event_pk: int, alarm_pk: int | None) -> dict:
    return {"status": "stored", "event": event_pk, "alarm": alarm_pk}


def alarm_type_of(event: EventIn) -> str | None:
    if event.type in ALARM_OF_EVENT:
        return ALARM_OF_EVENT[event.type]
    if event.type == EventType.DOOR_OPEN and is_night(event.occurred_at):
        return AlarmType.DOOR_NIGHT
    return None


def is_night(moment: dt.datetime) -> bool:
    hour = timezone.localtime(moment).hour
    return hour >= conf.NIGHT_START_HOUR or hour < conf.NIGHT_END_HOUR


def raise_or_join(device: DeviceRef, alarm_type: str, now: dt.datetime, detail: str) -> tuple[int, dict]:
    """For alarms the server raises itself (inactivity): open one or join the open one."""
    with hotpath.RawCursor() as cursor:
        return hotpath.raise_or_join(cursor, device, alarm_type, now, now, detail)


def _note_device_state(device: DeviceRef, event: EventIn) -> None:
    if event.type == EventType.MOTION:
        Device.objects.filter(pk=device.id).update(last_motion_at=event.occurred_at)
    elif event.type == EventType.LOW_BATTERY:
        _open_work_item(device, WorkItemKind.LOW_BATTERY, event.occurred_at)


def _open_work_item(device: DeviceRef, kind: str, now: dt.datetime) -> None:
    if not DeviceWorkItem.objects.filter(device_id=device.id, kind=kind, status="open").exists():
        DeviceWorkItem.objects.create(device_id=device.id, region_id=device.region_id, kind=kind,
                                      opened_at=now)


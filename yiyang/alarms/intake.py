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

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from yiyang.alarms import conf, credentials, escalation, events
from yiyang.alarms.choices import ActivityKind, AlarmType, Channel, EventType, WorkItemKind
from yiyang.alarms.constants import ALARM_OF_EVENT, KEY_SCHEME, MAX_BODY_BYTES, MAX_EVENT_ID, PRIORITY
from yiyang.alarms.credentials import DeviceRef
from yiyang.alarms.heartbeats import buffer as heartbeat_buffer
from yiyang.alarms.models import OPEN_STATUSES, Alarm, AlarmActivity, Device, DeviceEvent, DeviceWorkItem

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
        data = json.loads(body)
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
def receive(authorization: str, body: bytes, channel: str = Channel.HTTP) -> Result:
    """Authenticate, validate and store one event; never raises for bad input."""
    try:
        device = authenticate(authorization)
        return receive_from(device, body, channel)
    except Rejected as exc:
        count_rejection(exc.reason)
        return Result(exc.status, {"error": exc.reason, "detail": exc.message})


def receive_from(device: DeviceRef, body: bytes, channel: str) -> Result:
    now = timezone.now()
    event = parse_event(body, now)
    if event.type == EventType.HEARTBEAT:
        heartbeat_buffer.note(device.id, now, event.battery, event.signal)
        return Result(200, {"status": "ok"})
    return store(device, event, channel, now)


def store(device: DeviceRef, event: EventIn, channel: str, now: dt.datetime) -> Result:
    for _attempt in range(3):
        try:
            return _store_once(device, event, channel, now)
        except IntegrityError:
            # A concurrent writer stored the same event id, or opened the same alarm
            # first: the next attempt finds it and answers or joins.
            continue
    raise RuntimeError("could not store the event after three attempts")


def _store_once(device: DeviceRef, event: EventIn, channel: str, now: dt.datetime) -> Result:
    with transaction.atomic():
        known = (DeviceEvent.objects.filter(device_id=device.id, event_id=event.event_id)
                 .values_list("id", "alarm_id").first())
        if known is not None:
            return Result(200, _answer(*known))
        alarm_type = alarm_type_of(event)
        alarm, push = (raise_or_join(device, alarm_type, event, now)
                       if alarm_type else (None, None))
        row = DeviceEvent.objects.create(
            device_id=device.id, event_id=event.event_id, type=event.type,
            occurred_at=event.occurred_at, received_at=now, channel=channel,
            battery=event.battery, location=event.location, extra=event.extra, alarm=alarm,
        )
        _note_device_state(device, event, now)
    return Result(200, _answer(row.id, alarm.id if alarm else None), [push] if push else [])


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


def raise_or_join(device: DeviceRef, alarm_type: str, event: EventIn | None, now: dt.datetime,
                  detail: str = "") -> tuple[Alarm, dict]:
    """Open an alarm, or add this event to the open one of the same kind for the same
    elder (at most one is open: a constraint)."""
    current = (Alarm.objects.select_for_update()
               .filter(elder_id=device.elder_id, type=alarm_type, status__in=OPEN_STATUSES).first())
    if current is not None:
        activity = _activity(current.pk, ActivityKind.REPEATED, now, detail or device.serial)
        Alarm.objects.filter(pk=current.pk).update(
            event_count=F("event_count") + 1, last_event_at=now, seq=activity.pk)
        current.event_count += 1
        current.seq = activity.pk
        return current, events.summary_of(current, device.elder_name, device.region_name)
    occurred = event.occurred_at if event else now
    alarm = Alarm.objects.create(
        type=alarm_type, priority=PRIORITY[alarm_type], elder_id=device.elder_id,
        device_id=device.id, region_id=device.region_id, raised_at=now, occurred_at=occurred,
        last_event_at=now,
    )
    alarm.seq = _activity(alarm.pk, ActivityKind.RAISED, now, detail or device.serial).pk
    Alarm.objects.filter(pk=alarm.pk).update(seq=alarm.seq)
    escalation.start(alarm)
    return alarm, events.summary_of(alarm, device.elder_name, device.region_name)


def _activity(alarm_pk: int, kind: str, now: dt.datetime, detail: str) -> AlarmActivity:
    return AlarmActivity.objects.create(alarm_id=alarm_pk, at=now, kind=kind, detail=detail[:500])


def _note_device_state(device: DeviceRef, event: EventIn, now: dt.datetime) -> None:
    changes = {"last_seen_at": now}
    if event.battery is not None:
        changes["battery"] = event.battery
    if event.type == EventType.MOTION:
        changes["last_motion_at"] = event.occurred_at
    Device.objects.filter(pk=device.id).update(**changes)
    if event.type == EventType.LOW_BATTERY:
        _open_work_item(device, WorkItemKind.LOW_BATTERY, now)


def _open_work_item(device: DeviceRef, kind: str, now: dt.datetime) -> None:
    if not DeviceWorkItem.objects.filter(device_id=device.id, kind=kind, status="open").exists():
        DeviceWorkItem.objects.create(device_id=device.id, region_id=device.region_id, kind=kind,
                                      opened_at=now)


"""The intake's writes in plain SQL: the hot path of every alarm.

Through the ORM, storing an event and opening its alarm took about 2,000 Python
calls and several milliseconds on these machines; these statements take a fraction
of that (PERFORMANCE-NOTES.md: ORM overhead is 0.2–0.4 ms a query). The same rows
as the models describe; tests read them back through the ORM.
"""

from __future__ import annotations

import datetime as dt
import functools
import json

from django.db import connection

from yiyang.alarms import escalation, events
from yiyang.alarms.choices import ActivityKind, AlarmStatus
from yiyang.alarms.constants import PRIORITY
from yiyang.alarms.models import DeviceEvent

_LOCATION = DeviceEvent._meta.get_field("location")
_EXTRA = DeviceEvent._meta.get_field("extra")


class RawCursor:
    """The driver's own cursor inside Django's transaction: no query wrapper, no
    placeholder rewriting per call (SQLite takes ?, PostgreSQL %s)."""

    def __init__(self):
        connection.ensure_connection()
        self.cursor = connection.connection.cursor()
        self.sqlite = connection.vendor == "sqlite"

    def at(self, value: dt.datetime):
        return sqlite_datetime(value) if self.sqlite else value

    def execute(self, sql: str, params) -> None:
        self.cursor.execute(_sqlite_sql(sql) if self.sqlite else sql, params)

    def fetchone(self):
        return self.cursor.fetchone()

    def fetchall(self):
        return self.cursor.fetchall()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cursor.close()


@functools.cache
def _sqlite_sql(sql: str) -> str:
    return sql.replace("%s", "?")


@functools.lru_cache(maxsize=64)
def sqlite_datetime(value: dt.datetime) -> str:
    # What Django stores for an aware datetime on SQLite (UTC, no offset), without its
    # general adapter's cost (a third of the hot path's time); one event uses its
    # receiving time five times.
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def insert_event(cursor, device_id: int, event, channel: str, now: dt.datetime) -> int | None:
    """The new event's id, or None if the device sent this event id before."""
    cursor.execute(
        "INSERT INTO alarms_deviceevent (device_id, event_id, type, occurred_at, received_at, channel, "
        "battery, location, extra, alarm_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, NULL) "
        "ON CONFLICT (device_id, event_id) DO NOTHING RETURNING id",
        [device_id, event.event_id, event.type, cursor.at(event.occurred_at), cursor.at(now), channel,
         event.battery, _LOCATION.get_db_prep_save(event.location, connection),
         _EXTRA.get_db_prep_save(event.extra, connection)])
    row = cursor.fetchone()
    return row[0] if row else None


def known_event(cursor, device_id: int, event_id: str) -> tuple[int, int | None]:
    cursor.execute("SELECT id, alarm_id FROM alarms_deviceevent WHERE device_id = %s AND event_id = %s",
                   [device_id, event_id])
    return cursor.fetchone()


def link_event(cursor, event_pk: int, alarm_pk: int) -> None:
    cursor.execute("UPDATE alarms_deviceevent SET alarm_id = %s WHERE id = %s", [alarm_pk, event_pk])


def add_activity(cursor, alarm_pk: int, kind: str, now: dt.datetime, detail: str) -> int:
    cursor.execute("INSERT INTO alarms_alarmactivity (alarm_id, at, kind, actor_name, detail) "
                   "VALUES (%s, %s, %s, '', %s) RETURNING id", [alarm_pk, cursor.at(now), kind, detail[:500]])
    return cursor.fetchone()[0]


_OPEN = (
    "SELECT a.id, a.status, a.priority, a.raised_at, a.event_count, a.region_id, "
    "COALESCE(NULLIF(u.full_name, ''), u.username, ''), a.responder_name, "
    "a.responder_accepted_at IS NOT NULL, a.responder_arrived_at IS NOT NULL "
    "FROM alarms_alarm a LEFT JOIN core_user u ON u.id = a.acknowledged_by_id "
    "WHERE a.elder_id = %s AND a.type = %s AND a.status IN ('open', 'acknowledged')"
)


def raise_or_join(cursor, device, alarm_type: str, occurred_at: dt.datetime, now: dt.datetime,
                  detail: str) -> tuple[int, events.AlarmSummary]:
    """Open an alarm, or add to the open one of this kind for this elder (at most one
    is open: a constraint). Returns its id and its summary for the consoles."""
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""
    cursor.execute(_OPEN + lock, [device.elder_id, alarm_type])
    row = cursor.fetchone()
    if row is not None:
        return _join(cursor, device, alarm_type, row, now, detail)
    priority = PRIORITY[alarm_type]
    cursor.execute(
        "INSERT INTO alarms_alarm (created, last_updated, type, priority, status, elder_id, device_id, "
        "region_id, raised_at, occurred_at, last_event_at, event_count, outcome, close_note, "
        "responder_name, escalation_step, seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1, "
        "'', '', '', 0, 0) RETURNING id",
        [cursor.at(now), cursor.at(now), alarm_type, priority, AlarmStatus.OPEN, device.elder_id, device.id,
         device.region_id, cursor.at(now), cursor.at(occurred_at), cursor.at(now)])
    alarm_pk = cursor.fetchone()[0]
    seq = add_activity(cursor, alarm_pk, ActivityKind.RAISED, now, detail)
    cursor.execute("UPDATE alarms_alarm SET seq = %s WHERE id = %s", [seq, alarm_pk])
    due = now + dt.timedelta(seconds=escalation.ladder_for(device.region_id).ack_target_s)
    cursor.execute("INSERT INTO alarms_escalationtimer (alarm_id, step, due_at) VALUES (%s, 1, %s)",
                   [alarm_pk, cursor.at(due)])
    return alarm_pk, _summary(alarm_pk, seq, alarm_type, priority, AlarmStatus.OPEN, device, now, 1)


def _join(cursor, device, alarm_type, row, now, detail) -> tuple[int, events.AlarmSummary]:
    alarm_pk, status, priority, raised_at, count, _region, acked_by, responder, accepted, arrived = row
    seq = add_activity(cursor, alarm_pk, ActivityKind.REPEATED, now, detail)
    cursor.execute("UPDATE alarms_alarm SET event_count = event_count + 1, last_event_at = %s, seq = %s, "
                   "last_updated = %s WHERE id = %s", [cursor.at(now), seq, cursor.at(now), alarm_pk])
    if not isinstance(raised_at, dt.datetime):  # SQLite hands back text…
        raised_at = connection.ops.convert_datetimefield_value(raised_at, None, connection)
    if raised_at.tzinfo is None:  # …or a naive UTC time: the console needs the offset
        raised_at = raised_at.replace(tzinfo=dt.UTC)
    summary = _summary(alarm_pk, seq, alarm_type, priority, status, device, raised_at, count + 1)
    summary.update(acknowledged_by=acked_by or "", responder=responder or "",
                   responder_state="arrived" if arrived else "accepted" if accepted else "")
    return alarm_pk, summary


def _summary(alarm_pk, seq, alarm_type, priority, status, device, raised_at, count) -> events.AlarmSummary:
    return {"id": alarm_pk, "seq": seq, "type": alarm_type, "priority": priority, "status": status,
            "region": device.region_id, "place": device.region_name, "elder": device.elder_name,
            "elder_id": device.elder_id, "raised_at": raised_at.isoformat(), "events": count,
            "acknowledged_by": "", "responder": "", "responder_state": ""}


# --- PostgreSQL: a batch of events in one call (migration 0002) -------------------------------
_BATCH_PG = ("SELECT * FROM yiyang_alarm_intake(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[], "
             "%s::text[], %s::int[], %s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[], "
             "%s::int[], %s::timestamptz[], %s::text[], %s::timestamptz)")


def store_batch_pg(cursor, items: list, channel: str, now: dt.datetime) -> list[tuple]:
    """items: (device, event, alarm_type or None). Returns per item (event id, alarm id,
    summary to push or None, whether it is a resend), in one round trip for the batch."""
    columns = [[] for _ in range(14)]
    for device, event, alarm_type in items:
        due = None
        if alarm_type:
            due = now + dt.timedelta(seconds=escalation.ladder_for(device.region_id).ack_target_s)
        for column, value in zip(columns, (
                device.id, event.event_id, event.type, event.occurred_at, channel, event.battery,
                _json(event.location), _json(event.extra), alarm_type, device.elder_id, device.region_id,
                PRIORITY.get(alarm_type), due, device.serial), strict=True):
            column.append(value)
    cursor.execute(_BATCH_PG, [*columns, now])
    rows = cursor.fetchall()
    return [_stored(row, device, alarm_type)
            for row, (device, _event, alarm_type) in zip(rows, items, strict=True)]


def _stored(row, device, alarm_type) -> tuple:
    event_pk, alarm_pk, known, _new, seq, status, priority, raised_at, count, acked_by, responder, accepted, \
        arrived = row
    if known or alarm_pk is None:
        return event_pk, alarm_pk, None, known
    summary = _summary(alarm_pk, seq, alarm_type, priority, status, device, raised_at, count)
    summary.update(acknowledged_by=acked_by, responder=responder,
                   responder_state="arrived" if arrived else "accepted" if accepted else "")
    return event_pk, alarm_pk, summary, False


def _json(value) -> str | None:
    return None if value is None else json.dumps(value)

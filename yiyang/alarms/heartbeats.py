"""Heartbeats update a device's status without a row each: the latest per device is
kept in memory and written every HEARTBEAT_FLUSH_MS in one statement. A heartbeat
lost in a crash is harmless (the next one comes within the interval)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from yiyang.alarms import conf

log = logging.getLogger(__name__)

_SQLITE = (
    "UPDATE alarms_device SET last_seen_at = %s, battery = COALESCE(%s, battery), "
    "signal = COALESCE(%s, signal), "
    "status = CASE WHEN status = 'offline' THEN 'active' ELSE status END "
    "WHERE id = %s AND (last_seen_at IS NULL OR last_seen_at < %s)"
)
_POSTGRES = (
    "UPDATE alarms_device AS d SET last_seen_at = v.at, battery = COALESCE(v.battery, d.battery), "
    "signal = COALESCE(v.signal, d.signal), "
    "status = CASE WHEN d.status = 'offline' THEN 'active' ELSE d.status END "
    "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::timestamptz[]) AS at, "
    "unnest(%s::int[]) AS battery, unnest(%s::int[]) AS signal) AS v "
    "WHERE d.id = v.id AND (d.last_seen_at IS NULL OR d.last_seen_at < v.at)"
)


class HeartbeatBuffer:
    """The latest heartbeat per device, and callbacks to run once it is written (the
    MQTT bridge acknowledges messages there)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._latest: dict[int, tuple] = {}
        self._after_write: list[Callable[[], None]] = []
        self._thread: threading.Thread | None = None
        self.written = 0
        # Tests flush by hand, in their own transaction.
        self.autostart = not settings.TESTING

    def note(self, device_id: int, at: dt.datetime, battery=None, signal=None,
             after_write: Callable[[], None] | None = None) -> None:
        with self._lock:
            self._latest[device_id] = (at, battery, signal)
            if after_write is not None:
                self._after_write.append(after_write)
        self._ensure_running()

    @property
    def waiting(self) -> int:
        """Heartbeats whose callbacks wait for the next write."""
        return len(self._after_write)

    def flush(self) -> int:
        with self._lock:
            latest, self._latest = self._latest, {}
            callbacks, self._after_write = self._after_write, []
        if latest:
            try:
                write(latest)
            except Exception:
                with self._lock:  # keep them (and their acks) for the next attempt
                    for device_id, state in latest.items():
                        self._latest.setdefault(device_id, state)
                    self._after_write[:0] = callbacks
                raise
            self.written += len(latest)
        for callback in callbacks:
            callback()
        return len(latest)

    def _ensure_running(self) -> None:
        if not self.autostart:
            return
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="heartbeats", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(conf.HEARTBEAT_FLUSH_MS / 1000):
            try:
                self.flush()
            except Exception:  # kept for the next attempt, on a new connection
                log.exception("writing heartbeats failed")
                close_old_connections()


def write(latest: dict[int, tuple]) -> None:
    ids = list(latest)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES, [ids, [latest[i][0] for i in ids], [latest[i][1] for i in ids],
                                       [latest[i][2] for i in ids]])
        else:
            from yiyang.alarms.hotpath import sqlite_datetime as adapt  # cached: many share a time

            cursor.executemany(_SQLITE, [
                (adapt(at), battery, signal, device_id, adapt(at))
                for device_id, (at, battery, signal) in latest.items()
            ])


buffer = HeartbeatBuffer()

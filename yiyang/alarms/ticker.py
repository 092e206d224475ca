"""The alarms app's clock: due escalation steps, the notification outbox, offline
devices, quiet homes, and refusal counters. Runs inside each server process (a
background task started at ASGI lifespan) or as `yiyang alarm-ticker`; several at
once are safe, since every piece of work is claimed with a conditional UPDATE."""

from __future__ import annotations

import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from yiyang.alarms import conf, credentials, escalation, intake, monitoring

log = logging.getLogger(__name__)
OFFLINE_EVERY_S = 30
QUIET_EVERY_S = 300
SLICE = 10


class Ticker:
    def __init__(self):
        self._last = {"offline": 0.0, "quiet": 0.0, "credentials": 0.0}

    def tick(self) -> dict:
        return {"escalated": escalation.run_due(), **self.periodic()}

    def _every(self, name: str, seconds: float) -> bool:
        now = time.monotonic()
        if now - self._last[name] < seconds:
            return False
        self._last[name] = now
        return True

    def run_forever(self, stop=None) -> None:
        while stop is None or not stop.is_set():
            close_old_connections()
            self._safe_tick()
            time.sleep(conf.TICK_S)

    async def run_async(self) -> None:
        """In the server: on the thread that does the requests' database work, in
        slices of a few timers, so an event arriving meanwhile waits for one slice,
        not for a whole batch (and SQLite sees one writer, not two taking turns
        through its busy timeout)."""
        while True:
            try:
                if self._every("credentials", conf.DEVICE_CACHE_S / 2):
                    # Read-only and long at county scale: not on the writing thread.
                    await sync_to_async(credentials.preload, thread_sensitive=False)()
                await sync_to_async(self.periodic, thread_sensitive=True)()
                while await sync_to_async(escalation.run_due, thread_sensitive=True)(limit=SLICE):
                    await asyncio.sleep(0)
            except Exception:  # the clock must keep going; the work stays due
                log.exception("alarm ticker failed")
            await asyncio.sleep(conf.TICK_S)

    def periodic(self) -> dict:
        """Everything but the escalation steps."""
        done = {"sent": escalation.send_pending(), "refusals": intake.flush_rejections()}
        if self._every("offline", OFFLINE_EVERY_S):
            done["offline"] = monitoring.mark_offline()
            done["back_online"] = monitoring.close_back_online()
        if self._every("quiet", QUIET_EVERY_S):
            done["quiet"] = monitoring.quiet_homes()
        return done

    def _safe_tick(self) -> None:
        try:
            self.tick()
        except Exception:  # the clock must keep going; the work stays due
            log.exception("alarm ticker failed")

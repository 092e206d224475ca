"""Routines run once a day by `yiyang worker` (e.g. the dashboard's monthly snapshot),
so a deployment needs no cron entry. A routine runs at the first check after
YIYANG_DAILY_HOUR local time (23 by default: late, so a month's last snapshot holds
its last day), once per local day, whichever worker claims it first."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Q
from django.utils import timezone

from yiyang.jobs.models import DailyRun

log = logging.getLogger(__name__)
ROUTINES: dict[str, Callable[[dt.date], str]] = {}
CHECK_EVERY_S = 300


def daily(name: str):
    """@daily("dashboard_snapshot") def snapshot(day) -> str: ... (a line for the log)."""

    def register(function: Callable[[dt.date], str]) -> Callable[[dt.date], str]:
        ROUTINES[name] = function
        return function

    return register


def run_due(now: dt.datetime | None = None) -> dict[str, str]:
    """Run every routine not yet run today, if the day's hour has come."""
    now = timezone.localtime(now)
    if now.hour < settings.YIYANG_DAILY_HOUR:
        return {}
    ran = {}
    for name, routine in sorted(ROUTINES.items()):
        if _claim(name, now.date()):
            ran[name] = _run(name, routine, now.date())
    return ran


def _claim(name: str, day: dt.date) -> bool:
    DailyRun.objects.get_or_create(name=name)
    return bool(DailyRun.objects.filter(Q(last_day__lt=day) | Q(last_day__isnull=True), name=name)
                .update(last_day=day))


def _run(name: str, routine: Callable[[dt.date], str], day: dt.date) -> str:
    try:
        result = routine(day)
    except Exception as exc:  # noqa: BLE001 - logged and kept; tomorrow's run tries again
        log.exception("daily routine %s failed", name)
        result = f"failed: {type(exc).__name__}: {exc}"
    DailyRun.objects.filter(name=name).update(last_result=result[:200])
    log.info("daily routine %s: %s", name, result)
    return result


def start_thread(stop: threading.Event) -> threading.Thread:
    """Check for due routines every few minutes until `stop` is set (the worker's)."""

    def loop() -> None:
        while not stop.is_set():
            close_old_connections()
            try:
                run_due()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the checks
                log.exception("daily routines could not be checked")
            finally:
                connections.close_all()  # this thread's own; none held while it sleeps
            stop.wait(CHECK_EVERY_S)

    thread = threading.Thread(target=loop, name="yiyang-daily", daemon=True)
    thread.start()
    return thread

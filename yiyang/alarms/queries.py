"""Reads for the console, the device pages and the figures."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from yiyang.alarms import conf, events
from yiyang.alarms.choices import AlarmStatus, DeviceStatus, Outcome
from yiyang.alarms.models import Alarm, AlarmActivity, Device, DeviceEvent

QUEUE_LIMIT = 500
SYNC_LIMIT = 5000
FETCH_LIMIT = 500
# Activities newer than this may still have lower ids uncommitted (PostgreSQL hands
# out ids at insert, not at commit): a console's watermark stays behind them.
COMMIT_LOOKBACK_S = 2


def sync(user, since: int | None) -> dict:
    """The console's re-sync. since None: the open queue, in full. Otherwise every alarm in
    scope that changed after `since`, as [id, seq] pairs (the page fetches the ones it
    lacks: most arrived by push), and the watermark to ask from next time."""
    watermark = safe_watermark()
    qs = Alarm.objects.restrict(user)
    if since is None:
        rows = qs.select_related("elder", "region", "acknowledged_by").queue()[:QUEUE_LIMIT]
        return {"alarms": [events.summary(a) for a in rows], "watermark": watermark, "full": True}
    changes = list(qs.changed_since(since).order_by("seq").values_list("id", "seq")[:SYNC_LIMIT])
    if len(changes) == SYNC_LIMIT:
        watermark = changes[-1][1]
    return {"alarms": [], "changes": changes, "watermark": max(watermark, since), "full": False}


def fetch(user, ids: list[int]) -> dict:
    """Summaries of these alarms (those in scope), for a console that missed them."""
    rows = (Alarm.objects.restrict(user).select_related("elder", "region", "acknowledged_by")
            .filter(pk__in=ids[:FETCH_LIMIT]))
    return {"alarms": [events.summary(a) for a in rows], "full": False}


def safe_watermark() -> int:
    if connection.vendor == "sqlite":  # one writer at a time: ids commit in order
        return AlarmActivity.objects.order_by("-id").values_list("id", flat=True).first() or 0
    recent = (AlarmActivity.objects.filter(at__gt=timezone.now() - dt.timedelta(seconds=COMMIT_LOOKBACK_S))
              .order_by("id").values_list("id", flat=True).first())
    if recent is not None:
        return recent - 1
    return AlarmActivity.objects.order_by("-id").values_list("id", flat=True).first() or 0


def recent_events(device: Device, limit: int = 20):
    return DeviceEvent.objects.filter(device=device).order_by("-received_at", "-id")[:limit]


def elder_alarms(elder_id: int, limit: int = 8):
    return Alarm.objects.filter(elder_id=elder_id).order_by("-raised_at")[:limit]


# --- figures ------------------------------------------------------------------------------
def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time(), tzinfo=tz), dt.datetime.combine(end, dt.time(), tzinfo=tz))


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(1, math.ceil(q * len(ordered))) - 1], 1)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _share(values: list[float], limit: float, total: int) -> float | None:
    return round(sum(1 for v in values if v <= limit) / total, 4) if total else None


def response_figures(rows: list[tuple]) -> dict:
    """From (type, status, outcome, raised, acknowledged, closed) tuples."""
    ack = [(a - r).total_seconds() for _t, _s, _o, r, a, _c in rows if a]
    close = [(c - r).total_seconds() for _t, _s, _o, r, _a, c in rows if c]
    closed = [o for _t, s, o, *_ in rows if s == AlarmStatus.CLOSED]
    return {
        "alarms": len(rows),
        "open": sum(1 for _t, s, *_ in rows if s != AlarmStatus.CLOSED),
        "ack_median_s": _median(ack), "ack_p90_s": _quantile(ack, 0.9),
        "close_median_s": _median(close), "close_p90_s": _quantile(close, 0.9),
        "ack_within_60s_share": _share(ack, 60, len(rows)),
        "ack_within_180s_share": _share(ack, 180, len(rows)),
        "by_type": dict(Counter(t for t, *_ in rows)),
        "by_outcome": dict(Counter(o for o in closed if o)),
        "false_alarm_rate": round(closed.count(Outcome.FALSE_ALARM) / len(closed), 4) if closed else None,
    }


def figures(alarms_qs, devices_qs, start: dt.date, end: dt.date) -> dict:
    """Response figures for alarms raised in [start, end), per region scope and per
    operator, and the device counts."""
    low, high = period_bounds(start, end)
    rows = list(alarms_qs.filter(raised_at__gte=low, raised_at__lt=high).values_list(
        "type", "status", "outcome", "raised_at", "acknowledged_at", "closed_at", "acknowledged_by_id",
        "acknowledged_by__username", "acknowledged_by__full_name"))
    by_operator: dict = defaultdict(list)
    names = {}
    for row in rows:
        if row[6]:
            by_operator[row[6]].append(row[:6])
            names[row[6]] = row[8] or row[7]
    operators = [{"id": pk, "name": names[pk], **response_figures(items)}
                 for pk, items in sorted(by_operator.items(), key=lambda kv: names[kv[0]])]
    return {**response_figures([r[:6] for r in rows]), **device_counts(devices_qs),
            "operators": operators, "start": start.isoformat(), "end": end.isoformat()}


def device_counts(devices_qs) -> dict:
    counts = devices_qs.aggregate(
        total=Count("id", filter=~Q(status=DeviceStatus.RETIRED)),
        offline=Count("id", filter=Q(status=DeviceStatus.OFFLINE)),
    )
    return {"devices_total": counts["total"], "devices_offline": counts["offline"],
            "devices_online": counts["total"] - counts["offline"]}


def resync_interval_ms() -> int:
    return conf.RESYNC_S * 1000

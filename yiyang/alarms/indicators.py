"""Alarm figures for the dashboard (the contract in docs/alarms.md): the region
subtree of a 12-digit code, over the local-time period [start, end)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count
from django.utils import timezone

from yiyang.alarms import queries
from yiyang.alarms.choices import AlarmType, DeviceStatus
from yiyang.alarms.models import Alarm, Device
from yiyang.core.models import Region


def _prefix(region_code: str) -> str | None:
    region = Region.objects.filter(code=region_code).first()
    return region.prefix if region else None


def dashboard_figures(region_code: str, start: dt.date, end: dt.date) -> dict | None:
    prefix = _prefix(region_code)
    if prefix is None:
        return None
    alarms = Alarm.objects.in_prefix(prefix)
    today = timezone.localdate()
    low, high = queries.period_bounds(start, end)
    period = list(alarms.filter(raised_at__gte=low, raised_at__lt=high).values_list(
        "type", "status", "outcome", "raised_at", "acknowledged_at", "closed_at"))
    today_low, today_high = queries.period_bounds(today, today + dt.timedelta(days=1))
    response = queries.response_figures(period)
    return {
        "alarms_today_by_type": dict(Counter(alarms.filter(
            raised_at__gte=today_low, raised_at__lt=today_high).values_list("type", flat=True))),
        "alarms_period_by_type": response["by_type"],
        "type_labels": {value: str(label) for value, label in AlarmType.choices},
        "alarms_period": response["alarms"],
        "open_alarms": alarms.open().count(),
        "ack_median_s": response["ack_median_s"],
        "ack_p90_s": response["ack_p90_s"],
        "ack_within_60s_share": response["ack_within_60s_share"],
        "ack_within_180s_share": response["ack_within_180s_share"],
        "false_alarm_rate": response["false_alarm_rate"],
        **queries.device_counts(Device.objects.in_prefix(prefix)),
    }


def figures_by_child(region_code: str, start: dt.date, end: dt.date) -> dict[str, dict]:
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        return {}
    children = {code: Region(code=code, level=level).prefix
                for code, level in Region.objects.children_of(region).values_list("code", "level")}
    low, high = queries.period_bounds(start, end)
    # Two grouped reads over the region, then each village's figures go to its child.
    alarms = (Alarm.objects.in_prefix(region.prefix).filter(raised_at__gte=low, raised_at__lt=high)
              .order_by().values_list("region_id").annotate(n=Count("id")))
    offline = (Device.objects.in_prefix(region.prefix).filter(status=DeviceStatus.OFFLINE)
               .order_by().values_list("region_id").annotate(n=Count("id")))
    result = {code: {"alarms": 0, "devices_offline": 0} for code in children}
    for key, rows in (("alarms", alarms), ("devices_offline", offline)):
        for region_id, n in rows:
            child = _child_of(region_id, children)
            if child is not None:
                result[child][key] += n
    return result


def _child_of(region_id: str, children: dict[str, str]) -> str | None:
    for code, prefix in children.items():
        if region_id.startswith(prefix):
            return code
    return None


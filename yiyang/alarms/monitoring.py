"""Link supervision and quiet homes: devices that stopped reporting become offline
work items for the community worker; a motion sensor of an elder living alone that
saw nobody for INACTIVITY_HOURS of daytime raises a low-priority alarm."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiyang.alarms import conf
from yiyang.alarms.choices import AlarmType, DeviceKind, DeviceStatus, WorkItemKind, WorkItemStatus
from yiyang.alarms.credentials import DeviceRef
from yiyang.alarms.models import Alarm, Device, DeviceWorkItem
from yiyang.elders.choices import ElderStatus, LivingArrangement


def mark_offline(now: dt.datetime | None = None, batch: int = 2000) -> int:
    """Devices silent for two heartbeat intervals go offline, each with a work item."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=2 * conf.HEARTBEAT_INTERVAL_S)
    silent = list(Device.objects.filter(status=DeviceStatus.ACTIVE, last_seen_at__lt=cutoff)
                  .values_list("id", "region_id")[:batch])
    if not silent:
        return 0
    with transaction.atomic():
        changed = Device.objects.filter(pk__in=[i for i, _ in silent], status=DeviceStatus.ACTIVE,
                                        last_seen_at__lt=cutoff).update(status=DeviceStatus.OFFLINE)
        DeviceWorkItem.objects.bulk_create([
            DeviceWorkItem(device_id=i, region_id=region, kind=WorkItemKind.OFFLINE, opened_at=now)
            for i, region in silent
        ], ignore_conflicts=True)
    return changed


def close_back_online(now: dt.datetime | None = None) -> int:
    """Offline work items of devices that report again are done by themselves."""
    now = now or timezone.now()
    return DeviceWorkItem.objects.filter(
        kind=WorkItemKind.OFFLINE, status=WorkItemStatus.OPEN, device__status=DeviceStatus.ACTIVE,
    ).update(status=WorkItemStatus.DONE, closed_at=now, note="back online")


def daytime_hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Hours of local daytime (DAY_START_HOUR to DAY_END_HOUR) between two moments."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    total, day = 0.0, start.date()
    while day <= end.date():
        opens = start.replace(year=day.year, month=day.month, day=day.day, hour=conf.DAY_START_HOUR,
                              minute=0, second=0, microsecond=0)
        closes = opens.replace(hour=conf.DAY_END_HOUR)
        overlap = min(end, closes) - max(start, opens)
        total += max(overlap.total_seconds(), 0) / 3600
        day += dt.timedelta(days=1)
    return total


def quiet_homes(now: dt.datetime | None = None) -> int:
    """Raise an inactivity alarm (once per quiet spell) for each quiet home."""
    from yiyang.alarms.events import publish_on_commit
    from yiyang.alarms.intake import raise_or_join

    now = now or timezone.now()
    hours = conf.INACTIVITY_HOURS
    candidates = (Device.objects.filter(
        kind=DeviceKind.MOTION, status=DeviceStatus.ACTIVE,
        last_motion_at__lt=now - dt.timedelta(hours=hours),
        elder__living_arrangement=LivingArrangement.ALONE, elder__status=ElderStatus.ACTIVE,
    ).values("id", "serial", "kind", "elder_id", "region_id", "elder__name", "region__name",
             "last_motion_at"))
    raised = 0
    for row in candidates.iterator(chunk_size=500):
        if daytime_hours_between(row["last_motion_at"], now) < hours:
            continue
        if Alarm.objects.filter(elder_id=row["elder_id"], type=AlarmType.INACTIVITY,
                                raised_at__gte=row["last_motion_at"]).exists():
            continue
        device = DeviceRef(id=row["id"], serial=row["serial"], kind=row["kind"],
                           elder_id=row["elder_id"], region_id=row["region_id"],
                           elder_name=row["elder__name"], region_name=row["region__name"])
        with transaction.atomic():
            _alarm, push = raise_or_join(device, AlarmType.INACTIVITY, now, f"{device.serial}: {hours} h")
            publish_on_commit(push)
        raised += 1
    return raised

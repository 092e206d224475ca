"""Demo data of the alarms app, added by `yiyang demo` after the registry is built:
devices in the homes of elders living alone (a call button each, many a motion
sensor, some smoke and gas detectors), a mutual-aid neighbour per equipped elder, the
county's escalation ladder, and a month of handled alarms for the figures.

Demo devices get keys derived from the server's secret (credentials.demo_key), so
`yiyang simulate-devices` can act as them.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from yiyang.alarms import credentials
from yiyang.alarms.choices import AlarmStatus, AlarmType, DeviceKind, DeviceStatus, Outcome
from yiyang.alarms.constants import PRIORITY
from yiyang.alarms.models import Alarm, Device, DeviceWorkItem, EscalationLadder
from yiyang.core.choices import RegionLevel, Role
from yiyang.core.models import Region, User
from yiyang.elders.choices import ElderStatus, LivingArrangement
from yiyang.elders.models import Elder, EmergencyContact

EQUIPPED = 2500
SEED = 7
NEIGHBOURS = ["张大妈", "李婶", "王大爷", "刘叔", "陈阿姨", "赵嫂", "孙大哥", "周奶奶"]
VENDORS = {DeviceKind.CALL_BUTTON: ("颐联科技", "YL-4G-S2"), DeviceKind.MOTION: ("安睿", "AR-PIR3"),
           DeviceKind.SMOKE: ("安睿", "AR-SD1"), DeviceKind.GAS: ("安睿", "AR-GD2")}
OUTCOME_WEIGHTS = [(Outcome.FALSE_ALARM, 45), (Outcome.RESOLVED_BY_PHONE, 30),
                   (Outcome.HELPER_ATTENDED, 15), (Outcome.AMBULANCE, 6), (Outcome.FIRE_SERVICE, 1),
                   (Outcome.OTHER, 3)]


def demo_serial(kind: str, elder_id: int) -> str:
    return f"YY{kind[:2].upper()}{elder_id:08d}"


@transaction.atomic
def populate(log=print, equipped: int = EQUIPPED) -> None:
    rng = random.Random(SEED)
    now = timezone.now()
    alone = Elder.objects.filter(status=ElderStatus.ACTIVE, living_arrangement=LivingArrangement.ALONE)
    elders = list(alone.order_by("id").values_list("id", "region_id")[:equipped])
    devices = []
    for elder_id, region_id in elders:
        kinds = [DeviceKind.CALL_BUTTON]
        kinds += [DeviceKind.MOTION] if rng.random() < 0.4 else []
        kinds += [DeviceKind.SMOKE] if rng.random() < 0.15 else []
        kinds += [DeviceKind.GAS] if rng.random() < 0.08 else []
        devices += [_device(kind, elder_id, region_id, rng, now) for kind in kinds]
    Device.objects.bulk_create(devices, batch_size=2000)
    _offline_work_items(now)
    _neighbours(elders, rng)
    _ladder()
    _history(elders, rng, now)
    log(f"  alarms: {len(devices):,} devices in {len(elders):,} homes, a month of alarms")


def _device(kind: str, elder_id: int, region_id: str, rng: random.Random, now) -> Device:
    serial = demo_serial(kind, elder_id)
    key = credentials.demo_key(serial)
    offline = rng.random() < 0.01
    vendor, model = VENDORS[kind]
    return Device(
        kind=kind, serial=serial, elder_id=elder_id, region_id=region_id, vendor=vendor, model=model,
        imei=f"86{elder_id:013d}" if kind == DeviceKind.CALL_BUTTON else "",
        installer="县养老服务中心", installed_on=(now - dt.timedelta(days=rng.randint(30, 700))).date(),
        status=DeviceStatus.OFFLINE if offline else DeviceStatus.ACTIVE,
        key_hash=credentials.hash_key(key), key_prefix=key[:10],
        last_seen_at=now - dt.timedelta(seconds=rng.randint(2000, 90_000) if offline
                                        else rng.randint(5, 280)),
        battery=rng.randint(15, 100), signal=rng.randint(-105, -60),
        last_motion_at=(now - dt.timedelta(minutes=rng.randint(1, 90))
                        if kind == DeviceKind.MOTION else None),
    )


def _offline_work_items(now) -> None:
    DeviceWorkItem.objects.bulk_create([
        DeviceWorkItem(device_id=pk, region_id=region, kind="offline", opened_at=now)
        for pk, region in Device.objects.filter(status=DeviceStatus.OFFLINE).values_list("id", "region_id")
    ])


def _neighbours(elders, rng: random.Random) -> None:
    contacts = []
    for elder_id, _region in elders:
        contact = EmergencyContact(elder_id=elder_id, name=rng.choice(NEIGHBOURS), relation="neighbour",
                                   position=0)
        contact.set_phone(f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}")
        contacts.append(contact)
    EmergencyContact.objects.bulk_create(contacts, batch_size=2000)


def _ladder() -> None:
    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    if county is None:
        return
    ladder = EscalationLadder(region=county, supervisor_name="呼叫中心值班主管")
    ladder.set_supervisor_phone("13800138000")
    ladder.save()


def _history(elders, rng: random.Random, now) -> None:
    """About 20 handled alarms a day over the last 30 days."""
    operators = list(User.objects.filter(role=Role.OPERATOR))
    if not elders or not operators:
        return
    types = [AlarmType.SOS] * 6 + [AlarmType.FALL, AlarmType.SMOKE, AlarmType.INACTIVITY,
                                   AlarmType.DOOR_NIGHT]
    outcomes, weights = zip(*OUTCOME_WEIGHTS, strict=True)
    rows = []
    for _ in range(600):
        elder_id, region_id = rng.choice(elders)
        raised = now - dt.timedelta(minutes=rng.randint(60, 30 * 24 * 60))
        acked = raised + dt.timedelta(seconds=rng.lognormvariate(3.4, 0.6))
        alarm_type = rng.choice(types)
        rows.append(Alarm(
            type=alarm_type, priority=PRIORITY[alarm_type], status=AlarmStatus.CLOSED, elder_id=elder_id,
            region_id=region_id, raised_at=raised, occurred_at=raised, last_event_at=raised,
            acknowledged_at=acked, acknowledged_by=rng.choice(operators),
            closed_at=acked + dt.timedelta(seconds=rng.randint(60, 3600)), closed_by=operators[0],
            outcome=rng.choices(outcomes, weights)[0], close_note="演示数据"))
    Alarm.objects.bulk_create(rows, batch_size=1000)

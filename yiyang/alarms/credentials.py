"""Device credentials: `Authorization: Device <key>`, a random key per device of
which only the SHA-256 is stored. Lookups are cached per process for a short time,
so the hot path of intake does not read the device row for every event."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings

from yiyang.alarms import conf
from yiyang.alarms.choices import DeviceStatus

PREFIX = "yyd_"


@dataclass(frozen=True)
class DeviceRef:
    """What intake needs to know about a device, cached."""

    id: int
    serial: str
    kind: str
    elder_id: int
    region_id: str
    elder_name: str = ""
    region_name: str = ""


def new_key() -> str:
    return PREFIX + secrets.token_urlsafe(24)


def demo_key(serial: str) -> str:
    """The key of a synthetic demo/bench device, derived from the server's secret so
    `yiyang simulate-devices` can act as the devices. Never for real devices."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo-device:{serial}".encode(), hashlib.sha256)
    return PREFIX + digest.hexdigest()[:32]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


_cache: dict[str, tuple[float, DeviceRef | None]] = {}


def lookup(key: str) -> DeviceRef | None:
    """The active device holding this key, or None (cached for DEVICE_CACHE_S)."""
    if not key.startswith(PREFIX) or len(key) > 100:
        return None
    key_hash = hash_key(key)
    now = time.monotonic()
    hit = _cache.get(key_hash)
    if hit is not None and hit[0] > now:
        return hit[1]
    ref = _load(key_hash)
    if len(_cache) > 200_000:
        _cache.clear()
    _cache[key_hash] = (now + conf.DEVICE_CACHE_S, ref)
    return ref


MISS = object()


def cached(key: str):
    """The cached answer for a key (a DeviceRef or None), or MISS: no database."""
    if not key.startswith(PREFIX) or len(key) > 100:
        return None
    hit = _cache.get(hash_key(key))
    return hit[1] if hit is not None and hit[0] > time.monotonic() else MISS


def forget(key_hash: str) -> None:
    _cache.pop(key_hash, None)


def preload(limit: int = 200_000) -> int:
    """Fill the cache with every active device in one query (the MQTT bridge does it
    at start and every DEVICE_CACHE_S, instead of one query per device)."""
    from yiyang.alarms.models import Device

    expires = time.monotonic() + conf.DEVICE_CACHE_S
    rows = (Device.objects.exclude(status=DeviceStatus.RETIRED)
            .values_list("key_hash", "id", "serial", "kind", "elder_id", "region_id", "elder__name",
                         "region__name")[:limit])
    n = 0
    for key_hash, *fields in rows.iterator(chunk_size=5000):
        _cache[key_hash] = (expires, DeviceRef(*fields))
        n += 1
    return n


def _load(key_hash: str) -> DeviceRef | None:
    from yiyang.alarms.models import Device

    row = (Device.objects.filter(key_hash=key_hash).exclude(status=DeviceStatus.RETIRED)
           .values("id", "serial", "kind", "elder_id", "region_id", "elder__name", "region__name")
           .first())
    if row is None:
        return None
    return DeviceRef(id=row["id"], serial=row["serial"], kind=row["kind"], elder_id=row["elder_id"],
                     region_id=row["region_id"], elder_name=row["elder__name"],
                     region_name=row["region__name"])

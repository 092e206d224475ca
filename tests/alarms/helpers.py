"""Devices and events for the alarms tests."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time

from django.utils import timezone

from yiyang.alarms import services
from yiyang.alarms.services import DeviceData
from yiyang.core.choices import Role
from yiyang.core.testing import TOWN_B, make_user

INTAKE = "/api/v1/device-events"
_ids = itertools.count(1)


def make_device(county, elder: str = "a1", kind: str = "call_button", serial: str | None = None):
    """A registered device of a build_county() elder and its key."""
    data = DeviceData(kind=kind, serial=serial or f"SN{next(_ids):06d}", elder=county.elders[elder],
                      vendor="颐联", model="YL-4G")
    return services.register_device(data, actor=county.users["admin"])


def event(type_: str = "sos", event_id: str | None = None, **extra) -> dict:
    body = {"event_id": event_id or f"ev-{next(_ids)}", "type": type_,
            "occurred_at": (timezone.now() - dt.timedelta(seconds=1)).isoformat()}
    body.update(extra)
    return body


def post_event(client, key: str | None, body, scheme: str = "Device"):
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    headers = {"Authorization": f"{scheme} {key}"} if key else {}
    return client.post(INTAKE, raw, content_type="application/json", headers=headers)


def town_b_operator():
    from yiyang.core.models import User

    return User.objects.filter(username="operator_b").first() or make_user("operator_b", Role.OPERATOR,
                                                                          TOWN_B)


def wait_for(condition, seconds: float = 10) -> bool:
    """Poll until condition() holds (the bridge writes in batches on its own thread)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False

"""Live push of alarm changes to the consoles (typed payloads, sent after commit).

A push can be dropped (channel layers drop when full, by design): consoles load the
queue from the database on every (re)connect and re-sync by sequence number every
few seconds, so the database row is the truth and a push only makes it sooner.
"""

from __future__ import annotations

import logging
from typing import TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)
COUNTY_PREFIX = 6


class AlarmSummary(TypedDict):
    id: int
    seq: int
    type: str
    priority: int
    status: str
    region: str
    place: str
    elder: str
    elder_id: int
    raised_at: str
    events: int
    acknowledged_by: str
    responder: str
    responder_state: str


def group_name(prefix: str) -> str:
    return f"alarms.{prefix}"


def group_for(region_code: str) -> str:
    """One group per county (one send per change): a console scoped to a town or a
    village filters its county's stream, one scoped to a city or a province joins the
    groups of its counties (consumers.console_groups)."""
    return group_name(region_code[:COUNTY_PREFIX])


def summary_of(alarm, elder_name: str, place: str, acknowledged_by: str = "") -> AlarmSummary:
    state = "arrived" if alarm.responder_arrived_at else "accepted" if alarm.responder_accepted_at else ""
    return {
        "id": alarm.pk, "seq": alarm.seq, "type": alarm.type, "priority": alarm.priority,
        "status": alarm.status, "region": alarm.region_id, "place": place, "elder": elder_name,
        "elder_id": alarm.elder_id, "raised_at": alarm.raised_at.isoformat(),
        "events": alarm.event_count, "acknowledged_by": acknowledged_by,
        "responder": alarm.responder_name, "responder_state": state,
    }


def summary(alarm) -> AlarmSummary:
    """For an alarm loaded with select_related("elder", "region", "acknowledged_by")."""
    who = alarm.acknowledged_by
    return summary_of(alarm, alarm.elder.name, alarm.region.name, str(who) if who else "")


def message(payloads: list[AlarmSummary]) -> dict:
    return {"type": "alarms.changed", "alarms": payloads}


async def push(payload: AlarmSummary) -> None:
    await push_many([payload])


async def push_many(payloads: list[AlarmSummary]) -> None:
    """One message per county for many changes: a WebSocket takes some hundreds of
    messages a second from a channel layer, not thousands (PERFORMANCE-NOTES.md)."""
    layer = get_channel_layer()
    if layer is None or not payloads:
        return
    by_group: dict[str, list] = {}
    for payload in payloads:
        by_group.setdefault(group_for(payload["region"]), []).append(payload)
    for group, batch in by_group.items():
        try:
            await layer.group_send(group, message(batch))
        except Exception:  # a full channel or an unreachable Redis: re-sync catches up
            log.warning("push of %s alarm changes failed", len(batch), exc_info=True)


def publish_on_commit(payload: AlarmSummary) -> None:
    """From sync code inside a transaction: push once it has committed."""
    transaction.on_commit(lambda: async_to_sync(push)(payload))

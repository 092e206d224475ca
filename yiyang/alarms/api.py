"""REST API of alarms (mounted at /api/v1/ by yiyang.api): device intake, devices,
alarms and figures. Under ASGI, POST /api/v1/device-events is served by
asgi_intake before Django; this handler is the same pipeline for other servers."""

from __future__ import annotations

import datetime as dt

from asgiref.sync import async_to_sync
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from yiyang.alarms import events, intake, queries, services
from yiyang.alarms.choices import Outcome
from yiyang.alarms.models import Alarm, Device
from yiyang.core import scoping
from yiyang.core.api import InvalidInput
from yiyang.core.choices import Action

router = Router(tags=["alarms"])


@router.post("/device-events", auth=None, include_in_schema=True, summary="Report a device event",
             openapi_extra={"requestBody": {"content": {"application/json": {"schema": {
                 "type": "object", "required": ["event_id", "type", "occurred_at"],
                 "properties": {"event_id": {"type": "string"}, "type": {"type": "string"},
                                "occurred_at": {"type": "string", "format": "date-time"},
                                "battery": {"type": "integer"}, "signal": {"type": "integer"},
                                "location": {}, "extra": {"type": "object"}}}}}}})
def device_events(request):
    """Authenticate with `Authorization: Device <key>`. Stored before the answer;
    a resent event_id is answered the same and stores nothing new."""
    result = intake.receive(request.headers.get("Authorization", ""), request.body)
    for payload in result.pushes:
        async_to_sync(events.push)(payload)
    return JsonResponse(result.body, status=result.status)


class DeviceOut(Schema):
    id: int
    kind: str
    serial: str
    vendor: str
    model: str
    elder_id: int
    region: str
    status: str
    last_seen_at: dt.datetime | None
    battery: int | None
    signal: int | None

    @staticmethod
    def resolve_region(obj):
        return obj.region_id


@router.get("/devices", response=list[DeviceOut])
def list_devices(request, status: str = "", kind: str = "", offset: int = 0, limit: int = 100):
    qs = Device.objects.restrict(request.auth)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("id")[max(offset, 0):max(offset, 0) + min(max(limit, 1), 500)]


@router.get("/devices/{pk}", response=DeviceOut)
def get_device(request, pk: int):
    return get_object_or_404(Device.objects.restrict(request.auth), pk=pk)


class AlarmOut(Schema):
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


def _alarms(request):
    if not scoping.can(request.auth, Action.HANDLE_ALARMS):
        raise HttpError(404, "Not found.")
    return Alarm.objects.restrict(request.auth).select_related("elder", "region", "acknowledged_by")


@router.get("/alarms", response=list[AlarmOut])
def list_alarms(request, since: int = 0):
    """The open queue (most urgent, oldest first), or with since=N every alarm in
    scope that changed after sequence number N (closed ones too)."""
    qs = _alarms(request)
    if since <= 0:
        return queries.sync(request.auth, None)["alarms"]
    return [events.summary(a) for a in qs.changed_since(since).order_by("seq")[:queries.SYNC_LIMIT]]


@router.get("/alarms/figures")
def alarm_figures(request, start: dt.date | None = None, end: dt.date | None = None):
    """Time to acknowledge and close (median, p90), shares within 60/180 s, by type,
    outcome and operator, and devices offline, for alarms raised in [start, end)."""
    user = request.auth
    action = Action.HANDLE_ALARMS if scoping.can(user, Action.HANDLE_ALARMS) else Action.VIEW_DASHBOARD
    if not scoping.can(user, action):
        raise HttpError(404, "Not found.")
    today = timezone.localdate()
    start = start or today.replace(day=1)
    end = end or today + dt.timedelta(days=1)
    return queries.figures(Alarm.objects.restrict(user, action), Device.objects.restrict(user, action),
                           start, end)


@router.get("/alarms/{pk}", response=AlarmOut)
def get_alarm(request, pk: int):
    return events.summary(get_object_or_404(_alarms(request), pk=pk))


@router.post("/alarms/{pk}/acknowledge", response=AlarmOut)
def acknowledge_alarm(request, pk: int):
    get_object_or_404(_alarms(request), pk=pk)
    if not services.acknowledge(pk, actor=request.auth):
        raise HttpError(409, "Already acknowledged.")
    return events.summary(_alarms(request).get(pk=pk))


class CloseIn(Schema):
    outcome: str
    note: str


@router.post("/alarms/{pk}/close", response=AlarmOut)
def close_alarm(request, pk: int, payload: CloseIn):
    get_object_or_404(_alarms(request), pk=pk)
    errors = {}
    if payload.outcome not in Outcome.values:
        errors["outcome"] = [f"one of {', '.join(Outcome.values)}"]
    if not payload.note.strip():
        errors["note"] = ["a note is required"]
    if errors:
        raise InvalidInput(errors)
    try:
        services.close_alarm(pk, actor=request.auth, outcome=payload.outcome, note=payload.note.strip())
    except services.AlarmConflict as exc:
        raise HttpError(409, str(exc)) from exc
    return events.summary(_alarms(request).get(pk=pk))

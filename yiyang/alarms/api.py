"""REST API of alarms (mounted at /api/v1/ by yiyang.api): device intake, devices,
alarms and figures. Under ASGI, POST /api/v1/device-events is served by
asgi_intake before Django; this handler is the same pipeline for other servers."""

from __future__ import annotations

import datetime as dt

from asgiref.sync import async_to_sync
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from yiyang.alarms import events, intake, ladders, queries, services
from yiyang.alarms.choices import Outcome
from yiyang.alarms.forms import LadderForm, ladder_data
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


class LadderOut(Schema):
    region: str
    region_name: str
    own: bool
    source: str | None
    ack_target_s: int
    neighbours_after_s: int
    family_after_s: int
    supervisor_name: str
    supervisor_phone: str


class LadderIn(Schema):
    ack_target_s: int
    neighbours_after_s: int
    family_after_s: int
    supervisor_name: str = ""
    supervisor_phone: str = ""


class LadderCreate(LadderIn):
    region: str


def _ladder_out(item: ladders.Applied) -> dict:
    ladder = item.ladder
    return {"region": item.region.code, "region_name": item.region.name, "own": item.own is not None,
            "source": item.source.code if item.source else None, "ack_target_s": ladder.ack_target_s,
            "neighbours_after_s": ladder.neighbours_after_s, "family_after_s": ladder.family_after_s,
            "supervisor_name": ladder.supervisor_name, "supervisor_phone": ladder.supervisor_phone_masked}


def _ladder_data(user, code: str, payload: LadderIn) -> ladders.LadderData:
    """The page's form validates API input too (one set of rules and messages)."""
    current = ladders.applied(ladders.region_for(user, code))
    form = LadderForm(payload.dict(), has_phone=bool(current.own and current.own.supervisor_phone_enc))
    if not form.is_valid():
        raise InvalidInput({field: [str(m) for m in messages] for field, messages in form.errors.items()})
    return ladder_data(form)


@router.get("/alarms/ladders", response=list[LadderOut])
def list_ladders(request, parent: str | None = None):
    """The ladder in force for a region (default: your scope's root) and each region
    below it: their own, or inherited (`source` is the region whose ladder applies;
    null: the defaults)."""
    region = ladders.region_for(request.auth, parent or request.auth.scope_region_id)
    current = ladders.applied(region)
    children = list(scoping.visible_regions(request.auth).children_of(region))
    return [_ladder_out(current)] + [_ladder_out(i) for i in ladders.applied_to_children(
        region, current, children)]


@router.get("/alarms/ladders/{code}", response=LadderOut)
def get_ladder(request, code: str):
    return _ladder_out(ladders.applied(ladders.region_for(request.auth, code)))


@router.post("/alarms/ladders", response={201: LadderOut})
def create_ladder(request, payload: LadderCreate):
    """Give a region (that inherits) its own ladder; 409 if it has one (use PUT)."""
    ladders.require_edit(request.auth)
    region = ladders.region_for(request.auth, payload.region)
    if ladders.applied(region).own is not None:
        raise HttpError(409, "This region has its own ladder already; change it with PUT.")
    ladders.save_ladder(region.code, _ladder_data(request.auth, region.code, payload), actor=request.auth)
    return Status(201, _ladder_out(ladders.applied(region)))


@router.put("/alarms/ladders/{code}", response=LadderOut)
def update_ladder(request, code: str, payload: LadderIn):
    """Change a region's own ladder (404 if it only inherits one: create it with POST).
    An empty supervisor_phone keeps the stored number; no supervisor_name removes both."""
    ladders.require_edit(request.auth)
    if ladders.applied(ladders.region_for(request.auth, code)).own is None:
        raise HttpError(404, "This region has no ladder of its own.")
    ladders.save_ladder(code, _ladder_data(request.auth, code, payload), actor=request.auth)
    return _ladder_out(ladders.applied(ladders.region_for(request.auth, code)))


@router.delete("/alarms/ladders/{code}", response=LadderOut)
def delete_ladder(request, code: str):
    """Delete a region's own ladder; answers with the ladder that applies now."""
    return _ladder_out(ladders.delete_ladder(code, actor=request.auth))


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

"""Writes of the alarms app: one function per operation, one transaction each, the
alarm row locked, scope re-checked, the timeline and audit log written, the change
pushed to the consoles after commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiyang.alarms import credentials, escalation, events
from yiyang.alarms.choices import (
    ActivityKind,
    AlarmStatus,
    CallResult,
    DeviceStatus,
    RecipientKind,
)
from yiyang.alarms.models import Alarm, AlarmActivity, Device, DeviceWorkItem, Notification
from yiyang.core import audit, scoping
from yiyang.core.choices import Action, AuditAction, PersonalField
from yiyang.elders.models import Elder, EmergencyContact


class AlarmConflict(Exception):
    """The operation does not apply to the alarm as it is now (e.g. already closed)."""


# --- alarms ------------------------------------------------------------------------------
def _locked(alarm_pk: int, actor) -> Alarm:
    qs = (Alarm.objects.restrict(actor).select_for_update(of=("self",))
          .select_related("elder", "region", "acknowledged_by"))
    alarm = qs.filter(pk=alarm_pk).first()
    if alarm is None:
        raise Http404
    return alarm


def _log(alarm: Alarm, kind: str, now: dt.datetime, *, actor=None, actor_name: str = "",
         detail: str = "", fields: tuple = ()) -> AlarmActivity:
    """Add to the timeline, move the alarm's sequence on, save and push it."""
    activity = AlarmActivity.objects.create(
        alarm=alarm, at=now, kind=kind, actor=actor, actor_name=actor_name or (str(actor) if actor else ""),
        detail=detail[:500])
    alarm.seq = activity.pk
    alarm.save(update_fields=["seq", "last_updated", *fields])
    events.publish_on_commit(events.summary(alarm))
    return activity


@transaction.atomic
def acknowledge(alarm_pk: int, *, actor) -> bool:
    """Take the alarm; True if this operator's acknowledgement won (only one does)."""
    alarm = _locked(alarm_pk, actor)
    now = timezone.now()
    won = Alarm.objects.filter(pk=alarm.pk, status=AlarmStatus.OPEN).update(
        status=AlarmStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor)
    if not won:
        return False
    alarm.status, alarm.acknowledged_at, alarm.acknowledged_by = AlarmStatus.ACKNOWLEDGED, now, actor
    _log(alarm, ActivityKind.ACKNOWLEDGED, now, actor=actor)
    audit.record(AuditAction.STATUS, actor=actor, obj=alarm, detail="acknowledged")
    return True


@transaction.atomic
def log_call(alarm_pk: int, *, actor, callee: str, result: str, note: str = "") -> AlarmActivity:
    alarm = _require_open(_locked(alarm_pk, actor))
    label = CallResult(result).label
    detail = f"{callee}: {label}" + (f" · {note}" if note else "")
    activity = _log(alarm, ActivityKind.CALL, timezone.now(), actor=actor, detail=detail)
    audit.record(AuditAction.UPDATE, actor=actor, obj=alarm, detail=f"call {result}")
    return activity


@transaction.atomic
def dispatch_helper(alarm_pk: int, *, actor, contact_pk: int | None = None, name: str = "",
                    phone: str = "") -> Notification:
    """Send a neighbour, relative or other helper: they get a link to the phone page."""
    alarm = _require_open(_locked(alarm_pk, actor))
    kind = RecipientKind.HELPER
    if contact_pk is not None:
        contact = EmergencyContact.objects.filter(pk=contact_pk, elder_id=alarm.elder_id).first()
        if contact is None:
            raise Http404
        name, phone = contact.name, contact.phone
        kind = RecipientKind.NEIGHBOUR if contact.relation == "neighbour" else RecipientKind.FAMILY
    note = escalation.notify(alarm, [(kind, name, phone)])[0]
    _log(alarm, ActivityKind.DISPATCHED, timezone.now(), actor=actor, detail=name)
    audit.record(AuditAction.UPDATE, actor=actor, obj=alarm, detail=f"dispatched {kind}")
    return note


@transaction.atomic
def mark_arrived(alarm_pk: int, *, actor) -> None:
    alarm = _require_open(_locked(alarm_pk, actor))
    now = timezone.now()
    alarm.responder_arrived_at = now
    _log(alarm, ActivityKind.ARRIVED, now, actor=actor, detail=alarm.responder_name,
         fields=("responder_arrived_at",))


@transaction.atomic
def close_alarm(alarm_pk: int, *, actor, outcome: str, note: str) -> None:
    alarm = _locked(alarm_pk, actor)
    if alarm.status == AlarmStatus.CLOSED:
        raise AlarmConflict(_("This alarm is already closed."))
    now = timezone.now()
    if alarm.acknowledged_at is None:  # closing is handling it: count it as taken now
        alarm.acknowledged_at, alarm.acknowledged_by = now, actor
    alarm.status, alarm.outcome, alarm.close_note = AlarmStatus.CLOSED, outcome, note
    alarm.closed_at, alarm.closed_by = now, actor
    _log(alarm, ActivityKind.CLOSED, now, actor=actor, detail=note,
         fields=("status", "outcome", "close_note", "closed_at", "closed_by", "acknowledged_at",
                 "acknowledged_by"))
    audit.record(AuditAction.STATUS, actor=actor, obj=alarm, detail=f"closed: {outcome}")


def _require_open(alarm: Alarm) -> Alarm:
    if alarm.status == AlarmStatus.CLOSED:
        raise AlarmConflict(_("This alarm is already closed."))
    return alarm


# --- the phone page of a neighbour or relative ---------------------------------------------
@transaction.atomic
def respond(token: str, action: str) -> Notification:
    """'I am going' (the first acceptance becomes the alarm's responder) or 'I have
    arrived', from the link in the message."""
    note = Notification.objects.select_for_update().filter(token=token).first()
    if note is None:
        raise Http404
    alarm = (Alarm.objects.select_for_update(of=("self",))
             .select_related("elder", "region", "acknowledged_by").get(pk=note.alarm_id))
    if alarm.status == AlarmStatus.CLOSED:
        raise AlarmConflict(_("This alarm has been closed. Thank you."))
    now = timezone.now()
    if action == "accept" and note.accepted_at is None:
        note.accepted_at = now
        note.save(update_fields=["accepted_at"])
        fields = ()
        if not alarm.responder_name:
            alarm.responder_name, alarm.responder_accepted_at = note.name, now
            fields = ("responder_name", "responder_accepted_at")
        _log(alarm, ActivityKind.ACCEPTED, now, actor_name=note.name, fields=fields)
    elif action == "arrive" and note.arrived_at is None:
        note.arrived_at = now
        note.accepted_at = note.accepted_at or now
        note.save(update_fields=["arrived_at", "accepted_at"])
        fields = ()
        if alarm.responder_name in ("", note.name):
            alarm.responder_name = note.name
            alarm.responder_accepted_at = alarm.responder_accepted_at or now
            alarm.responder_arrived_at = now
            fields = ("responder_name", "responder_accepted_at", "responder_arrived_at")
        _log(alarm, ActivityKind.ARRIVED, now, actor_name=note.name, fields=fields)
    return note


# --- personal data on the console ---------------------------------------------------------
def reveal_for_alarm(alarm: Alarm, *, actor) -> dict:
    """The elder's phone and address and the contacts' phones, shown to the operator
    handling the alarm; one audit entry says what was shown and why."""
    elder = alarm.elder
    fields = []
    shown = {"phone": "", "address": "", "contacts": {}}
    if scoping.may_reveal(actor, PersonalField.PHONE):
        shown["phone"] = elder.phone
        shown["contacts"] = {c.pk: c.phone for c in elder.contacts.all()}
        fields.append(PersonalField.PHONE)
    if scoping.may_reveal(actor, PersonalField.ADDRESS):
        shown["address"] = elder.address
        fields.append(PersonalField.ADDRESS)
    if fields:
        audit.record(AuditAction.REVEAL, actor=actor, obj=elder,
                     detail=f"alarm #{alarm.pk}: {', '.join(fields)} and contacts' phones")
    return shown


# --- devices --------------------------------------------------------------------------------
@dataclass
class DeviceData:
    kind: str
    serial: str
    elder: Elder
    vendor: str = ""
    model: str = ""
    imei: str = ""
    sim: str = ""
    installer: str = ""
    installed_on: dt.date | None = None


def _check_scope(actor, elder: Elder) -> None:
    if not scoping.can(actor, Action.MANAGE_DEVICES) or not scoping.region_in_scope(actor, elder.region):
        raise Http404


def build_device(data: DeviceData, key: str) -> Device:
    return Device(kind=data.kind, serial=data.serial, elder=data.elder, region_id=data.elder.region_id,
                  vendor=data.vendor, model=data.model, imei=data.imei, sim=data.sim,
                  installer=data.installer, installed_on=data.installed_on,
                  key_hash=credentials.hash_key(key), key_prefix=key[:10])


@transaction.atomic
def register_device(data: DeviceData, *, actor) -> tuple[Device, str]:
    """A new device and its credential (shown once: only its hash is kept)."""
    _check_scope(actor, data.elder)
    key = credentials.new_key()
    device = build_device(data, key)
    device.save()
    audit.record(AuditAction.CREATE, actor=actor, obj=device, detail=f"device {data.serial}")
    return device, key


@transaction.atomic
def import_devices(rows: list[DeviceData], *, actor) -> list[tuple[Device, str]]:
    """All rows or none (the form has validated every row first)."""
    for data in rows:
        _check_scope(actor, data.elder)
    created = []
    for data in rows:
        key = credentials.new_key()
        created.append((build_device(data, key), key))
    Device.objects.bulk_create([d for d, _ in created])
    audit.record(AuditAction.CREATE, actor=actor, detail=f"imported {len(created)} devices")
    return created


@transaction.atomic
def issue_credential(device_pk: int, *, actor) -> str:
    device = Device.objects.restrict(actor, Action.MANAGE_DEVICES).select_for_update().filter(
        pk=device_pk).first()
    if device is None:
        raise Http404
    old_hash, key = device.key_hash, credentials.new_key()
    device.key_hash, device.key_prefix = credentials.hash_key(key), key[:10]
    device.save(update_fields=["key_hash", "key_prefix", "last_updated"])
    transaction.on_commit(lambda: credentials.forget(old_hash))
    audit.record(AuditAction.UPDATE, actor=actor, obj=device, detail="new credential")
    return key


@transaction.atomic
def retire_device(device_pk: int, *, actor) -> None:
    device = Device.objects.restrict(actor, Action.MANAGE_DEVICES).select_for_update().filter(
        pk=device_pk).first()
    if device is None:
        raise Http404
    device.status = DeviceStatus.RETIRED
    device.save(update_fields=["status", "last_updated"])
    transaction.on_commit(lambda: credentials.forget(device.key_hash))
    audit.record(AuditAction.STATUS, actor=actor, obj=device, detail="retired")


@transaction.atomic
def close_work_item(item_pk: int, *, actor, note: str = "") -> None:
    item = DeviceWorkItem.objects.restrict(actor, Action.MANAGE_DEVICES).select_for_update().filter(
        pk=item_pk, status="open").first()
    if item is None:
        raise Http404
    item.status, item.closed_at, item.note = "done", timezone.now(), note[:200]
    item.save(update_fields=["status", "closed_at", "note", "last_updated"])
    audit.record(AuditAction.STATUS, actor=actor, obj=item, detail="work item done")

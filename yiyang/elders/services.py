"""Writes to the registry: one function per operation, one transaction each,
scope re-checked inside it, counts kept in step, audit entry written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from yiyang.core import audit, scoping
from yiyang.core.choices import Action, AuditAction, PersonalField
from yiyang.elders import stats
from yiyang.elders.choices import ElderStatus
from yiyang.elders.models import Elder, EmergencyContact

PLAIN_FIELDS = (
    "name", "sex", "birth_date", "ethnicity", "economic_status", "living_arrangement",
    "is_gugua", "is_sanlao", "is_youfu", "is_jisheng_special", "is_left_behind",
    "capability_level", "notes",
)


class ScopeError(Http404):
    """The target lies outside the acting user's scope (answered as 404)."""


@dataclass
class ContactData:
    name: str
    relation: str
    phone: str


@dataclass
class ElderData:
    """Validated input for creating or changing an elder (see forms.ElderForm)."""

    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    region_id: str
    ethnicity: str = "汉族"
    phone: str = ""
    address: str = ""
    economic_status: str = "none"
    living_arrangement: str = "with_family"
    is_gugua: bool = False
    is_sanlao: bool = False
    is_youfu: bool = False
    is_jisheng_special: bool = False
    is_left_behind: bool = False
    capability_level: int | None = None
    notes: str = ""
    contacts: list[ContactData] | None = field(default=None)


def audit_snapshot(elder: Elder) -> dict:
    """What the history shows: plain fields, personal fields only masked."""
    data = {name: _jsonable(getattr(elder, name)) for name in PLAIN_FIELDS}
    data.update(
        region=elder.region_id,
        id_number=elder.id_number_masked,
        phone=elder.phone_masked,
        address=elder.address_masked,
        status=elder.status,
        status_date=_jsonable(elder.status_date),
        status_reason=elder.status_reason,
    )
    if elder.pk:
        data["contacts"] = [
            f"{c.name}/{c.relation}/{c.phone_masked}" for c in elder.contacts.all()
        ]
    return data


def _jsonable(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _assert_region_in_scope(user, region_id: str) -> None:
    if not (user.scope_prefix and region_id.startswith(user.scope_prefix)):
        raise ScopeError(_("This village is outside your area."))


def _apply(elder: Elder, data: ElderData) -> None:
    for name in PLAIN_FIELDS:
        setattr(elder, name, getattr(data, name))
    elder.region_id = data.region_id
    if not elder.id_number_enc or elder.id_number != data.id_number:
        elder.set_id_number(data.id_number)
    elder.set_phone(data.phone)
    elder.set_address(data.address)
    elder.refresh_derived()


def _replace_contacts(elder: Elder, contacts: list[ContactData]) -> None:
    elder.contacts.all().delete()
    for position, contact in enumerate(contacts, start=1):
        row = EmergencyContact(
            elder=elder, name=contact.name, relation=contact.relation, position=position
        )
        row.set_phone(contact.phone)
        row.save()


@transaction.atomic
def create_elder(data: ElderData, *, actor) -> Elder:
    scoping.require(actor, Action.ADD)
    _assert_region_in_scope(actor, data.region_id)
    elder = Elder()
    _apply(elder, data)
    elder.save()
    _replace_contacts(elder, data.contacts or [])
    stats.apply_change(None, stats.snapshot(elder))
    audit.record(AuditAction.CREATE, actor=actor, obj=elder, changes=audit_snapshot(elder))
    return elder


@transaction.atomic
def update_elder(elder: Elder, data: ElderData, *, actor) -> Elder:
    elder = lock_for(elder, actor, Action.CHANGE)
    _assert_region_in_scope(actor, data.region_id)
    before, counted_before = audit_snapshot(elder), stats.snapshot(elder)
    _apply(elder, data)
    elder.save()
    if data.contacts is not None:
        _replace_contacts(elder, data.contacts)
    stats.apply_change(counted_before, stats.snapshot(elder))
    changes = audit.diff(before, audit_snapshot(elder))
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=elder, changes=changes)
    return elder


@transaction.atomic
def set_status(elder: Elder, status: str, *, on: dt.date, reason: str, actor) -> Elder:
    """Mark an elder moved away or deceased (or active again); rows are never deleted."""
    elder = lock_for(elder, actor, Action.SET_STATUS)
    before, counted_before = audit_snapshot(elder), stats.snapshot(elder)
    elder.status = status
    elder.status_date = None if status == ElderStatus.ACTIVE else on
    elder.status_reason = reason
    elder.save(update_fields=["status", "status_date", "status_reason", "last_updated"])
    stats.apply_change(counted_before, stats.snapshot(elder))
    changes = audit.diff(before, audit_snapshot(elder))
    audit.record(AuditAction.STATUS, actor=actor, obj=elder, changes=changes, detail=reason)
    return elder


@transaction.atomic
def reveal(elder: Elder, field_name: str, *, actor) -> str:
    """Unmask one personal field for a user whose role may see it; audited."""
    if field_name not in PersonalField.values or not scoping.may_reveal(actor, field_name):
        raise Http404
    elder = _visible(elder.pk, actor)
    audit.record(AuditAction.REVEAL, actor=actor, obj=elder, detail=field_name)
    return getattr(elder, field_name)


@transaction.atomic
def reveal_contact_phone(contact: EmergencyContact, *, actor) -> str:
    if not scoping.may_reveal(actor, PersonalField.PHONE):
        raise Http404
    _visible(contact.elder_id, actor)
    audit.record(
        AuditAction.REVEAL, actor=actor, obj=contact.elder, detail=f"contact:{contact.pk}:phone"
    )
    return contact.phone


def _visible(pk: int, actor) -> Elder:
    try:
        return Elder.objects.restrict(actor).get(pk=pk)
    except Elder.DoesNotExist as exc:
        raise ScopeError from exc


def lock_for(elder: Elder, actor, action: str) -> Elder:
    """Re-read the row under a lock, through the actor's scope (404 outside it)."""
    try:
        return Elder.objects.restrict(actor, action).select_for_update().get(pk=elder.pk)
    except Elder.DoesNotExist as exc:
        raise ScopeError from exc


def record_edit_form_opened(elder: Elder, *, actor) -> None:
    """The edit form shows personal fields unmasked (to correct them): that is a reveal."""
    audit.record(AuditAction.REVEAL, actor=actor, obj=elder, detail="edit form: id_number, phone, address")

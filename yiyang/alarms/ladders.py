"""Escalation ladders per region: who may see and change them, which one applies
where, and the audited changes (shared by the pages and the API).

Decision (docs/alarms.md): the ladder is part of running the call centre, so it is
changed by roles that both handle alarms and change records in their area (the
bureau admin); everyone who works with alarms or devices in an area (operators,
town and village workers) sees the ladders that apply there, read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from yiyang.alarms import escalation
from yiyang.alarms.escalation import Ladder, ancestor_codes
from yiyang.alarms.models import EscalationLadder
from yiyang.core import audit, scoping
from yiyang.core.choices import Action, AuditAction, PersonalField, Role
from yiyang.core.models import Region, User

FIELDS = ("ack_target_s", "neighbours_after_s", "family_after_s", "supervisor_name")
WORKER_ROLES = (Role.VILLAGE_WORKER, Role.TOWN_WORKER)


@dataclass
class LadderData:
    """A ladder as entered; supervisor_phone None keeps the stored one, "" removes it."""

    ack_target_s: int
    neighbours_after_s: int
    family_after_s: int
    supervisor_name: str = ""
    supervisor_phone: str | None = None


@dataclass
class Applied:
    """The ladder in force for a region, and whose it is."""

    region: Region
    ladder: Ladder
    own: EscalationLadder | None
    source: Region | None  # the region whose ladder applies; None: the defaults

    @property
    def inherited(self) -> bool:
        return self.own is None


# --- who may ---------------------------------------------------------------------------
def may_view(user) -> bool:
    return scoping.is_region_scoped(user) and user.scope_prefix is not None and (
        scoping.can(user, Action.HANDLE_ALARMS) or scoping.can(user, Action.MANAGE_DEVICES))


def may_edit(user) -> bool:
    return may_view(user) and scoping.can(user, Action.HANDLE_ALARMS) and scoping.can(user, Action.CHANGE)


def require_view(user) -> None:
    if not may_view(user):
        raise Http404


def require_edit(user) -> None:
    if not may_edit(user):
        raise Http404


def region_for(user, code: str) -> Region:
    """A region in the user's scope (404 outside it, or for a role without ladders)."""
    require_view(user)
    region = scoping.visible_regions(user).select_related("parent").filter(code=code).first()
    if region is None:
        raise Http404
    return region


def own_ladders(user):
    """The ladders set in the user's area, for the list."""
    require_view(user)
    return EscalationLadder.objects.in_prefix(user.scope_prefix).select_related("region")


# --- which applies -----------------------------------------------------------------------
def applied(region: Region) -> Applied:
    """Read fresh from the database (the page must show what is stored)."""
    codes = ancestor_codes(region.code)
    rows = {row.region_id: row for row in EscalationLadder.objects.filter(region_id__in=codes)
            .select_related("region")}
    row = next((rows[c] for c in codes if c in rows), None)
    own = row if row is not None and row.region_id == region.code else None
    return Applied(region, escalation.ladder_of(row), own, row.region if row is not None else None)


def applied_to_children(region: Region, parent: Applied, children: list[Region]) -> list[Applied]:
    """Each child's ladder: its own, else the one that applies to the parent."""
    rows = {row.region_id: row for row in EscalationLadder.objects.filter(
        region_id__in=[c.code for c in children]).select_related("region")}
    return [Applied(child, escalation.ladder_of(rows[child.code]), rows[child.code], child)
            if child.code in rows else Applied(child, parent.ladder, None, parent.source)
            for child in children]


def notified_workers(region: Region) -> list[User]:
    """The community workers step 1 notifies for alarms in a village (else its town's)."""
    return escalation.community_users(region.code)


# --- changes -------------------------------------------------------------------------------
def snapshot(row: EscalationLadder) -> dict:
    """For the audit log: the phone only masked."""
    return {**{f: getattr(row, f) for f in FIELDS}, "supervisor_phone": row.supervisor_phone_masked}


@transaction.atomic
def save_ladder(code: str, data: LadderData, *, actor) -> tuple[EscalationLadder, bool]:
    """Create the region's own ladder or change it; audited. Alarms opened afterwards
    use it (and the steps of open alarms scheduled from now on)."""
    require_edit(actor)
    region = region_for(actor, code)
    row = EscalationLadder.objects.select_for_update().filter(region=region).first()
    created = row is None
    before = {} if created else snapshot(row)
    row = row or EscalationLadder(region=region)
    for field in FIELDS:
        setattr(row, field, getattr(data, field))
    if not data.supervisor_name:
        row.set_supervisor_phone("")
    elif data.supervisor_phone is not None:
        row.set_supervisor_phone(data.supervisor_phone)
    row.save()
    after = snapshot(row)
    audit.record(AuditAction.CREATE if created else AuditAction.UPDATE, actor=actor, obj=row,
                 changes=audit.diff(before, after), detail="escalation ladder", region_code=region.code)
    escalation.forget_ladders()  # this process at once; others within VERSION_CHECK_S
    return row, created


@transaction.atomic
def delete_ladder(code: str, *, actor) -> Applied:
    """Remove the region's own ladder: it inherits again. Returns what applies now."""
    require_edit(actor)
    region = region_for(actor, code)
    row = EscalationLadder.objects.select_for_update().filter(region=region).first()
    if row is None:
        raise Http404
    audit.record(AuditAction.UPDATE, actor=actor, obj=row, changes=audit.diff(snapshot(row), {}),
                 detail="escalation ladder deleted", region_code=region.code)
    row.delete()
    escalation.forget_ladders()  # this process at once; others within VERSION_CHECK_S
    return applied(region)


@transaction.atomic
def reveal_supervisor_phone(code: str, *, actor) -> str:
    """The supervisor's full phone for a role that may reveal phones; audited."""
    region = region_for(actor, code)
    if not scoping.may_reveal(actor, PersonalField.PHONE):
        raise Http404
    row = EscalationLadder.objects.filter(region=region).first()
    if row is None:
        raise Http404
    audit.record(AuditAction.REVEAL, actor=actor, obj=row, detail="supervisor_phone", region_code=region.code)
    return row.supervisor_phone


def worker_in_scope(actor, pk: int) -> User:
    """A town or village worker whose scope lies in the actor's (404 otherwise)."""
    worker = User.objects.select_related("scope_region").filter(pk=pk, role__in=WORKER_ROLES).first()
    if worker is None or not scoping.region_in_scope(actor, worker.scope_region):
        raise Http404
    return worker


@transaction.atomic
def set_worker_phone(pk: int, phone: str, *, actor) -> User:
    """The phone step 1 uses to reach a community worker; audited (masked)."""
    require_edit(actor)
    worker = worker_in_scope(actor, pk)
    before = worker.phone_masked
    worker.set_phone(phone)
    worker.save(update_fields=["phone_enc", "phone_masked"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=worker, changes=audit.diff(
        {"phone": before}, {"phone": worker.phone_masked}), detail="phone",
        region_code=worker.scope_region_id or "")
    escalation.forget_ladders()  # this process at once; others within VERSION_CHECK_S
    return worker


@transaction.atomic
def reveal_worker_phone(pk: int, *, actor) -> str:
    require_view(actor)
    if not scoping.may_reveal(actor, PersonalField.PHONE):
        raise Http404
    worker = worker_in_scope(actor, pk)
    audit.record(AuditAction.REVEAL, actor=actor, obj=worker, detail="phone",
                 region_code=worker.scope_region_id or "")
    return worker.phone


def describe_source(item: Applied) -> str:
    if item.own is not None:
        return _("own ladder")
    if item.source is None:
        return _("the defaults")
    return _("inherited from %(region)s") % {"region": item.source.name}

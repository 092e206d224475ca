"""Family members' and volunteers' accounts linked to one elder (ElderGrant of kind
family or volunteer): with a link, the person sees that elder's record, visits and
alarms, and nothing else of the registry. The workers who keep the elder's record
link and unlink them; each change goes into the elder's history. Providers' and
caregivers' grants come from home-care orders (yiyang.services), not from here."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from yiyang.core import audit
from yiyang.core.choices import Action, AuditAction, Role
from yiyang.core.models import User
from yiyang.elders.choices import GrantKind
from yiyang.elders.models import Elder, ElderGrant
from yiyang.elders.services import lock_for

LINKABLE_ROLES = {Role.FAMILY: GrantKind.FAMILY, Role.VOLUNTEER: GrantKind.VOLUNTEER}


class LinkRefused(ValueError):
    """The account cannot be linked; the message tells the person why."""


def linked_accounts(elder: Elder) -> QuerySet[ElderGrant]:
    return (ElderGrant.objects.filter(elder=elder, kind__in=LINKABLE_ROLES.values(),
                                      user__isnull=False)
            .select_related("user").order_by("kind", "created", "pk"))


@transaction.atomic
def link_account(elder: Elder, username: str, *, actor) -> ElderGrant:
    elder = lock_for(elder, actor, Action.CHANGE)
    person = User.objects.select_related("scope_region").filter(username=username.strip()).first()
    if person is None or not person.is_active:
        raise LinkRefused(_("There is no account “%(username)s” that may log in.")
                          % {"username": username.strip()})
    kind = LINKABLE_ROLES.get(person.role)
    if kind is None:
        raise LinkRefused(_("“%(username)s” is a %(role)s account: only the accounts of family "
                            "members and volunteers are linked to an elder.")
                          % {"username": person.username, "role": person.get_role_display()})
    if not elder.region_id.startswith(person.scope_prefix or "-"):
        # Granted elders are seen inside the account's own area only (docs/security.md).
        raise LinkRefused(_("The area of “%(username)s” (%(area)s) does not include %(elder)s's "
                            "village: an administrator can change the account's area first.")
                          % {"username": person.username, "elder": elder.name,
                             "area": person.scope_region.name if person.scope_region_id else "—"})
    if ElderGrant.objects.filter(elder=elder, user=person, kind=kind).exists():
        raise LinkRefused(_("“%(username)s” is already linked to %(elder)s.")
                          % {"username": person.username, "elder": elder.name})
    grant = ElderGrant.objects.create(elder=elder, user=person, kind=kind)
    audit.record(AuditAction.UPDATE, actor=actor, obj=elder,
                 changes={"access": [None, history_value(grant)]})
    return grant


@transaction.atomic
def unlink_account(elder: Elder, grant_id: int, *, actor) -> ElderGrant:
    elder = lock_for(elder, actor, Action.CHANGE)
    grant = linked_accounts(elder).filter(pk=grant_id).first()
    if grant is None:
        raise Http404
    audit.record(AuditAction.UPDATE, actor=actor, obj=elder,
                 changes={"access": [history_value(grant), None]})
    grant.delete()
    return grant


def history_value(grant: ElderGrant) -> dict:
    """What the history keeps of a link: who, as what (shown in the reader's language)."""
    return {"kind": grant.kind, "username": grant.user.username,
            "name": grant.user.full_name}

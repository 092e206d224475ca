"""Accounts of the people who log in, managed by the bureau within its area.

A bureau administrator creates, changes, deactivates and resets the password of the
accounts whose scope lies inside their own. Accounts are never deleted (the audit log
keeps pointing at them): a deactivated account cannot log in and its sessions end.
Every operation is audited; a password never is, in any form."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from yiyang.core import audit, scoping
from yiyang.core.choices import Action, AuditAction, OrganisationKind, Role
from yiyang.core.models import Organisation, User, prefix_upper_bound
from yiyang.elders.forms import validate_phone

# Roles that work for an organisation, and the kind it must be.
ORGANISATION_ROLES = {Role.PROVIDER_ADMIN: OrganisationKind.PROVIDER,
                      Role.CAREGIVER: OrganisationKind.PROVIDER}


class AccountError(Exception):
    """Refused input, as {field: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass
class AccountData:
    full_name: str
    role: str
    region: str
    organisation_id: int | None = None
    phone: str = ""
    is_active: bool = True


def manageable(actor):
    """The accounts an administrator may manage: those scoped inside their own area."""
    if not scoping.can(actor, Action.MANAGE_ACCOUNTS) or actor.scope_prefix is None:
        return User.objects.none()
    prefix = actor.scope_prefix
    return User.objects.filter(scope_region_id__gte=prefix, scope_region_id__lt=prefix_upper_bound(prefix))


def regions_for(actor):
    return scoping.visible_regions(actor).order_by("code")


def organisations_for(actor):
    if actor.scope_prefix is None:
        return Organisation.objects.none()
    prefix = actor.scope_prefix
    return Organisation.objects.filter(region_id__gte=prefix, region_id__lt=prefix_upper_bound(prefix))


def temporary_password() -> str:
    """12 characters a person can read out on the phone (no 0/O, 1/l/I)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    while True:
        word = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
            return word


@transaction.atomic
def create_account(username: str, data: AccountData, *, actor) -> tuple[User, str]:
    """A new account and its temporary password (shown once, never stored in clear)."""
    _require(actor)
    username = username.strip()
    errors = {}
    try:
        User.username_validator(username)
    except ValidationError as exc:
        errors["username"] = exc.messages
    if not errors and User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This username is taken.")]
    if errors:
        raise AccountError(errors)
    user = User(username=username)
    _apply(user, data, actor)
    password = temporary_password()
    validate_password(password, user)
    user.set_password(password)
    user.password_is_temporary = True
    user.save()
    audit.record(AuditAction.CREATE, actor=actor, obj=user, region_code=user.scope_region_id,
                 changes=_described(user), detail=f"account {username}")
    return user, password


@transaction.atomic
def update_account(user: User, data: AccountData, *, actor) -> User:
    _require(actor)
    user = _locked(user, actor)
    if user.pk == actor.pk and (data.role != user.role or not data.is_active
                                or data.region != user.scope_region_id):
        raise AccountError({"role": [_("You cannot change your own role, area or access; "
                                       "ask another administrator.")]})
    before = _described(user)
    _apply(user, data, actor)
    user.save()
    after = _described(user)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=user, region_code=user.scope_region_id,
                     changes=changes, detail=f"account {user.username}")
    return user


@transaction.atomic
def reset_password(user: User, *, actor) -> str:
    """A new temporary password for someone who forgot theirs (shown once)."""
    _require(actor)
    user = _locked(user, actor)
    password = temporary_password()
    user.set_password(password)
    user.password_is_temporary = True
    user.save(update_fields=["password", "password_is_temporary"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=user, region_code=user.scope_region_id,
                 detail=f"password of {user.username} reset")
    return password


@transaction.atomic
def change_own_password(password_form) -> User:
    """Save a valid PasswordChangeForm: the password is the person's own from now on."""
    user = password_form.user
    user.password_is_temporary = False
    password_form.save()  # saves the user, flag included
    audit.record(AuditAction.UPDATE, actor=user, obj=user, region_code=user.scope_region_id or "",
                 detail="own password changed")
    return user


@transaction.atomic
def change_own_phone(user: User, phone: str) -> User:
    user.set_phone(_phone(phone, user))
    user.save(update_fields=["phone_enc", "phone_masked"])
    audit.record(AuditAction.UPDATE, actor=user, obj=user, region_code=user.scope_region_id or "",
                 changes={"phone": user.phone_masked}, detail="own phone changed")
    return user


def _require(actor) -> None:
    scoping.require(actor, Action.MANAGE_ACCOUNTS)


def _locked(user: User, actor) -> User:
    locked = manageable(actor).select_for_update().filter(pk=user.pk).first()
    if locked is None:
        raise Http404
    return locked


def _apply(user: User, data: AccountData, actor) -> None:
    errors: dict[str, list[str]] = {}
    if data.role not in Role.values:
        errors["role"] = [_("Choose a role.")]
    region = regions_for(actor).filter(code=data.region).first()
    if region is None:
        errors["region"] = [_("Choose a region inside your own area.")]
    organisation = None
    needed = ORGANISATION_ROLES.get(data.role)
    if data.organisation_id:
        organisation = organisations_for(actor).filter(pk=data.organisation_id).first()
        if organisation is None:
            errors["organisation"] = [_("Choose an organisation of your area.")]
    if needed and (organisation is None or organisation.kind != needed):
        errors.setdefault("organisation", [_("This role works for a service provider: choose it.")])
    try:
        phone = _phone(data.phone, user)
    except AccountError as exc:
        errors.update(exc.errors)
    if errors:
        raise AccountError(errors)
    user.full_name, user.role, user.scope_region = data.full_name.strip()[:50], data.role, region
    user.organisation, user.is_active = organisation, data.is_active
    if phone != user.phone:
        user.set_phone(phone)  # "" clears it


def _phone(value: str, user: User) -> str:
    """A valid phone number; the masked one the form showed means "unchanged"."""
    if value and value == user.phone_masked:
        return user.phone
    try:
        return validate_phone(value)
    except ValidationError as exc:
        raise AccountError({"phone": exc.messages}) from exc


def _described(user: User) -> dict:
    """An account's terms for the audit log (the phone masked)."""
    return {"full_name": user.full_name, "role": user.role, "region": user.scope_region_id,
            "organisation": str(user.organisation) if user.organisation_id else "",
            "phone": user.phone_masked, "active": user.is_active}


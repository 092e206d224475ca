"""Accounts through the REST API: what 账号管理 does, for a bureau's own tools (an
identity system, a staff roster). Same rules as the pages (accounts.services): only
inside the administrator's area, never deleted, audited, a temporary password shown in
one answer only (`Cache-Control: no-store`) and never again."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from yiyang.accounts import queries, services
from yiyang.core import scoping
from yiyang.core.api import InvalidInput
from yiyang.core.choices import Action

router = Router(tags=["accounts"])
PAGE_SIZE = 100


class AccountOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    region: str | None
    organisation: int | None
    phone: str  # masked
    is_active: bool
    password_is_temporary: bool


class AccountPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AccountOut]


class AccountFilters(Schema):
    q: str = ""
    role: str = ""
    active: str = ""  # "1", "0" or "" for both
    page: int = 1


class AccountIn(Schema):
    full_name: str = ""
    role: str
    region: str
    organisation: int | None = None
    phone: str = ""


class NewAccountIn(AccountIn):
    username: str


class AccountChangeIn(AccountIn):
    is_active: bool = True


class NewPasswordOut(Schema):
    account: AccountOut
    temporary_password: str


def _out(user) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name,
            "role": user.role, "region": user.scope_region_id,
            "organisation": user.organisation_id, "phone": user.phone_masked,
            "is_active": user.is_active, "password_is_temporary": user.password_is_temporary}


def _data(payload: AccountIn, is_active: bool = True) -> services.AccountData:
    return services.AccountData(full_name=payload.full_name, role=payload.role,
                                region=payload.region, organisation_id=payload.organisation,
                                phone=payload.phone, is_active=is_active)


def _not_stored(response: HttpResponse) -> None:
    response["Cache-Control"] = "no-store"


@router.get("", response=AccountPage)
def list_accounts(request, filters: Query[AccountFilters]):
    """The accounts inside the administrator's area, by username."""
    scoping.require(request.auth, Action.MANAGE_ACCOUNTS)
    rows = queries.account_list(request.auth, q=filters.q, role=filters.role,
                                active=filters.active)
    page = max(1, filters.page)
    chunk = list(rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE])
    return {"count": rows.count(), "page": page, "page_size": PAGE_SIZE,
            "results": [_out(user) for user in chunk]}


@router.get("/{int:account_id}", response=AccountOut)
def get_account(request, account_id: int):
    return _out(get_object_or_404(services.manageable(request.auth), pk=account_id))


@router.post("", response={201: NewPasswordOut})
def create_account(request, payload: NewAccountIn, response: HttpResponse):
    """A new account; its temporary password is in this answer only."""
    try:
        user, password = services.create_account(payload.username, _data(payload),
                                                  actor=request.auth)
    except services.AccountError as refused:
        raise InvalidInput(refused.errors) from refused
    _not_stored(response)
    return Status(201, {"account": _out(user), "temporary_password": password})


@router.put("/{int:account_id}", response=AccountOut)
def update_account(request, account_id: int, payload: AccountChangeIn):
    account = get_object_or_404(services.manageable(request.auth), pk=account_id)
    try:
        user = services.update_account(account, _data(payload, payload.is_active),
                                       actor=request.auth)
    except services.AccountError as refused:
        raise InvalidInput(refused.errors) from refused
    return _out(user)


@router.post("/{int:account_id}/reset-password", response=NewPasswordOut)
def reset_password(request, account_id: int, response: HttpResponse):
    """A new temporary password (the person must choose their own at next login)."""
    account = get_object_or_404(services.manageable(request.auth), pk=account_id)
    password = services.reset_password(account, actor=request.auth)
    account.refresh_from_db()
    _not_stored(response)
    return {"account": _out(account), "temporary_password": password}

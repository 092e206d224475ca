"""The registry through the REST API: the same filters, forms, services and scope."""

from __future__ import annotations

import datetime as dt

from django.http import QueryDict
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from yiyang.core import scoping
from yiyang.core.api import InvalidInput
from yiyang.core.choices import Action
from yiyang.elders import access, queries, services, stats
from yiyang.elders.forms import (
    ContactForm,
    ElderFilterForm,
    ElderForm,
    LinkAccountForm,
    StatusForm,
)
from yiyang.elders.models import Elder

router = Router(tags=["elders"])


class ContactOut(Schema):
    id: int
    name: str
    relation: str
    phone: str


class ElderOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    age: int
    ethnicity: str
    id_number: str
    phone: str
    address: str
    region: str
    region_name: str
    town_code: str
    economic_status: str
    living_arrangement: str
    is_gugua: bool
    is_sanlao: bool
    is_youfu: bool
    is_jisheng_special: bool
    is_left_behind: bool
    capability_level: int | None
    status: str
    status_date: dt.date | None
    status_reason: str
    categories: list[str]
    contacts: list[ContactOut]
    last_updated: dt.datetime


class ElderPage(Schema):
    count: int
    count_capped: bool
    page: int
    page_size: int
    results: list[ElderOut]


class ContactIn(Schema):
    name: str
    relation: str
    phone: str


class ElderIn(Schema):
    name: str
    id_number: str
    sex: str
    birth_date: dt.date | None = None
    region: str
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
    contacts: list[ContactIn] = []


class LinkedAccountOut(Schema):
    id: int
    username: str
    full_name: str
    kind: str
    linked: dt.datetime


class LinkAccountIn(Schema):
    username: str


class StatusIn(Schema):
    status: str
    date: dt.date
    reason: str


class RegistryFilters(Schema):
    """The registry list's filters as query parameters (empty = not filtered)."""

    q: str = ""
    region: str = ""
    category: str = ""
    living_arrangement: str = ""
    capability_level: str = ""
    age_band: str = ""
    sex: str = ""
    status: str = ""
    sort: str = ""


class FilterParams(RegistryFilters):
    status: str = "active"
    sort: str = "name"
    page: int = 1


def _out(elder: Elder) -> dict:
    return {
        **{f: getattr(elder, f) for f in ElderOut.model_fields if hasattr(elder, f) and f not in
           ("id_number", "phone", "address", "region", "contacts", "categories", "age")},
        "age": elder.age,
        "id_number": elder.id_number_masked,
        "phone": elder.phone_masked,
        "address": elder.address_masked,
        "region": elder.region_id,
        "region_name": elder.region.name,
        "categories": [str(c) for c in elder.categories()],
        "contacts": [
            {"id": c.id, "name": c.name, "relation": c.relation, "phone": c.phone_masked}
            for c in elder.contacts.all()
        ],
    }


def _form_errors(form, prefix: str = "") -> dict:
    return {f"{prefix}{field}": [str(m) for m in msgs] for field, msgs in form.errors.items()}


def _validated(user, payload: ElderIn, instance: Elder | None):
    data = payload.dict(exclude={"contacts"})
    data["birth_date"] = data["birth_date"].isoformat() if data["birth_date"] else ""
    data["capability_level"] = "" if data["capability_level"] is None else data["capability_level"]
    form = ElderForm(_querydict(data), user=user, instance=instance)
    errors = {} if form.is_valid() else _form_errors(form)
    contacts = []
    for i, contact in enumerate(payload.contacts):
        cform = ContactForm(contact.dict())
        if cform.is_valid():
            contacts.append(cform.to_data())
        else:
            errors.update(_form_errors(cform, f"contacts[{i}]."))
    if errors:
        raise InvalidInput(errors)
    return form.to_data(contacts)


def _querydict(data: dict) -> QueryDict:
    qd = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, bool):
            if value:
                qd[key] = "on"
        else:
            qd[key] = "" if value is None else str(value)
    return qd


@router.get("", response=ElderPage)
def list_elders(request, params: Query[FilterParams]):
    """The registry list with the page's filters; personal fields masked."""
    raw = params.dict()
    form = ElderFilterForm(raw)
    if not form.is_valid():
        raise InvalidInput(_form_errors(form))
    elders = queries.elder_list(request.auth, form.cleaned_data).prefetch_related("contacts")
    page = queries.page_of(elders, raw["page"])  # contacts in one query, not one per row
    return {"count": page.total, "count_capped": page.capped, "page": page.number,
            "page_size": page.size, "results": [_out(e) for e in page.rows]}


@router.get("/stats")
def elder_stats(request, region: str = ""):
    """Counts of active elders by category, sex, capability level and age band."""
    user = request.auth
    if not scoping.is_region_scoped(user):
        raise HttpError(404, "Not found.")
    node = get_object_or_404(scoping.visible_regions(user), code=region or user.scope_region_id)
    return {"region": node.code, **stats.summary(node.prefix)}


@router.get("/{int:elder_id}", response=ElderOut)
def get_elder(request, elder_id: int):
    return _out(get_object_or_404(Elder.objects.restrict(request.auth), pk=elder_id))


@router.post("", response={201: ElderOut})
def create_elder(request, payload: ElderIn):
    scoping.require(request.auth, Action.ADD)
    elder = services.create_elder(_validated(request.auth, payload, None), actor=request.auth)
    return Status(201, _out(elder))


@router.put("/{int:elder_id}", response=ElderOut)
def update_elder(request, elder_id: int, payload: ElderIn):
    elder = get_object_or_404(Elder.objects.restrict(request.auth, Action.CHANGE), pk=elder_id)
    data = _validated(request.auth, payload, elder)
    return _out(services.update_elder(elder, data, actor=request.auth))


@router.post("/{int:elder_id}/status", response=ElderOut)
def set_status(request, elder_id: int, payload: StatusIn):
    elder = get_object_or_404(Elder.objects.restrict(request.auth, Action.SET_STATUS), pk=elder_id)
    form = StatusForm(payload.dict())
    if not form.is_valid():
        raise InvalidInput(_form_errors(form))
    elder = services.set_status(elder, form.cleaned_data["status"], on=form.cleaned_data["date"],
                                reason=form.cleaned_data["reason"], actor=request.auth)
    return _out(elder)


@router.post("/{int:elder_id}/reveal/{field}")
def reveal(request, elder_id: int, field: str):
    """Unmask one personal field (id_number, phone, address); audited."""
    elder = get_object_or_404(Elder.objects.restrict(request.auth), pk=elder_id)
    return {"field": field, "value": services.reveal(elder, field, actor=request.auth)}


# --- family members' and volunteers' accounts (elders.access) ------------------------------
def _linked_out(grant) -> dict:
    return {"id": grant.id, "username": grant.user.username, "full_name": grant.user.full_name,
            "kind": grant.kind, "linked": grant.created}


@router.get("/{int:elder_id}/accounts", response=list[LinkedAccountOut])
def linked_accounts(request, elder_id: int):
    """The family members' and volunteers' accounts that see this elder (region roles)."""
    if not scoping.is_region_scoped(request.auth):
        raise HttpError(404, "Not found.")
    elder = get_object_or_404(Elder.objects.restrict(request.auth), pk=elder_id)
    return [_linked_out(grant) for grant in access.linked_accounts(elder)]


@router.post("/{int:elder_id}/accounts", response={201: LinkedAccountOut})
def link_account(request, elder_id: int, payload: LinkAccountIn):
    elder = get_object_or_404(Elder.objects.restrict(request.auth, Action.CHANGE), pk=elder_id)
    form = LinkAccountForm(payload.dict())
    if not form.is_valid():
        raise InvalidInput(_form_errors(form))
    try:
        grant = access.link_account(elder, form.cleaned_data["username"], actor=request.auth)
    except access.LinkRefused as refused:
        raise InvalidInput({"username": [str(refused)]}) from refused
    return Status(201, _linked_out(grant))


@router.delete("/{int:elder_id}/accounts/{int:grant_id}", response={204: None})
def unlink_account(request, elder_id: int, grant_id: int):
    elder = get_object_or_404(Elder.objects.restrict(request.auth, Action.CHANGE), pk=elder_id)
    access.unlink_account(elder, grant_id, actor=request.auth)
    return Status(204, None)

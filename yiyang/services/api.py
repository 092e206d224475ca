"""Home-care services through the REST API (mounted at /api/v1/services): the same
scope, services and checks as the pages. Refusals are 400 {"detail", "errors":
{field: [...]}}; anything outside the caller's scope is 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status

from yiyang.core import scoping
from yiyang.core.api import InvalidInput
from yiyang.core.choices import Action
from yiyang.elders.models import Elder
from yiyang.services import catalogue, exports, queries, services, settlement
from yiyang.services.choices import Channel
from yiyang.services.models import CarePlan, Order, Scheme, ServiceItem
from yiyang.services.querysets import uses_services

_county = queries.county_of

router = Router(tags=["services"])


def _call(function: Callable, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except services.InvalidOrder as exc:
        raise InvalidInput({key: [str(m) for m in ms] for key, ms in exc.errors.items()}) from exc


def _order(request, pk: int, action: str | None = None) -> Order:
    return get_object_or_404(Order.objects.restrict(request.auth, action), pk=pk)


# --- schemas -------------------------------------------------------------------------
class ItemIn(Schema):
    code: str
    name: str
    category: str
    unit: str
    standard_minutes: int
    price: Decimal
    skills: list[str] = []
    description: str = ""
    active: bool = True


class ItemOut(ItemIn):
    id: int
    county: str
    offers: dict[int, Decimal]


class LineIn(Schema):
    item: int
    quantity: Decimal = Decimal(1)


class OrderIn(Schema):
    elder: int
    provider: int | None = None
    window_start: dt.datetime
    window_end: dt.datetime
    items: list[LineIn]
    note: str = ""


class OrderChangeIn(Schema):
    window_start: dt.datetime
    window_end: dt.datetime
    items: list[LineIn]
    note: str = ""


class LineOut(Schema):
    item: int
    name: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    minutes: int


class OrderOut(Schema):
    id: int
    elder: int
    elder_name: str
    provider: int
    provider_name: str
    caregiver: int | None
    caregiver_name: str | None
    status: str
    channel: str
    note: str
    service_date: dt.date
    window_start: dt.datetime
    window_end: dt.datetime
    lines: list[LineOut]
    planned_minutes: int
    hours: Decimal
    total_amount: Decimal
    gov_hours: Decimal
    gov_amount: Decimal
    self_amount: Decimal
    accepted_at: dt.datetime | None
    assigned_at: dt.datetime | None
    on_way_at: dt.datetime | None
    checkin_at: dt.datetime | None
    checkin_distance_m: int | None
    checkout_at: dt.datetime | None
    actual_minutes: int | None
    log_items: list[int]
    log_notes: str
    confirmed_at: dt.datetime | None
    confirm_method: str
    cancelled_at: dt.datetime | None
    cancel_reason: str
    flags: list[str]
    review_status: str
    review_reason: str
    settlement: int | None
    rating: int | None


class OrderPage(Schema):
    page: int
    has_next: bool
    results: list[OrderOut]


class PositionIn(Schema):
    lat: float | None = None
    lng: float | None = None
    accuracy: float | None = None
    at: dt.datetime | None = None


class CheckOutIn(PositionIn):
    items: list[int] | None = None
    notes: str | None = None


class LogIn(Schema):
    items: list[int] = []
    notes: str = ""


class ReasonIn(Schema):
    reason: str


class AssignIn(Schema):
    caregiver: int


class CodeIn(Schema):
    code: str


class SignatureIn(Schema):
    signature: str


class RatingIn(Schema):
    score: int
    comment: str = ""
    complaint: str = ""


class ReviewIn(Schema):
    accept: bool
    reason: str


class SentOut(Schema):
    sent_to: str


class BalanceOut(Schema):
    scheme: str
    basis: str
    quota: Decimal
    used: Decimal
    remaining: Decimal


class HomeIn(Schema):
    lat: float
    lng: float
    care_notes: str = ""


class CaregiverIn(Schema):
    name: str
    phone: str = ""
    skills: list[str] = []
    home_address: str = ""
    home_lat: float | None = None
    home_lng: float | None = None


class CertificateIn(Schema):
    name: str
    number: str = ""
    expires_on: dt.date


class CertificateOut(CertificateIn):
    id: int


class CaregiverOut(Schema):
    id: int
    provider: int
    name: str
    phone_masked: str
    skills: list[str]
    home_address: str
    active: bool
    certificates: list[CertificateOut]


class SchemeIn(Schema):
    name: str
    basis: str
    monthly_quota: Decimal
    economic_statuses: list[str] = []
    min_capability_level: int | None = None
    min_age: int | None = None
    categories: list[str] = []
    active: bool = True


class SchemeOut(SchemeIn):
    id: int
    entitled: int


class PlanChangeIn(Schema):
    provider: int
    item: int
    weekdays: list[int]
    start_time: dt.time
    end_time: dt.time
    starts_on: dt.date
    ends_on: dt.date | None = None
    quantity: Decimal = Decimal(1)

    def to_data(self, elder_id: int) -> catalogue.PlanData:
        data = self.dict(exclude={"elder"})
        return catalogue.PlanData(elder_id=elder_id, provider_id=data.pop("provider"),
                                  item_id=data.pop("item"), **data)


class PlanIn(PlanChangeIn):
    elder: int


class PlanOut(PlanIn):
    id: int
    generated_until: dt.date | None


class PlanChangedOut(Schema):
    plan: PlanOut
    orders: list[int]


class PlanEndIn(Schema):
    last_day: dt.date
    reason: str


class PlanEndedOut(Schema):
    plan: PlanOut
    cancelled: int


class GenerateIn(Schema):
    until: dt.date


class MonthIn(Schema):
    month: dt.date


class SettlementOut(Schema):
    id: int
    provider: int
    provider_name: str
    month: dt.date
    status: str
    visits: int
    hours: Decimal
    gov_amount: Decimal
    self_amount: Decimal
    rejected: int
    approved_at: dt.datetime | None


class ComplaintOut(Schema):
    id: int
    order: int
    text: str
    status: str
    notes: str
    resolution: str


class FollowUpIn(Schema):
    note: str
    close: bool = False


def _order_out(order: Order) -> dict:
    rating = getattr(order, "rating", None)
    return {
        **{name: getattr(order, name) for name in (
            "id", "status", "channel", "note", "service_date", "window_start", "window_end",
            "planned_minutes", "hours", "total_amount", "gov_hours", "gov_amount", "self_amount",
            "accepted_at", "assigned_at", "on_way_at", "checkin_at", "checkin_distance_m", "checkout_at",
            "actual_minutes", "log_items", "log_notes", "confirmed_at", "confirm_method", "cancelled_at",
            "cancel_reason", "review_status", "review_reason")},
        "elder": order.elder_id, "elder_name": order.elder.name, "provider": order.provider_id,
        "provider_name": order.provider.name, "caregiver": order.caregiver_id,
        "caregiver_name": order.caregiver.name if order.caregiver else None,
        "lines": [{"item": line.item_id, "name": line.item.name, "quantity": line.quantity,
                   "unit_price": line.unit_price, "amount": line.amount, "minutes": line.minutes}
                  for line in order.lines.all()],
        "flags": [flag.name.lower() for flag in order.flag_list],
        "settlement": order.settlement.pk if order.settlement else None,
        "rating": rating.score if rating else None,
    }


def _for_output(qs):
    """What _order_out reads, in the list's own query (no query per order)."""
    return qs.select_related("settled__settlement", "rating")


def _fresh(request, pk: int) -> dict:
    return _order_out(queries.order_detail(request.auth, pk))


# --- catalogue, providers, caregivers ---------------------------------------------------
@router.get("/items", response=list[ItemOut])
def list_items(request):
    """The catalogue of the caller's county, with each provider's price."""
    if not uses_services(request.auth) or _county(request.auth) is None:
        raise Http404
    items = queries.catalogue(_county(request.auth).code, active_only=False).prefetch_related("offers")
    return [{**{f: getattr(i, f) for f in ItemIn.model_fields}, "id": i.pk, "county": i.county_id,
             "offers": {o.provider_id: o.price for o in i.offers.all()}} for i in items]


@router.post("/items", response={201: ItemOut})
def create_item(request, payload: ItemIn):
    item = _call(catalogue.save_item, _county(request.auth), catalogue.ItemData(**payload.dict()),
                 actor=request.auth)
    return Status(201, {**payload.dict(), "id": item.pk, "county": item.county_id, "offers": {}})


class OfferIn(Schema):
    provider: int
    price: Decimal


@router.put("/items/{item_id}/offers")
def set_offer(request, item_id: int, payload: OfferIn):
    from yiyang.core.models import Organisation

    item = get_object_or_404(ServiceItem, pk=item_id)
    provider = get_object_or_404(Organisation, pk=payload.provider)
    offer = _call(catalogue.set_offer, provider, item, payload.price, actor=request.auth)
    return {"provider": offer.provider_id, "item": offer.item_id, "price": offer.price}


@router.get("/caregivers", response=list[CaregiverOut])
def list_caregivers(request):
    rows = catalogue.caregivers_for(request.auth).prefetch_related("certificates")
    return [{"id": c.pk, "provider": c.provider_id, "name": c.name, "phone_masked": c.phone_masked,
             "skills": c.skills,
             "home_address": c.home_address, "active": c.active,
             "certificates": [{"id": x.pk, "name": x.name, "number": x.number, "expires_on": x.expires_on}
                              for x in c.certificates.all()]} for c in rows]


@router.post("/caregivers", response={201: dict})
def create_caregiver(request, payload: CaregiverIn):
    caregiver = _call(catalogue.add_caregiver, catalogue.CaregiverData(**payload.dict()), actor=request.auth)
    return Status(201, {"id": caregiver.pk})


@router.post("/caregivers/{caregiver_id}/certificates", response={201: dict})
def add_certificate(request, caregiver_id: int, payload: CertificateIn):
    caregiver = get_object_or_404(catalogue.caregivers_for(request.auth), pk=caregiver_id)
    certificate = _call(catalogue.add_certificate, caregiver, actor=request.auth, **payload.dict())
    return Status(201, {"id": certificate.pk})


# --- elders: home and balance ------------------------------------------------------------
@router.put("/elders/{elder_id}/home")
def set_home(request, elder_id: int, payload: HomeIn):
    elder = get_object_or_404(Elder.objects.restrict(request.auth, Action.ORDER_SERVICES), pk=elder_id)
    home = _call(catalogue.set_elder_home, elder, actor=request.auth, **payload.dict())
    return {"elder": elder.pk, "lat": home.lat, "lng": home.lng, "care_notes": home.care_notes}


@router.get("/elders/{elder_id}/balance", response=list[BalanceOut])
def elder_balance(request, elder_id: int, month: dt.date | None = None):
    """The elder's entitlement balances for a month (default: this month)."""
    elder = get_object_or_404(Elder.objects.restrict(request.auth, Action.ORDER_SERVICES), pk=elder_id)
    return [b.__dict__ for b in queries.balances(elder.pk, month or timezone.localdate())]


# --- schemes -----------------------------------------------------------------------------
def _scheme_out(scheme: Scheme) -> dict:
    return {**{f: getattr(scheme, f) for f in SchemeIn.model_fields}, "id": scheme.pk,
            "entitled": scheme.entitlements.filter(active=True).count()}


@router.get("/schemes", response=list[SchemeOut])
def list_schemes(request):
    scoping.require(request.auth, Action.MANAGE_SERVICES)
    return [_scheme_out(s) for s in Scheme.objects.filter(county=_county(request.auth))]


@router.post("/schemes", response={201: SchemeOut})
def create_scheme(request, payload: SchemeIn):
    scheme = _call(catalogue.save_scheme, _county(request.auth), catalogue.SchemeData(**payload.dict()),
                   actor=request.auth)
    return Status(201, _scheme_out(scheme))


@router.post("/schemes/{scheme_id}/refresh")
def refresh_scheme(request, scheme_id: int):
    scoping.require(request.auth, Action.MANAGE_SERVICES)
    scheme = get_object_or_404(Scheme, pk=scheme_id, county=_county(request.auth))
    return catalogue.refresh_entitlements(scheme, actor=request.auth)


# --- orders ------------------------------------------------------------------------------
@router.get("/orders", response=OrderPage)
def list_orders(request, status: str | None = None, day: dt.date | None = None, elder: int | None = None,
                review: str | None = None, page: int = 1):
    """The caller's orders, newest first, 30 a page (no total: has_next says if there is more)."""
    qs = _for_output(queries.with_lines(queries.orders_for(
        request.auth, {"status": status, "day": day, "elder": elder, "review": review})))
    found = queries.page_of(qs, page)
    return {"page": found.number, "has_next": found.has_next, "results": [_order_out(o) for o in found]}


@router.post("/orders", response={201: OrderOut})
def create_order(request, payload: OrderIn):
    """Order a visit; without a provider, the nearest provider offering every item is chosen."""
    elder = get_object_or_404(Elder.objects.restrict(request.auth, Action.ORDER_SERVICES), pk=payload.elder)
    items = [line.item for line in payload.items]
    provider = payload.provider
    if provider is None:
        suggested = queries.suggest_provider(elder, items)
        if suggested is None:
            raise InvalidInput({"provider": ["No provider serving the elder's area offers these services."]})
        provider = suggested.organisation_id
    data = services.OrderData(elder_id=elder.pk, provider_id=provider, window_start=payload.window_start,
                              window_end=payload.window_end, channel=Channel.API, note=payload.note,
                              lines=[services.Line(line.item, line.quantity) for line in payload.items])
    order = _call(services.create_order, data, actor=request.auth)
    return Status(201, _fresh(request, order.pk))


@router.get("/orders/{order_id}", response=OrderOut)
def get_order(request, order_id: int):
    return _fresh(request, _order(request, order_id).pk)


@router.put("/orders/{order_id}", response=OrderOut)
def change_order(request, order_id: int, payload: OrderChangeIn):
    """Change the services, window and note before anyone sets out; new services or a new
    time send the order back to the provider (status `created`)."""
    change = services.OrderChange(window_start=payload.window_start, window_end=payload.window_end,
                                  note=payload.note,
                                  lines=[services.Line(line.item, line.quantity) for line in payload.items])
    return _step(request, order_id, services.change_order, change)


def _step(request, order_id: int, function: Callable, *args, **kwargs) -> dict:
    _call(function, _order(request, order_id), *args, actor=request.auth, **kwargs)
    return _fresh(request, order_id)


@router.post("/orders/{order_id}/accept", response=OrderOut)
def accept(request, order_id: int):
    return _step(request, order_id, services.accept_order)


@router.post("/orders/{order_id}/assign", response=OrderOut)
def assign(request, order_id: int, payload: AssignIn):
    caregiver = get_object_or_404(catalogue.caregivers_for(request.auth), pk=payload.caregiver)
    return _step(request, order_id, services.assign_caregiver, caregiver)


@router.post("/orders/{order_id}/cancel", response=OrderOut)
def cancel(request, order_id: int, payload: ReasonIn):
    return _step(request, order_id, services.cancel_order, payload.reason)


@router.post("/orders/{order_id}/set-out", response=OrderOut)
def set_out(request, order_id: int):
    return _step(request, order_id, services.set_out)


@router.post("/orders/{order_id}/check-in", response=OrderOut)
def check_in(request, order_id: int, payload: PositionIn):
    """Arrive; `at` (default now) lets an offline phone send its recorded time."""
    position = services.Position(payload.lat, payload.lng, payload.accuracy)
    return _step(request, order_id, services.check_in, position, at=payload.at)


@router.post("/orders/{order_id}/log", response=OrderOut)
def log(request, order_id: int, payload: LogIn):
    return _step(request, order_id, services.record_log, items=payload.items, notes=payload.notes)


@router.post("/orders/{order_id}/check-out", response=OrderOut)
def check_out(request, order_id: int, payload: CheckOutIn):
    position = services.Position(payload.lat, payload.lng, payload.accuracy)
    return _step(request, order_id, services.check_out, position, items=payload.items, notes=payload.notes,
                 at=payload.at)


@router.post("/orders/{order_id}/send-code", response=SentOut)
def send_code(request, order_id: int):
    return {"sent_to": _call(services.send_code, _order(request, order_id), actor=request.auth)}


@router.post("/orders/{order_id}/confirm", response=OrderOut)
def confirm(request, order_id: int, payload: CodeIn):
    return _step(request, order_id, services.confirm_with_code, payload.code)


@router.post("/orders/{order_id}/signature", response=OrderOut)
def signature(request, order_id: int, payload: SignatureIn):
    return _step(request, order_id, services.confirm_with_signature, payload.signature)


@router.post("/orders/{order_id}/rating", response=OrderOut)
def rate(request, order_id: int, payload: RatingIn):
    return _step(request, order_id, services.rate_order, payload.score, payload.comment,
                 complaint=payload.complaint)


@router.post("/orders/{order_id}/review", response=OrderOut)
def review(request, order_id: int, payload: ReviewIn):
    return _step(request, order_id, services.review_visit, accept=payload.accept, reason=payload.reason)


@router.get("/today", response=list[OrderOut])
def today(request, day: dt.date | None = None):
    """The calling caregiver's visits of the day, in time order."""
    scoping.require(request.auth, Action.VISIT)
    return [_order_out(o) for o in _for_output(queries.today_visits(request.auth, day))]


@router.get("/review", response=OrderPage)
def review_list(request, page: int = 1):
    scoping.require(request.auth, Action.MANAGE_SERVICES)
    found = queries.page_of(_for_output(queries.with_lines(queries.review_list(request.auth))), page)
    return {"page": found.number, "has_next": found.has_next, "results": [_order_out(o) for o in found]}


# --- complaints and satisfaction ----------------------------------------------------
def _complaint_out(c) -> dict:
    return {"id": c.pk, "order": c.order_id, "text": c.text, "status": c.status, "notes": c.notes,
            "resolution": c.resolution}


@router.get("/complaints", response=list[ComplaintOut])
def list_complaints(request):
    if not uses_services(request.auth):
        raise Http404
    return [_complaint_out(c) for c in queries.complaints_for(request.auth)[:500]]


@router.post("/complaints/{complaint_id}/follow-up", response=ComplaintOut)
def follow_up(request, complaint_id: int, payload: FollowUpIn):
    complaint = get_object_or_404(queries.complaints_for(request.auth), pk=complaint_id)
    return _complaint_out(_call(services.follow_up_complaint, complaint, note=payload.note,
                                close=payload.close, actor=request.auth))


@router.get("/satisfaction")
def satisfaction(request):
    if not uses_services(request.auth):
        raise Http404
    return {"providers": list(queries.satisfaction_by_provider(request.auth)),
            "caregivers": list(queries.satisfaction_by_caregiver(request.auth)[:200])}


# --- care plans ----------------------------------------------------------------------------
def _plan_out(plan: CarePlan) -> dict:
    return {"id": plan.pk, "elder": plan.elder_id, "provider": plan.provider_id, "item": plan.item_id,
            **{f: getattr(plan, f) for f in ("weekdays", "start_time", "end_time", "starts_on", "ends_on",
                                             "quantity", "generated_until")}}


@router.post("/plans", response={201: PlanOut})
def create_plan(request, payload: PlanIn):
    data = payload.to_data(payload.elder)
    return Status(201, _plan_out(_call(catalogue.create_plan, data, actor=request.auth)))


def _plan(request, plan_id: int) -> CarePlan:
    return get_object_or_404(catalogue.plans_for(request.auth), pk=plan_id)


@router.get("/plans", response=list[PlanOut])
def list_plans(request, elder: int | None = None):
    rows = catalogue.plans_for(request.auth)
    if elder is not None:
        rows = rows.filter(elder_id=elder)
    return [_plan_out(p) for p in rows[:500]]


@router.put("/plans/{plan_id}", response=PlanChangedOut)
def update_plan(request, plan_id: int, payload: PlanChangeIn):
    """Change a plan from tomorrow on: its waiting orders after today are cancelled and the
    next four weeks made again; returns the plan and the new orders' ids."""
    plan = _plan(request, plan_id)
    made = _call(catalogue.update_plan, plan, payload.to_data(plan.elder_id), actor=request.auth)
    return {"plan": _plan_out(CarePlan.objects.get(pk=plan.pk)), "orders": [o.pk for o in made]}


@router.post("/plans/{plan_id}/end", response=PlanEndedOut)
def end_plan(request, plan_id: int, payload: PlanEndIn):
    """End a plan after `last_day`; its waiting orders after that day are cancelled."""
    plan = _plan(request, plan_id)
    cancelled = _call(catalogue.end_plan, plan, payload.last_day, payload.reason, actor=request.auth)
    return {"plan": _plan_out(CarePlan.objects.get(pk=plan.pk)), "cancelled": cancelled}


@router.post("/plans/{plan_id}/generate", response=list[int])
def generate_plan(request, plan_id: int, payload: GenerateIn):
    """Make the plan's orders up to a day; returns the new orders' ids."""
    made = _call(catalogue.generate_plan_orders, _plan(request, plan_id), until=payload.until,
                 actor=request.auth)
    return [o.pk for o in made]


# --- settlement ---------------------------------------------------------------------------
def _settlement_out(s) -> dict:
    return {**{f: getattr(s, f) for f in ("id", "month", "status", "visits", "hours", "gov_amount",
                                          "self_amount", "rejected", "approved_at")},
            "provider": s.provider_id, "provider_name": s.provider.name}


@router.get("/settlements", response=list[SettlementOut])
def list_settlements(request, month: dt.date | None = None):
    rows = settlement.settlements_for(request.auth).select_related("provider")
    if month:
        rows = rows.filter(month=month.replace(day=1))
    return [_settlement_out(s) for s in rows[:500]]


@router.post("/settlements/generate", response=list[SettlementOut])
def generate_settlements(request, payload: MonthIn):
    """Check the month and (re)generate every provider's draft settlement."""
    made = _call(settlement.generate_month, _county(request.auth), payload.month, actor=request.auth)
    return [_settlement_out(s) for s in made]


@router.get("/settlements/{settlement_id}", response=SettlementOut)
def get_settlement(request, settlement_id: int):
    return _settlement_out(get_object_or_404(settlement.settlements_for(request.auth), pk=settlement_id))


@router.post("/settlements/{settlement_id}/approve", response=SettlementOut)
def approve(request, settlement_id: int):
    item = get_object_or_404(settlement.settlements_for(request.auth), pk=settlement_id)
    return _settlement_out(_call(settlement.approve_settlement, item, actor=request.auth))


@router.get("/settlements/{settlement_id}/export.{fmt}")
def export(request, settlement_id: int, fmt: str):
    item = get_object_or_404(settlement.settlements_for(request.auth).select_related("provider", "county"),
                             pk=settlement_id)
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    settlement.record_export(item, fmt, actor=request.auth)
    content = exports.settlement_xlsx(item) if fmt == "xlsx" else exports.settlement_pdf(item)
    response = HttpResponse(content, content_type=exports.XLSX if fmt == "xlsx" else "application/pdf")
    response["Content-Disposition"] = f'attachment; filename="settlement-{item.pk}.{fmt}"'
    return response

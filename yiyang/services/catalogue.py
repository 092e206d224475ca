"""Writes to what the orders stand on: the catalogue and provider offers, provider
profiles, caregivers and certificates, elders' homes, entitlement schemes (with the
eligibility computed from the registry) and care plans that make recurring orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiyang.core import audit, scoping
from yiyang.core.choices import Action, AuditAction, OrganisationKind
from yiyang.core.models import Organisation, Region
from yiyang.elders.categories import aged_at_least
from yiyang.elders.choices import ElderStatus
from yiyang.elders.forms import validate_phone
from yiyang.elders.models import Elder
from yiyang.services import geo
from yiyang.services.choices import Category, Channel, OrderStatus, Skill
from yiyang.services.models import (
    Caregiver,
    CarePlan,
    Certificate,
    ElderHome,
    Entitlement,
    Order,
    ProviderOffer,
    ProviderProfile,
    Scheme,
    ServiceItem,
)
from yiyang.services.services import InvalidOrder, Line, OrderData, cancel_order, create_order

PLAN_HORIZON = dt.timedelta(days=28)  # how far ahead a plan's orders are made
PLAN_CANCELLABLE = (OrderStatus.CREATED, OrderStatus.ACCEPTED, OrderStatus.ASSIGNED)


def _require(actor, action: str) -> None:
    scoping.require(actor, action)


def _county_in_scope(actor, county: Region) -> None:
    if not scoping.region_in_scope(actor, county) and not (
            actor.scope_prefix and county.prefix.startswith(actor.scope_prefix)):
        raise Http404


# --- catalogue ---------------------------------------------------------------------
@dataclass
class ItemData:
    code: str
    name: str
    category: str
    unit: str
    standard_minutes: int
    price: Decimal
    skills: list[str] = field(default_factory=list)
    description: str = ""
    active: bool = True


@transaction.atomic
def save_item(county: Region, data: ItemData, *, actor, item: ServiceItem | None = None) -> ServiceItem:
    _require(actor, Action.MANAGE_SERVICES)
    _county_in_scope(actor, county)
    if data.category not in Category.values or any(s not in Skill.values for s in data.skills):
        raise InvalidOrder({"category": [_("Unknown category or skill.")]})
    clash = ServiceItem.objects.filter(county=county, code=data.code)
    if item is not None:
        clash = clash.exclude(pk=item.pk)
    if clash.exists():
        raise InvalidOrder({"code": [_("Another item has this code.")]})
    created = item is None
    item = item or ServiceItem(county=county)
    for name, value in asdict(data).items():
        setattr(item, name, value)
    item.save()
    audit.record(AuditAction.CREATE if created else AuditAction.UPDATE, actor=actor, obj=item,
                 region_code=county.code, changes={k: str(v) for k, v in asdict(data).items()})
    return item


@transaction.atomic
def set_offer(provider: Organisation, item: ServiceItem, price: Decimal, *, actor) -> ProviderOffer:
    """The bureau's contracted price of an item at a provider (0 or more)."""
    _require(actor, Action.MANAGE_SERVICES)
    _county_in_scope(actor, item.county)
    if provider.kind != OrganisationKind.PROVIDER or price < 0:
        raise InvalidOrder({"price": [_("Give a price of 0 or more for a service provider.")]})
    offer, _created = ProviderOffer.objects.update_or_create(provider=provider, item=item,
                                                             defaults={"price": price})
    audit.record(AuditAction.UPDATE, actor=actor, obj=offer, region_code=item.county_id,
                 detail=f"offer {item.code} at {price}")
    return offer


@transaction.atomic
def save_provider_profile(provider: Organisation, *, area: Region, lat: float, lng: float,
                          address: str = "", actor) -> ProviderProfile:
    _require(actor, Action.MANAGE_SERVICES)
    _county_in_scope(actor, area)
    if provider.kind != OrganisationKind.PROVIDER:
        raise InvalidOrder({"provider": [_("Only a service provider has a service profile.")]})
    if not geo.valid_position(lat, lng):
        raise InvalidOrder({"lat": [_("The position is not a valid latitude and longitude.")]})
    profile, _created = ProviderProfile.objects.update_or_create(
        organisation=provider, defaults={"area": area, "lat": lat, "lng": lng, "address": address})
    audit.record(AuditAction.UPDATE, actor=actor, obj=profile, region_code=area.code,
                 detail=f"service area {area.code}")
    return profile


# --- caregivers ------------------------------------------------------------------------
@dataclass
class CaregiverData:
    name: str
    phone: str = ""
    skills: list[str] = field(default_factory=list)
    home_address: str = ""
    home_lat: float | None = None
    home_lng: float | None = None


def caregivers_for(actor):
    """The caregivers a user may see: a provider its own, the bureau everyone's."""
    if scoping.can(actor, Action.MANAGE_SERVICES):
        return Caregiver.objects.all()
    if scoping.can(actor, Action.PROVIDE_SERVICES) and actor.organisation_id:
        return Caregiver.objects.filter(provider_id=actor.organisation_id)
    return Caregiver.objects.none()


@transaction.atomic
def add_caregiver(data: CaregiverData, *, actor, user=None) -> Caregiver:
    _require(actor, Action.PROVIDE_SERVICES)
    if not actor.organisation_id:
        raise Http404
    _check_caregiver(data)
    fields = asdict(data)
    phone = fields.pop("phone")
    caregiver = Caregiver(provider_id=actor.organisation_id, user=user, **fields)
    caregiver.set_phone(phone)
    caregiver.save()
    audit.record(AuditAction.CREATE, actor=actor, obj=caregiver, detail=f"caregiver {data.name}")
    return caregiver


def _check_caregiver(data: CaregiverData) -> None:
    if not data.name.strip():
        raise InvalidOrder({"name": [_("Give the caregiver's name.")]})
    try:
        data.phone = validate_phone(data.phone)
    except ValidationError as exc:
        raise InvalidOrder({"phone": exc.messages}) from exc
    if any(s not in Skill.values for s in data.skills):
        raise InvalidOrder({"skills": [_("Unknown skill.")]})
    if (data.home_lat is None) != (data.home_lng is None) or (
            data.home_lat is not None and not geo.valid_position(data.home_lat, data.home_lng)):
        raise InvalidOrder({"home_lat": [_("The position is not a valid latitude and longitude.")]})


@transaction.atomic
def add_certificate(caregiver: Caregiver, *, name: str, number: str, expires_on: dt.date,
                    actor) -> Certificate:
    _require(actor, Action.PROVIDE_SERVICES)
    caregiver = caregivers_for(actor).filter(pk=caregiver.pk).first()
    if caregiver is None:
        raise Http404
    if not name.strip():
        raise InvalidOrder({"name": [_("Name the certificate.")]})
    certificate = Certificate.objects.create(caregiver=caregiver, name=name.strip(),
                                             number=number.strip(), expires_on=expires_on)
    audit.record(AuditAction.CREATE, actor=actor, obj=certificate,
                 detail=f"certificate of {caregiver} until {expires_on}")
    return certificate


# --- elders' homes -------------------------------------------------------------------
@transaction.atomic
def set_elder_home(elder: Elder, *, lat: float, lng: float, care_notes: str = "", actor) -> ElderHome:
    if not Elder.objects.restrict(actor, Action.ORDER_SERVICES).filter(pk=elder.pk).exists():
        raise Http404
    if not geo.valid_position(lat, lng):
        raise InvalidOrder({"lat": [_("The position is not a valid latitude and longitude.")]})
    home, _created = ElderHome.objects.update_or_create(
        elder=elder, defaults={"lat": lat, "lng": lng, "care_notes": care_notes.strip()[:300]})
    audit.record(AuditAction.UPDATE, actor=actor, obj=elder, detail="home position and care notes")
    return home


# --- schemes and entitlements ------------------------------------------------------
@dataclass
class SchemeData:
    name: str
    basis: str
    monthly_quota: Decimal
    economic_statuses: list[str] = field(default_factory=list)
    min_capability_level: int | None = None
    min_age: int | None = None
    categories: list[str] = field(default_factory=list)
    active: bool = True


@transaction.atomic
def save_scheme(county: Region, data: SchemeData, *, actor, scheme: Scheme | None = None) -> Scheme:
    _require(actor, Action.MANAGE_SERVICES)
    _county_in_scope(actor, county)
    if data.monthly_quota <= 0:
        raise InvalidOrder({"monthly_quota": [_("The monthly quota must be more than 0.")]})
    created = scheme is None
    scheme = scheme or Scheme(county=county)
    for name, value in asdict(data).items():
        setattr(scheme, name, value)
    scheme.save()
    audit.record(AuditAction.CREATE if created else AuditAction.UPDATE, actor=actor, obj=scheme,
                 region_code=county.code, changes={k: str(v) for k, v in asdict(data).items()})
    refresh_entitlements(scheme, actor=actor)
    return scheme


def eligible_elders(scheme: Scheme, today: dt.date | None = None):
    """The registry's elders a scheme covers today (its rule as a queryset)."""
    today = today or timezone.localdate()
    elders = Elder.objects.in_prefix(scheme.county.prefix).filter(status=ElderStatus.ACTIVE)
    if scheme.economic_statuses:
        elders = elders.filter(economic_status__in=scheme.economic_statuses)
    if scheme.min_capability_level is not None:
        elders = elders.filter(capability_level__gte=scheme.min_capability_level)
    if scheme.min_age:
        elders = elders.filter(aged_at_least(scheme.min_age, today))
    return elders


@transaction.atomic
def refresh_entitlements(scheme: Scheme, *, actor, today: dt.date | None = None) -> dict:
    """Enrol the elders who are now eligible, end the entitlements of those who are
    not any more (moved, deceased, status or level changed)."""
    _require(actor, Action.MANAGE_SERVICES)
    today = today or timezone.localdate()
    eligible = dict(eligible_elders(scheme, today).values_list("id", "region_id")) if scheme.active else {}
    current = dict(Entitlement.objects.filter(scheme=scheme).values_list("elder_id", "active"))
    new = [Entitlement(scheme=scheme, elder_id=pk, since=today, region_code=region)
           for pk, region in eligible.items() if pk not in current]
    Entitlement.objects.bulk_create(new, batch_size=2000)
    back = [pk for pk, active in current.items() if not active and pk in eligible]
    Entitlement.objects.filter(scheme=scheme, elder_id__in=back).update(active=True, until=None)
    ended = Entitlement.objects.filter(scheme=scheme, active=True).exclude(elder_id__in=list(eligible))
    stopped = ended.update(active=False, until=today)
    audit.record(AuditAction.UPDATE, actor=actor, obj=scheme, region_code=scheme.county_id,
                 detail=f"entitlements: {len(new)} new, {len(back)} back, {stopped} ended")
    return {"new": len(new), "back": len(back), "ended": stopped, "eligible": len(eligible)}


# --- care plans ------------------------------------------------------------------------
@dataclass
class PlanData:
    elder_id: int
    provider_id: int
    item_id: int
    weekdays: list[int]
    start_time: dt.time
    end_time: dt.time
    starts_on: dt.date
    ends_on: dt.date | None = None
    quantity: Decimal = Decimal(1)


def _check_plan(data: PlanData) -> None:
    if not data.weekdays or any(d not in range(7) for d in data.weekdays):
        raise InvalidOrder({"weekdays": [_("Choose the days of the week.")]})
    if data.end_time <= data.start_time:
        raise InvalidOrder({"end_time": [_("The end of the time window must be after its start.")]})
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise InvalidOrder({"ends_on": [_("The last day cannot be before the first.")]})


def plans_for(actor):
    """Care plans of the elders the actor may order services for."""
    return CarePlan.objects.filter(
        elder__in=Elder.objects.restrict(actor, Action.ORDER_SERVICES).values("pk"))


@transaction.atomic
def create_plan(data: PlanData, *, actor) -> CarePlan:
    """A recurring order; its orders are made by generate_plan_orders()."""
    elder = Elder.objects.restrict(actor, Action.ORDER_SERVICES).filter(pk=data.elder_id).first()
    if elder is None:
        raise Http404
    _check_plan(data)
    plan = CarePlan.objects.create(
        elder=elder, provider_id=data.provider_id, item_id=data.item_id, quantity=data.quantity,
        weekdays=sorted(set(data.weekdays)), start_time=data.start_time, end_time=data.end_time,
        starts_on=data.starts_on, ends_on=data.ends_on, created_by=actor, region_code=elder.region_id)
    audit.record(AuditAction.CREATE, actor=actor, obj=plan, region_code=elder.region_id,
                 detail=f"care plan {plan.item} on {plan.weekdays}")
    return plan


@transaction.atomic
def update_plan(plan: CarePlan, data: PlanData, *, actor) -> list[Order]:
    """Change a plan from tomorrow on: its orders after today that nobody has set out for
    are cancelled and the next four weeks are made again by the new plan (today's visit,
    possibly under way, is kept). Returns the new orders."""
    plan = _locked_plan(plan, actor)
    _check_plan(data)
    if data.ends_on is not None and data.ends_on < timezone.localdate():
        raise InvalidOrder({"ends_on": [_("The last day cannot be in the past.")]})
    _cancel_future_orders(plan, after=timezone.localdate(), actor=actor,
                          reason=_("The care plan was changed."))
    plan.provider_id, plan.item_id, plan.quantity = data.provider_id, data.item_id, data.quantity
    plan.weekdays, plan.start_time, plan.end_time = sorted(set(data.weekdays)), data.start_time, data.end_time
    plan.starts_on, plan.ends_on, plan.generated_until = data.starts_on, data.ends_on, timezone.localdate()
    plan.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=plan, region_code=plan.region_code,
                 detail=f"care plan {plan.item} on {plan.weekdays} {plan.start_time:%H:%M}-"
                        f"{plan.end_time:%H:%M} {plan.starts_on}..{plan.ends_on or ''}")
    return generate_plan_orders(plan, until=timezone.localdate() + PLAN_HORIZON, actor=actor)


@transaction.atomic
def end_plan(plan: CarePlan, last_day: dt.date, reason: str, *, actor) -> int:
    """End a plan after `last_day` (today or later), cancelling its orders after that day
    with the reason (e.g. the elder went into hospital). Returns how many were cancelled."""
    plan = _locked_plan(plan, actor)
    reason = (reason or "").strip()
    if last_day < timezone.localdate():
        raise InvalidOrder({"last_day": [_("The last day cannot be in the past.")]})
    if last_day < plan.starts_on - dt.timedelta(days=1):
        raise InvalidOrder({"last_day": [_("The plan starts on %(day)s.") % {"day": plan.starts_on}]})
    if not reason:
        raise InvalidOrder({"reason": [_("Say why the plan ends.")]})
    cancelled = _cancel_future_orders(plan, after=last_day, actor=actor, reason=reason)
    plan.ends_on = last_day
    plan.save(update_fields=["ends_on", "last_updated"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=plan, region_code=plan.region_code,
                 detail=f"care plan ended after {last_day}: {reason}; {cancelled} orders cancelled")
    return cancelled


def _locked_plan(plan: CarePlan, actor) -> CarePlan:
    locked = plans_for(actor).select_for_update().filter(pk=plan.pk).first()
    if locked is None:
        raise Http404
    return locked


def _cancel_future_orders(plan: CarePlan, *, after: dt.date, actor, reason: str) -> int:
    waiting = plan.orders.filter(service_date__gt=after, status__in=PLAN_CANCELLABLE).order_by("pk")
    for order in waiting:
        cancel_order(order, reason, actor=actor)
    return len(waiting)


def generate_plan_orders(plan: CarePlan, *, until: dt.date, actor) -> list[Order]:
    """Make the plan's orders for each of its days up to `until` not made yet (each in
    its own transaction: one refused day, e.g. a provider no longer offering the item,
    stops the run with its message and keeps the days before)."""
    day = max(plan.starts_on, (plan.generated_until or plan.starts_on - dt.timedelta(days=1))
              + dt.timedelta(days=1), timezone.localdate())
    last = min(until, plan.ends_on) if plan.ends_on else until
    made = []
    while day <= last:
        if day.weekday() in plan.weekdays and not plan.orders.filter(service_date=day).exclude(
                status=OrderStatus.CANCELLED).exists():
            made.append(_plan_order(plan, day, actor))
        day += dt.timedelta(days=1)
    CarePlan.objects.filter(pk=plan.pk).update(generated_until=last)
    return made


def _plan_order(plan: CarePlan, day: dt.date, actor) -> Order:
    zone = timezone.get_current_timezone()
    data = OrderData(
        elder_id=plan.elder_id, provider_id=plan.provider_id, channel=Channel.PLAN,
        window_start=dt.datetime.combine(day, plan.start_time, zone),
        window_end=dt.datetime.combine(day, plan.end_time, zone),
        lines=[Line(plan.item_id, plan.quantity)], note=_("Care plan #%(id)s") % {"id": plan.pk})
    return create_order(data, actor=actor, plan=plan)

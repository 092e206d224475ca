"""Reads for the pages and the API, always from the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiyang.core import scoping
from yiyang.core.choices import Action, Role
from yiyang.elders.models import Elder
from yiyang.services import geo
from yiyang.services.choices import OrderStatus, SchemeBasis
from yiyang.services.models import (
    Complaint,
    ElderHome,
    Entitlement,
    Order,
    OrderItem,
    ProviderProfile,
    Rating,
    ServiceItem,
)


def orders_for(user, filters: dict | None = None):
    """The order list: the user's orders, newest window first, filtered."""
    filters = filters or {}
    qs = Order.objects.restrict(user)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if day := filters.get("day"):
        qs = qs.filter(service_date=day)
    if provider := filters.get("provider"):
        qs = qs.filter(provider_id=provider)
    if review := filters.get("review"):
        qs = qs.filter(review_status=review)
    if elder := filters.get("elder"):
        qs = qs.filter(elder_id=elder)
    return qs.select_related("elder", "provider", "caregiver").order_by("-window_start", "-id")


def with_lines(qs):
    return qs.prefetch_related(Prefetch("lines", OrderItem.objects.select_related("item")))


def today_visits(user, day: dt.date | None = None):
    """A caregiver's visits of the day, in time order, with what they need on site."""
    day = day or timezone.localdate()
    qs = (Order.objects.restrict(user, Action.VISIT).filter(service_date=day)
          .exclude(status=OrderStatus.CANCELLED)
          .select_related("elder", "elder__region", "elder__home").order_by("window_start", "id"))
    return with_lines(qs)


def order_detail(user, pk: int):
    qs = Order.objects.restrict(user).select_related(
        "elder", "elder__region", "provider", "caregiver", "settled__settlement", "created_by",
        "reviewed_by")
    return with_lines(qs).get(pk=pk)


@dataclass
class Balance:
    scheme: str
    basis: str
    quota: Decimal
    used: Decimal
    remaining: Decimal

    @property
    def unit(self) -> str:
        return str(_("hours")) if self.basis == SchemeBasis.HOURS else "¥"


def balances(elder_id: int, month: dt.date) -> list[Balance]:
    """The elder's entitlement balances for a month: quota, used, what is left."""
    from yiyang.services.services import used_in_month

    result = []
    for entitlement in Entitlement.objects.filter(elder_id=elder_id, active=True,
                                                  scheme__active=True).select_related("scheme"):
        scheme = entitlement.scheme
        used = used_in_month(entitlement, month.replace(day=1))
        spent = used["hours"] if scheme.basis == SchemeBasis.HOURS else used["amount"]
        result.append(Balance(scheme.name, scheme.basis, scheme.monthly_quota, spent,
                              max(scheme.monthly_quota - spent, Decimal(0))))
    return result


def catalogue(county_code: str, active_only: bool = True):
    items = ServiceItem.objects.filter(county_id=county_code)
    return items.filter(active=True) if active_only else items


def providers_serving(elder: Elder, item_ids: list[int] | None = None) -> list[ProviderProfile]:
    """Providers whose area covers the elder and who offer every item, nearest first
    (from the elder's home when it is known)."""
    profiles = [p for p in ProviderProfile.objects.select_related("organisation", "area")
                if p.serves(elder.region_id)]
    for item_id in item_ids or []:
        profiles = [p for p in profiles if p.organisation.service_offers.filter(item_id=item_id).exists()]
    home = ElderHome.objects.filter(elder=elder).first()
    if home is not None:
        for profile in profiles:
            profile.distance_m = round(geo.distance_m(home.lat, home.lng, profile.lat, profile.lng))
        profiles.sort(key=lambda p: p.distance_m)
    return profiles


def suggest_provider(elder: Elder, item_ids: list[int]) -> ProviderProfile | None:
    found = providers_serving(elder, item_ids)
    return found[0] if found else None


def satisfaction_by_provider(user):
    ratings = Rating.objects.filter(order__in=Order.objects.restrict(user).values("pk"))
    return (ratings.values("provider__name").annotate(n=Count("id"), mean=Avg("score"),
                                                      low=Count("id", filter=Q(score__lte=2)))
            .order_by("-mean"))


def satisfaction_by_caregiver(user):
    ratings = Rating.objects.filter(order__in=Order.objects.restrict(user).values("pk"),
                                    caregiver__isnull=False)
    return (ratings.values("caregiver__name", "provider__name")
            .annotate(n=Count("id"), mean=Avg("score")).order_by("-mean", "caregiver__name"))


def complaints_for(user, action: str | None = None):
    if action is not None and not scoping.can(user, action):
        return Complaint.objects.none()
    return Complaint.objects.filter(order__in=Order.objects.restrict(user).values("pk"))


def review_list(user):
    return (Order.objects.restrict(user, Action.MANAGE_SERVICES).awaiting_review()
            .select_related("elder", "provider", "caregiver").order_by("service_date", "id"))


def timeline(order: Order) -> list[tuple[str, dt.datetime | None]]:
    steps = [
        (OrderStatus.CREATED.label, order.created),
        (OrderStatus.ACCEPTED.label, order.accepted_at),
        (OrderStatus.ASSIGNED.label, order.assigned_at),
        (OrderStatus.ON_THE_WAY.label, order.on_way_at),
        (OrderStatus.IN_SERVICE.label, order.checkin_at),
        (OrderStatus.DONE.label, order.checkout_at),
        (OrderStatus.CONFIRMED.label, order.confirmed_at),
    ]
    if order.status == OrderStatus.CANCELLED:
        steps = [step for step in steps if step[1]] + [(OrderStatus.CANCELLED.label, order.cancelled_at)]
    return steps


def orderable_elders(user, term: str, limit: int = 20):
    if not term.strip():
        return Elder.objects.none()
    return (Elder.objects.restrict(user, Action.ORDER_SERVICES).active().search(term)
            .select_related("region")[:limit])


def county_of(user):
    """The county a user works in (their scope, or the county above it)."""
    region = user.scope_region
    while region is not None and region.level > 3:
        region = region.parent
    return region


def index_target(user) -> str:
    """Where 居家服务 opens for this role."""
    if user.role == Role.CAREGIVER:
        return "services:today"
    return "services:orders"



@dataclass
class Slice:
    """One page of a long list without counting it (a county's year is 1.5 M orders):
    size + 1 rows tell whether there is a next page."""

    rows: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def __iter__(self):
        return iter(self.rows)


def page_of(qs, number, size: int = 30) -> Slice:
    try:
        number = max(1, int(number or 1))
    except ValueError:
        number = 1
    offset = (number - 1) * size
    rows = list(qs[offset: offset + size + 1])
    return Slice(rows=rows[:size], number=number, has_next=len(rows) > size)

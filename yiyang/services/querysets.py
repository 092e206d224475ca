"""Who sees which orders: the front door for every page, export and API call."""

from __future__ import annotations

import datetime as dt

from django.db import models

from yiyang.core import scoping
from yiyang.core.choices import Action, Role
from yiyang.core.models import prefix_upper_bound
from yiyang.services.choices import DELIVERED_STATUSES, OPEN_STATUSES, OrderStatus, ReviewStatus

SERVICE_ACTIONS = (Action.ORDER_SERVICES, Action.MANAGE_SERVICES, Action.PROVIDE_SERVICES,
                   Action.VISIT)


def uses_services(user) -> bool:
    return any(scoping.can(user, action) for action in SERVICE_ACTIONS)


def in_prefix(qs, prefix: str, column: str = "region_code"):
    """Rows whose village code starts with prefix, as an index range (no LIKE)."""
    if len(prefix) == 12:
        return qs.filter(**{column: prefix})
    return qs.filter(**{f"{column}__gte": prefix, f"{column}__lt": prefix_upper_bound(prefix)})


def family_elder_ids(user):
    from yiyang.elders.choices import GrantKind
    from yiyang.elders.models import ElderGrant

    return ElderGrant.objects.filter(user=user, kind=GrantKind.FAMILY).values("elder_id")


def order_scope(qs, prefix: str):
    """Orders in a region prefix on the column indexed for it (see Order.Meta)."""
    column = {12: "region_code", 9: "town_code", 6: "county_code"}.get(len(prefix))
    if column is not None:
        return qs.filter(**{column: prefix})
    return in_prefix(qs, prefix)


class OrderQuerySet(models.QuerySet):
    def restrict(self, user, action: str | None = None):
        """The orders this user may see (action None) or act on with `action`:
        region roles their area, a provider its own orders, a caregiver the visits
        assigned to them, a family member their elders' orders."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if action is not None and not scoping.can(user, action):
            return self.none()
        if action is None and not uses_services(user):
            return self.none()
        prefix = user.scope_prefix
        if prefix is None:
            return self.none()
        qs = order_scope(self, prefix)
        if scoping.is_region_scoped(user):
            return qs
        if user.role == Role.PROVIDER_ADMIN:
            return qs.filter(provider_id=user.organisation_id) if user.organisation_id else self.none()
        if user.role == Role.CAREGIVER:
            from yiyang.services.models import Caregiver

            # The caregiver's id first (one row): then the day's visits are one index
            # range on (caregiver, service_date), not a join over the day's orders.
            return qs.filter(caregiver_id__in=list(Caregiver.objects.filter(user=user).values_list(
                "pk", flat=True)))
        if user.role == Role.FAMILY:
            return qs.filter(elder_id__in=family_elder_ids(user))
        return self.none()

    def in_month(self, month: dt.date):
        return self.filter(service_date__gte=month, service_date__lt=next_month(month))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def delivered(self):
        return self.filter(status__in=DELIVERED_STATUSES)

    def counted(self):
        """Orders that use a balance: not cancelled, not rejected on review."""
        return self.exclude(status=OrderStatus.CANCELLED).exclude(review_status=ReviewStatus.REJECTED)

    def payable(self):
        """Delivered, checked out, and either not flagged or accepted on review."""
        return self.delivered().filter(
            checkout_at__isnull=False,
            review_status__in=(ReviewStatus.NONE, ReviewStatus.ACCEPTED))

    def awaiting_review(self):
        return self.filter(review_status=ReviewStatus.PENDING)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)

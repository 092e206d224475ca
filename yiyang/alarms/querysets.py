"""Reads of devices and alarms, always from a queryset restricted to the user."""

from __future__ import annotations

from django.db import models

from yiyang.core import scoping
from yiyang.core.choices import Action
from yiyang.core.models import prefix_upper_bound

OPEN = ("open", "acknowledged")


class RegionScopedQuerySet(models.QuerySet):
    def in_prefix(self, prefix: str):
        if len(prefix) == 12:
            return self.filter(region_id=prefix)
        return self.filter(region_id__gte=prefix, region_id__lt=prefix_upper_bound(prefix))

    def restrict(self, user, action: str = Action.HANDLE_ALARMS):
        """Rows in the user's region scope, for a role that may take the action."""
        if not scoping.can(user, action) or not scoping.is_region_scoped(user):
            return self.none()
        prefix = user.scope_prefix
        return self.in_prefix(prefix) if prefix else self.none()


class DeviceQuerySet(RegionScopedQuerySet):
    def restrict(self, user, action: str | None = None):
        """Without an action: devices to look at, for those who manage devices and for
        operators (who answer for the homes they are in)."""
        if action is None:
            action = (Action.MANAGE_DEVICES if scoping.can(user, Action.MANAGE_DEVICES)
                      else Action.HANDLE_ALARMS)
        return super().restrict(user, action)


class AlarmQuerySet(RegionScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN)

    def queue(self):
        """Open alarms, most urgent and oldest first."""
        return self.open().order_by("priority", "raised_at", "id")

    def changed_since(self, seq: int):
        return self.filter(seq__gt=seq)

"""The one place that says what a user may do and see.

Every page, search, count, export and API call starts from a queryset restricted
here (or in an app's querysets built on these helpers). An object outside the
user's scope is answered with 404, never 403, so its existence does not leak.
"""

from __future__ import annotations

from django.http import Http404

from yiyang.core.constants import REGION_SCOPED_ROLES, ROLE_ACTIONS, ROLE_REVEALS
from yiyang.core.models import Region


def can(user, action: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return action in ROLE_ACTIONS.get(user.role, ())


def may_reveal(user, field: str) -> bool:
    return user.is_authenticated and field in ROLE_REVEALS.get(user.role, ())


def is_region_scoped(user) -> bool:
    return user.role in REGION_SCOPED_ROLES


def require(user, action: str) -> None:
    """Refuse an action the role never has, as 404 (nothing to see here)."""
    if not can(user, action):
        raise Http404


def visible_regions(user):
    """The regions a user may browse: their scope's subtree."""
    if not user.is_authenticated or user.scope_prefix is None:
        return Region.objects.none()
    return Region.objects.within(user.scope_prefix)


def region_in_scope(user, region: Region | None) -> bool:
    prefix = user.scope_prefix
    return bool(region is not None and prefix is not None and region.code.startswith(prefix))

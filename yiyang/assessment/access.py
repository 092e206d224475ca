"""Assessment rights: the role's actions (constants.ASSESSMENT_ROLE_ACTIONS) within the
elders the registry lets the user reach (ElderQuerySet.restrict). Outside: 404."""

from __future__ import annotations

from django.http import Http404

from yiyang.assessment.constants import ASSESSMENT_ROLE_ACTIONS, ELDER_ACTION
from yiyang.elders.models import Elder


def can(user, action: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return action in ASSESSMENT_ROLE_ACTIONS.get(user.role, ())


def require(user, action: str) -> None:
    if not can(user, action):
        raise Http404


def elders(user, action: str):
    """The elders this user may act on with this assessment action."""
    if not can(user, action):
        return Elder.objects.none()
    return Elder.objects.restrict(user, ELDER_ACTION[action])

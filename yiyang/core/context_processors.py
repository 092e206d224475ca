from yiyang.core import scoping
from yiyang.core.choices import Action


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {"nav": {
        "stats": scoping.is_region_scoped(user),
        "audit": scoping.can(user, Action.VIEW_AUDIT),
    }}

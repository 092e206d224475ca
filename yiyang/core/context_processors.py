from yiyang.core import scoping
from yiyang.core.choices import Action


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {"nav": {
        "stats": scoping.is_region_scoped(user),
        "audit": scoping.can(user, Action.VIEW_AUDIT),
        "ledgers": scoping.can(user, Action.IMPORT) or scoping.can(user, Action.EXPORT),
        "dashboard": scoping.can(user, Action.VIEW_DASHBOARD),
        "alarms": scoping.can(user, Action.HANDLE_ALARMS) or scoping.can(user, Action.MANAGE_DEVICES),
        "services": any(scoping.can(user, a) for a in (
            Action.ORDER_SERVICES, Action.MANAGE_SERVICES, Action.PROVIDE_SERVICES, Action.VISIT)),
    }}

from django import template
from django.utils.dates import WEEKDAYS_ABBR

from yiyang.core import scoping
from yiyang.core.choices import Action

register = template.Library()


@register.simple_tag
def services_tabs(user) -> dict:
    """Which sub-menu entries of 居家服务 the user has (the view decides access again)."""
    can = lambda action: scoping.can(user, action)  # noqa: E731
    return {
        "orders": True,
        "today": can(Action.VISIT),
        "review": can(Action.MANAGE_SERVICES),
        "settlements": can(Action.MANAGE_SERVICES) or can(Action.PROVIDE_SERVICES),
        "caregivers": can(Action.MANAGE_SERVICES) or can(Action.PROVIDE_SERVICES),
        "schemes": can(Action.MANAGE_SERVICES),
        "plans": can(Action.ORDER_SERVICES),
        "catalogue": True,
        "quality": not can(Action.VISIT),
        "complaints": not can(Action.VISIT),
    }


@register.filter
def stars(score) -> str:
    return "★" * int(score or 0) + "☆" * (5 - int(score or 0))


@register.filter
def plan_days(plan) -> str:
    """A plan's week days by name (Monday is 0), e.g. 星期二 星期四."""
    return " ".join(str(WEEKDAYS_ABBR[day]) for day in plan.weekdays)

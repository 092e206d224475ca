"""Template helpers for assessment pages (formatting only; no rules here)."""

from __future__ import annotations

from django import template

from yiyang.assessment import access
from yiyang.assessment.choices import AssessmentAction

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ scores|get_item:"B.1" }}: a dict value by a key with dots in it."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def may_view_assessments(user) -> bool:
    """For the menu: {% if user|may_view_assessments %}."""
    return access.can(user, AssessmentAction.VIEW)


@register.filter
def level_name(assessment_or_scale, level):
    try:
        return assessment_or_scale.level(level).name
    except (AttributeError, StopIteration, TypeError):
        return ""


@register.filter
def choice_of(condition, values) -> str:
    """A condition's recorded value (or its default) as its label."""
    return condition.choice_label((values or {}).get(condition.code, condition.default))


@register.filter
def risk_summary(assessment) -> str:
    """The care-risk events of the last 30 days in one line ("跌倒 2 次、噎食 1 次" or "无")."""
    scale = assessment.scale_def
    parts = []
    for condition in scale.conditions:
        if condition.group != "risk":
            continue
        value = assessment.conditions.get(condition.code, condition.default)
        if value:
            parts.append(f"{condition.name.removeprefix('近30天')} {condition.choice_label(value)}")
    return "、".join(parts) or "无"

"""Template helpers for registry pages: human labels for the change history and the
audit log, and form widgets rendered with Bootstrap classes and error state."""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.forms import CheckboxInput, RadioSelect, Select, SelectMultiple
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.core.choices import PersonalField
from yiyang.core.models import Region
from yiyang.elders.choices import GrantKind, Relation
from yiyang.elders.models import Elder

register = template.Library()

# History keys that are not plain model fields, or whose verbose name says too little.
_LABELS = {
    "id_number": PersonalField.ID_NUMBER.label,
    "phone": PersonalField.PHONE.label,
    "address": PersonalField.ADDRESS.label,
    "region": gettext_lazy("Village / community"),
    "status": gettext_lazy("Status"),
    "status_date": gettext_lazy("Status date"),
    "status_reason": gettext_lazy("Reason"),
    "contacts": gettext_lazy("Emergency contacts"),
    "condition_changed_on": gettext_lazy("Date of the change"),
    "access": gettext_lazy("Linked account"),
}


@register.filter
def field_label(name: str) -> str:
    """economic_status -> "Economic status" (the model's verbose name, capitalised)."""
    if name in _LABELS:
        return str(_LABELS[name])
    try:
        return capfirst(str(Elder._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name.replace("_", " ").capitalize()


@register.filter
def field_value(value, name: str) -> str:
    """A recorded value as a person reads it: choice labels, yes/no, contacts."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "contacts" and isinstance(value, list):
        return "; ".join(_contact(entry) for entry in value)
    if name == "access" and isinstance(value, dict):  # elders.access.history_value
        kind = dict(GrantKind.choices).get(value.get("kind"), value.get("kind"))
        who = value.get("name") or value.get("username")
        return f"{who} ({value.get('username')}, {kind})"
    if name == "region":
        region = Region.objects.filter(code=value).only("name").first()
        return f"{region.name} ({value})" if region else str(value)
    try:
        model_field = Elder._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    choices = {str(key): label for key, label in model_field.flatchoices} if model_field.choices else {}
    return str(choices.get(str(value), value))


def _contact(entry) -> str:
    name, _sep, rest = str(entry).partition("/")
    relation, _sep, phone = rest.partition("/")
    label = dict(Relation.choices).get(relation, relation)
    return " ".join(part for part in (name, f"({label})" if label else "", phone) if part)


_PERSONAL_DETAIL = {value: label for value, label in PersonalField.choices}


@register.filter
def audit_detail(detail: str) -> str:
    """A reveal's detail ("id_number", "contact:12:phone") in words."""
    if detail in _PERSONAL_DETAIL:
        return str(_PERSONAL_DETAIL[detail])
    if detail.startswith("contact:") and detail.endswith(":phone"):
        return _("Emergency contact's phone")
    return detail


@register.filter
def widget(bound_field, extra: str = ""):
    """Render a form field's widget with Bootstrap classes, error state and ARIA."""
    w = bound_field.field.widget
    if isinstance(w, CheckboxInput):
        css = "form-check-input"
    elif isinstance(w, RadioSelect):
        css = ""
    elif isinstance(w, Select | SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    attrs = {}
    classes = [c for c in (css, w.attrs.get("class", ""), extra) if c]
    if bound_field.errors:
        classes.append("is-invalid")
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{bound_field.auto_id}_error"
    elif bound_field.help_text:
        attrs["aria-describedby"] = f"{bound_field.auto_id}_help"
    if classes:
        attrs["class"] = " ".join(classes)
    return bound_field.as_widget(attrs=attrs)

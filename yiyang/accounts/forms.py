"""Account forms: input shape only; the rules that need the database are in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiyang.accounts.services import AccountData
from yiyang.core.choices import RegionLevel, Role

_INDENT = {RegionLevel.TOWN: "　", RegionLevel.VILLAGE: "　　"}


class AccountForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               help_text=_("Letters, digits and @ . + - _ ; used to log in."))
    full_name = forms.CharField(label=_("Full name"), max_length=50, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    region = forms.ChoiceField(label=_("Area"), help_text=_("What this person sees: the region and "
                                                          "everything below it."))
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False,
                                          empty_value=None,
                                          help_text=_("Required for provider staff and caregivers."))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            help_text=_("For alarm escalation and text messages; stored encrypted."))
    is_active = forms.BooleanField(label=_("May log in"), required=False, initial=True)

    def __init__(self, *args, regions=(), organisations=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            (r.code, f"{_INDENT.get(r.level, '')}{r.name}（{r.code}）") for r in regions]
        self.fields["organisation"].choices = [("", "—")] + [(o.pk, str(o)) for o in organisations]
        if editing:
            del self.fields["username"]
        else:
            del self.fields["is_active"]
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control")
            field.widget.attrs.setdefault("class", css)

    def to_data(self) -> AccountData:
        data = self.cleaned_data
        return AccountData(full_name=data["full_name"], role=data["role"], region=data["region"],
                           organisation_id=data["organisation"], phone=data["phone"],
                           is_active=data.get("is_active", True))


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"class": "form-control"}))


def apply_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    for field, messages in errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)

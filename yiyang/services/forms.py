"""Forms shared by the pages and the API: they validate input and build the services'
data; the services then check the rules that need the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiyang.elders.choices import CapabilityLevel, EconomicStatus
from yiyang.services import catalogue, services
from yiyang.services.choices import Category, Channel, SchemeBasis, Skill, Unit


def _date_input() -> forms.DateInput:
    """The browser's date picker; its value must be ISO whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
            (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))]


def apply_errors(form: forms.Form, exc: services.InvalidOrder) -> None:
    """Show a service's refusal on the form: by field when the form has it."""
    aliases = getattr(form, "service_fields", {})
    for key, messages in exc.errors.items():
        key = aliases.get(key, key)
        form.add_error(key if key in form.fields else None, messages)


class Form(forms.Form):
    """A form whose widgets carry Bootstrap's classes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect, forms.HiddenInput)):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def aware(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


class OrderForm(Form):
    """A new order: the items (with quantities), the day and time window, the provider."""

    service_fields = {"window_start": "start", "window_end": "end"}

    provider = forms.TypedChoiceField(label=_("Provider"), coerce=int)
    items = forms.TypedMultipleChoiceField(label=_("Services"), coerce=int,
                                           widget=forms.CheckboxSelectMultiple)
    day = forms.DateField(label=_("Day"), widget=_date_input())
    start = forms.TimeField(label=_("Start time"), widget=_time_input())
    end = forms.TimeField(label=_("End time"), widget=_time_input())
    channel = forms.ChoiceField(label=_("Ordered through"), choices=[
        c for c in Channel.choices if c[0] not in (Channel.PLAN, Channel.API)])
    note = forms.CharField(label=_("Note for the provider"), max_length=300, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items=(), providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogue = list(items)
        self.fields["items"].choices = [(item.pk, str(item)) for item in self.catalogue]
        self.fields["provider"].choices = [(p.organisation_id, self._provider_label(p)) for p in providers]
        for item in self.catalogue:
            self.fields[f"qty_{item.pk}"] = forms.DecimalField(
                label=_("Quantity"), min_value=Decimal("0.5"), max_value=24, decimal_places=1,
                initial=1 if item.unit != Unit.HOUR else item.standard_minutes / 60, required=False)

    @staticmethod
    def _provider_label(profile) -> str:
        distance = getattr(profile, "distance_m", None)
        return f"{profile.organisation} ({distance / 1000:.1f} km)" if distance is not None else str(
            profile.organisation)

    def quantity_field(self, item):
        return self[f"qty_{item.pk}"]

    @property
    def item_rows(self) -> list[tuple]:
        """(item, chosen?, quantity, errors) for the services table, keeping what was typed."""
        chosen = {str(v) for v in (self["items"].value() or [])}
        return [(item, str(item.pk) in chosen, self[f"qty_{item.pk}"].value() or 1,
                 self[f"qty_{item.pk}"].errors) for item in self.catalogue]

    def lines(self) -> list[services.Line]:
        data = self.cleaned_data
        return [services.Line(pk, data.get(f"qty_{pk}") or Decimal(1)) for pk in data["items"]]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end of the time window must be after its start."))
        return data

    def to_data(self, elder_id: int) -> services.OrderData:
        data = self.cleaned_data
        return services.OrderData(
            elder_id=elder_id, provider_id=data["provider"], lines=self.lines(), channel=data["channel"],
            window_start=aware(data["day"], data["start"]), window_end=aware(data["day"], data["end"]),
            note=data["note"])


class OrderChangeForm(OrderForm):
    """An order's services, day, window and note changed (provider and channel stay)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["provider"], self.fields["channel"]

    @classmethod
    def initial_for(cls, order) -> dict:
        start, end = timezone.localtime(order.window_start), timezone.localtime(order.window_end)
        initial = {"items": [line.item_id for line in order.lines.all()], "day": start.date(),
                   "start": start.time(), "end": end.time(), "note": order.note}
        return initial | {f"qty_{line.item_id}": line.quantity.quantize(Decimal("0.1"))
                          for line in order.lines.all()}

    def to_change(self) -> services.OrderChange:
        data = self.cleaned_data
        return services.OrderChange(
            lines=self.lines(), window_start=aware(data["day"], data["start"]),
            window_end=aware(data["day"], data["end"]), note=data["note"])


class AssignForm(Form):
    caregiver = forms.TypedChoiceField(label=_("Caregiver"), coerce=int)

    def __init__(self, *args, caregivers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caregiver"].choices = [(c.pk, c.name) for c in caregivers]


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class PlanEndForm(Form):
    last_day = forms.DateField(label=_("Last day of visits"), widget=_date_input())
    reason = forms.CharField(label=_("Reason"), max_length=200)


class PositionForm(Form):
    """The phone's position, filled in by services.js from the browser's geolocation."""

    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    accuracy = forms.FloatField(required=False, min_value=0, widget=forms.HiddenInput)

    def position(self) -> services.Position:
        data = self.cleaned_data
        return services.Position(data.get("lat"), data.get("lng"), data.get("accuracy"))


class CheckOutForm(PositionForm):
    items = forms.TypedMultipleChoiceField(label=_("Services done"), coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label=_("Service notes"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(line.item_id, str(line.item)) for line in lines]


class CodeForm(Form):
    code = forms.RegexField(label=_("Confirmation code"), regex=r"^\d{6}$", max_length=6,
                            error_messages={"invalid": _("The code has 6 digits.")},
                            widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                          "autocomplete": "one-time-code"}))


class SignatureForm(Form):
    signature = forms.CharField(widget=forms.HiddenInput, required=False)


class PhotoForm(Form):
    photo = forms.FileField(label=_("Photo"))


class RatingForm(Form):
    score = forms.TypedChoiceField(label=_("Rating"), coerce=int, widget=forms.RadioSelect,
                                   choices=[(n, "★" * n) for n in range(5, 0, -1)])
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)
    complaint = forms.CharField(label=_("Complaint (opens a case with the bureau)"), max_length=2000,
                                required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("accept", _("Accept: pay the visit")), ("reject", _("Reject: do not pay"))])
    reason = forms.CharField(label=_("Reason"), max_length=200)


class FollowUpForm(Form):
    note = forms.CharField(label=_("What was done"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    close = forms.BooleanField(label=_("Close the case with this as the resolution"), required=False)


class MonthForm(Form):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))


class ItemForm(Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=60)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    standard_minutes = forms.IntegerField(label=_("Standard duration (minutes)"), min_value=5,
                                          max_value=720)
    price = forms.DecimalField(label=_("Price (¥)"), min_value=0, max_digits=8, decimal_places=2)
    skills = forms.MultipleChoiceField(label=_("Skills needed"), choices=Skill.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)

    def to_data(self) -> catalogue.ItemData:
        return catalogue.ItemData(**self.cleaned_data)


class SchemeForm(Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    economic_statuses = forms.MultipleChoiceField(
        label=_("Economic status (any of)"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[c for c in EconomicStatus.choices if c[0] != EconomicStatus.NONE])
    min_capability_level = forms.TypedChoiceField(
        label=_("Capability level at least"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Any"))] + list(CapabilityLevel.choices))
    min_age = forms.IntegerField(label=_("Age at least"), required=False, min_value=60, max_value=120)
    basis = forms.ChoiceField(label=_("Quota in"), choices=SchemeBasis.choices)
    monthly_quota = forms.DecimalField(label=_("Monthly quota"), min_value=Decimal("0.5"),
                                       max_digits=8, decimal_places=2)
    categories = forms.MultipleChoiceField(label=_("Services covered (none ticked: all)"),
                                           choices=Category.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def to_data(self) -> catalogue.SchemeData:
        return catalogue.SchemeData(**self.cleaned_data)


class CaregiverForm(Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.RegexField(label=_("Phone"), regex=r"^1\d{10}$", required=False,
                             error_messages={"invalid": _("A mobile number has 11 digits.")})
    skills = forms.MultipleChoiceField(label=_("Skills"), choices=Skill.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    home_address = forms.CharField(label=_("Home base"), max_length=100, required=False)
    certificate = forms.CharField(label=_("Certificate"), max_length=60, required=False,
                                  initial="养老护理员职业技能等级证书")
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40, required=False)
    certificate_expires = forms.DateField(label=_("Certificate valid until"), required=False,
                                          widget=_date_input())

    def clean(self):
        data = super().clean()
        if data.get("certificate") and not data.get("certificate_expires"):
            self.add_error("certificate_expires", _("Give the date the certificate expires."))
        return data

    def to_data(self) -> catalogue.CaregiverData:
        data = self.cleaned_data
        return catalogue.CaregiverData(name=data["name"], phone=data["phone"], skills=data["skills"],
                                       home_address=data["home_address"])


class CertificateForm(Form):
    name = forms.CharField(label=_("Certificate"), max_length=60)
    number = forms.CharField(label=_("Number"), max_length=40, required=False)
    expires_on = forms.DateField(label=_("Valid until"), widget=_date_input())


class HomeForm(Form):
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    care_notes = forms.CharField(label=_("Needs and risks (shown to the caregiver)"), max_length=300,
                                 required=False)


class PlanForm(Form):
    item = forms.TypedChoiceField(label=_("Service"), coerce=int)
    provider = forms.TypedChoiceField(label=_("Provider"), coerce=int)
    weekdays = forms.TypedMultipleChoiceField(label=_("Every"), coerce=int, choices=WEEKDAYS,
                                              widget=forms.CheckboxSelectMultiple)
    start_time = forms.TimeField(label=_("Start time"), widget=_time_input())
    end_time = forms.TimeField(label=_("End time"), widget=_time_input())
    starts_on = forms.DateField(label=_("First day"), widget=_date_input())
    ends_on = forms.DateField(label=_("Last day"), required=False,
                              widget=_date_input())

    def __init__(self, *args, items=(), providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.pk, str(i)) for i in items]
        self.fields["provider"].choices = [(p.organisation_id, str(p.organisation)) for p in providers]

    def to_data(self, elder_id: int) -> catalogue.PlanData:
        data = self.cleaned_data
        return catalogue.PlanData(elder_id=elder_id, provider_id=data["provider"], item_id=data["item"],
                                  weekdays=data["weekdays"], start_time=data["start_time"],
                                  end_time=data["end_time"], starts_on=data["starts_on"],
                                  ends_on=data["ends_on"])

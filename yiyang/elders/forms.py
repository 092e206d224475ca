"""Validation of registry input, shared by pages and the API."""

from __future__ import annotations

import datetime as dt
import html
import re

from django import forms
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from yiyang.core import crypto
from yiyang.core.choices import RegionLevel
from yiyang.core.models import Region
from yiyang.elders.categories import birth_date_bound
from yiyang.elders.choices import (
    AgeBand,
    CapabilityLevel,
    Category,
    EconomicStatus,
    ElderStatus,
    LivingArrangement,
    Relation,
    Sex,
)
from yiyang.elders.models import Elder
from yiyang.elders.services import ContactData, ElderData
from yiyang.lib import idcard

_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}\d{7,8})$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
# <input type="date"> only takes yyyy-mm-dd; the zh-hans default (1946/03/02) shows empty.
ISO_DATE = "%Y-%m-%d"


def normalize_phone(raw: str) -> str:
    return _PHONE_NOISE.sub("", raw or "").translate(idcard._FULLWIDTH)


def validate_phone(value: str) -> str:
    phone = normalize_phone(value)
    if phone and not _PHONE.match(phone):
        raise forms.ValidationError(
            _("Enter an 11-digit mobile number (e.g. 13812345678) or a landline with area code.")
        )
    return phone


def scope_villages(user):
    prefix = user.scope_prefix or "-"
    return Region.objects.within(prefix).filter(level=RegionLevel.VILLAGE).select_related("parent")


class ElderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=20)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(
        label=_("Birth date"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        help_text=_("Left empty, it is taken from the ID number."),
    )
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, initial="汉族", required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    region = forms.ChoiceField(label=_("Village / community"))
    economic_status = forms.ChoiceField(
        label=_("Economic status"), choices=EconomicStatus.choices, initial=EconomicStatus.NONE
    )
    living_arrangement = forms.ChoiceField(
        label=_("Living arrangement"), choices=LivingArrangement.choices,
        initial=LivingArrangement.WITH_FAMILY,
    )
    is_gugua = forms.BooleanField(label=_("孤寡 (no spouse, no children)"), required=False)
    is_sanlao = forms.BooleanField(label=_("三老"), required=False)
    is_youfu = forms.BooleanField(label=_("优抚对象"), required=False)
    is_jisheng_special = forms.BooleanField(label=_("计生特殊家庭"), required=False)
    is_left_behind = forms.BooleanField(label=_("留守"), required=False)
    capability_level = forms.TypedChoiceField(
        label=_("Capability level"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Not assessed"))] + CapabilityLevel.choices,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, instance: Elder | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.instance = user, instance
        self.fields["region"].choices = self._region_choices()
        self.assessed_on = last_approved_assessment_date(instance)
        if self.assessed_on is not None:
            self._lock_capability_level()

    def _lock_capability_level(self) -> None:
        """Once an assessment is approved, only a new assessment changes the level."""
        field = self.fields["capability_level"]
        field.disabled = True
        field.help_text = _("Set by the approved assessment of %(date)s; a new assessment "
                            "changes it.") % {"date": self.assessed_on.isoformat()}
        self.initial["capability_level"] = self.instance.capability_level

    def _region_choices(self):
        groups: dict[str, list] = {}
        for village in scope_villages(self.user):
            town = village.parent.name if village.parent else ""
            groups.setdefault(town, []).append((village.code, f"{village.name} ({village.code})"))
        return [("", "---------")] + list(groups.items())

    def clean_name(self):
        name = re.sub(r"\s+", "", self.cleaned_data["name"])
        if len(name) < 2:
            raise forms.ValidationError(_("A name has at least two characters."))
        return name

    def clean_id_number(self):
        try:
            number = idcard.parse(self.cleaned_data["id_number"])
        except idcard.InvalidIdNumber as exc:
            raise forms.ValidationError(_("Invalid ID number: %(reason)s") % {"reason": exc}) from exc
        taken = Elder.objects.filter(id_number_hash=crypto.blind_index("id", number.value))
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This ID number is already registered."))
        self.parsed_id = number
        return number.value

    def clean_phone(self):
        return validate_phone(self.cleaned_data.get("phone", ""))

    def clean_region(self):
        code = self.cleaned_data["region"]
        return code  # choices already limit it to villages in scope

    def clean(self):
        cleaned = super().clean()
        self._refuse_level_change()
        number = getattr(self, "parsed_id", None)
        if number is None:
            return cleaned
        self._check_against_id(cleaned, number)
        return cleaned

    def _refuse_level_change(self) -> None:
        """A locked level sent with another value (the API) is an error, not ignored."""
        sent = self.data.get("capability_level") if self.is_bound else None
        if self.assessed_on is None or sent is None:
            return
        current = self.instance.capability_level
        if str(sent) != ("" if current is None else str(current)):
            self.add_error("capability_level", self.fields["capability_level"].help_text)

    def _check_against_id(self, cleaned, number: idcard.IdNumber) -> None:
        birth_date = cleaned.get("birth_date")
        if birth_date is None and "birth_date" not in self.errors:
            cleaned["birth_date"] = birth_date = number.birth_date
        elif birth_date != number.birth_date:
            self.add_error("birth_date", _("Does not match the birth date in the ID number (%(date)s).")
                           % {"date": number.birth_date.isoformat()})
        if cleaned.get("sex") and cleaned["sex"] != number.sex:
            self.add_error("sex", _("Does not match the ID number, which says %(sex)s.")
                           % {"sex": Sex(number.sex).label})
        today = dt.date.today()
        minimum = settings.YIYANG_MIN_ELDER_AGE
        if birth_date and birth_date > birth_date_bound(minimum, today):
            self.add_error("birth_date", _("The registry holds residents aged %(age)s or over.")
                           % {"age": minimum})

    def to_data(self, contacts: list[ContactData] | None) -> ElderData:
        data = dict(self.cleaned_data)
        data["region_id"] = data.pop("region")
        data["ethnicity"] = data.get("ethnicity") or "汉族"
        return ElderData(**data, contacts=contacts)

    @classmethod
    def initial_for(cls, elder: Elder) -> dict:
        initial = {name: getattr(elder, name) for name in cls.base_fields if hasattr(elder, name)}
        initial.update(
            region=elder.region_id, id_number=elder.id_number, phone=elder.phone,
            address=elder.address,
        )
        return initial


def last_approved_assessment_date(elder: Elder | None) -> dt.date | None:
    if elder is None or elder.pk is None:
        return None
    return (elder.assessments.filter(status="approved").order_by("-assessed_on")
            .values_list("assessed_on", flat=True).first())


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Contact name"), max_length=50)
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    phone = forms.CharField(label=_("Contact phone"), max_length=20)

    def clean_phone(self):
        phone = validate_phone(self.cleaned_data["phone"])
        if not phone:
            raise forms.ValidationError(_("This field is required."))
        return phone

    def has_changed(self):
        # The relation select always posts a value, so an untouched blank extra row would
        # count as changed and demand a name and a phone: it is filled in once it has either.
        if not self.initial and not any(self[name].data for name in ("name", "phone")):
            return False
        return super().has_changed()

    def to_data(self) -> ContactData:
        return ContactData(**{name: self.cleaned_data[name] for name in ("name", "relation", "phone")})


ContactFormSet = forms.formset_factory(ContactForm, extra=3, max_num=3, validate_max=True,
                                       can_delete=True, can_delete_extra=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ElderStatus.choices)
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > dt.date.today():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class LinkAccountForm(forms.Form):
    username = forms.CharField(
        label=_("User name of the account"), max_length=150,
        help_text=_("A family member's or volunteer's account (administrators create them "
                    "under Accounts)."),
    )


# "name" is pinyin order: initials (王秀英 -> wxy), then the characters; each matches
# an index per scope level (Elder.Meta.indexes), so a page never sorts a whole town.
SORTS = {
    "name": ("name_initials", "name", "id"),
    "-name": ("-name_initials", "-name", "-id"),
    "birth_date": ("birth_date", "id"),
    "-birth_date": ("-birth_date", "-id"),
    "region": ("region_id", "name_initials", "name", "id"),
    "-last_updated": ("-last_updated", "-id"),
}


class ElderFilterForm(forms.Form):
    """The registry's filters, used by the list page, the API and exports alike."""

    q = forms.CharField(label=_("Search"), required=False, max_length=40)
    region = forms.CharField(label=_("Region"), required=False, max_length=12)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All"))] + Category.choices
    )
    living_arrangement = forms.ChoiceField(
        label=_("Living arrangement"), required=False,
        choices=[("", _("All"))] + LivingArrangement.choices,
    )
    capability_level = forms.ChoiceField(
        label=_("Capability level"), required=False,
        choices=[("", _("All")), ("none", _("Not assessed"))]
        + [(str(v), label) for v, label in CapabilityLevel.choices],
    )
    age_band = forms.ChoiceField(
        label=_("Age"), required=False, choices=[("", _("All"))] + AgeBand.choices
    )
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", _("All"))] + Sex.choices)
    status = forms.ChoiceField(
        label=_("Status"), required=False, initial=ElderStatus.ACTIVE,
        choices=[(ElderStatus.ACTIVE, ElderStatus.ACTIVE.label),
                 (ElderStatus.MOVED, ElderStatus.MOVED.label),
                 (ElderStatus.DECEASED, ElderStatus.DECEASED.label), ("all", _("All"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort"), required=False,
        choices=[("name", _("Name")), ("-name", _("Name, Z–A")),
                 ("birth_date", _("Oldest first")), ("-birth_date", _("Youngest first")),
                 ("region", _("Village")), ("-last_updated", _("Recently changed"))],
    )

    def clean_region(self):
        code = self.cleaned_data.get("region", "").strip()
        if code and not code.isdigit():
            raise forms.ValidationError(_("A region code is made of digits."))
        if len(code) == 12:
            # A full code (as the region pages and /api/v1/regions give it) means the
            # region's whole area: 372025100000 is town 372025100, not one village.
            region = Region.objects.filter(code=code).first()
            code = region.prefix if region is not None else code
        return code


class FastSelect(forms.Select):
    """A Select that writes the same HTML as Django's select.html and select_option.html
    templates, in Python: through the template engine, the list page's seven filter
    selects cost about 5 ms on every request (docs/benchmarks.md)."""

    def _render(self, template_name, context, renderer=None):
        if (template_name, self.option_template_name) != (
            "django/forms/widgets/select.html", "django/forms/widgets/select_option.html"
        ):
            return super()._render(template_name, context, renderer)
        widget = context["widget"]
        parts = [f'<select name="{_escape(widget["name"])}"{_flat_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_escape(group_name)}">')
            for option in group_choices:
                parts.append(f'\n  <option value="{_escape(str(option["value"]))}"'
                            f'{_flat_attrs(option["attrs"])}>{_escape(option["label"])}</option>\n')
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value is escaped


def _escape(value) -> str:
    """The template engine's autoescape (conditional_escape), without its lazy wrapper."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _flat_attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(str(value))}"'
        for name, value in attrs.items() if value is not False
    )


for _field in ElderFilterForm.base_fields.values():
    if type(_field.widget) is forms.Select:
        _fast = FastSelect(attrs=_field.widget.attrs, choices=_field.widget.choices)
        _fast.is_required = _field.widget.is_required
        _field.widget = _fast

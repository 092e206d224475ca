"""Validation shared by the pages and the API."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.alarms.choices import CallResult, DeviceKind, Outcome
from yiyang.alarms.models import Device
from yiyang.alarms.services import DeviceData
from yiyang.core import crypto
from yiyang.elders.forms import validate_phone
from yiyang.elders.models import ID_KIND, Elder
from yiyang.lib import idcard

MAX_IMPORT_ROWS = 20_000


class StyledForm(forms.Form):
    """Bootstrap classes on every widget (no inline styles: CSP)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class CloseForm(StyledForm):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=[("", "—"), *Outcome.choices])
    note = forms.CharField(label=gettext_lazy("Note"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CallForm(StyledForm):
    callee = forms.CharField(label=gettext_lazy("Who was called"), max_length=60)
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=CallResult.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


class DispatchForm(StyledForm):
    contact = forms.TypedChoiceField(label=gettext_lazy("Contact or neighbour"), coerce=int, required=False,
                                     empty_value=None)
    name = forms.CharField(label=gettext_lazy("Or another helper: name"), max_length=50, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "—")] + [
            (c.pk, f"{c.name} ({c.get_relation_display()})") for c in contacts]

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return validate_phone(phone) if phone else ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("contact") is None and not cleaned.get("name"):
            raise forms.ValidationError(_("Choose a contact, or give the helper's name and phone."))
        if cleaned.get("contact") is None and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("The helper's phone is needed to send the link."))
        return cleaned


# --- device import -----------------------------------------------------------------------
COLUMNS = {  # header (Chinese or English) -> field
    "序列号": "serial", "serial": "serial", "类型": "kind", "type": "kind", "厂商": "vendor",
    "vendor": "vendor", "型号": "model", "model": "model", "imei": "imei", "sim": "sim",
    "老人身份证号": "id_number", "elder id number": "id_number", "安装人": "installer",
    "installer": "installer", "安装日期": "installed_on", "installed on": "installed_on",
}
KIND_BY_LABEL = {**{k.value: k.value for k in DeviceKind}}


class DeviceImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.rows: list[DeviceData] = []

    def clean_file(self):
        import openpyxl

        upload = self.cleaned_data["file"]
        try:
            book = openpyxl.load_workbook(upload, read_only=True, data_only=True)
        except Exception:
            raise forms.ValidationError(_("This is not an Excel (.xlsx) file.")) from None
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [COLUMNS.get(str(h or "").strip().lower(), COLUMNS.get(str(h or "").strip())) for h in
                  next(lines, ())]
        missing = {"serial", "kind", "id_number"} - set(header)
        if missing:
            raise forms.ValidationError(_("Missing columns: %(cols)s") % {"cols": ", ".join(sorted(missing))})
        errors = []
        for number, values in enumerate(lines, start=2):
            if not any(values):
                continue
            row = {field: values[i] for i, field in enumerate(header) if field and i < len(values)}
            self._row(number, row, errors)
            if len(self.rows) > MAX_IMPORT_ROWS:
                raise forms.ValidationError(_("At most %(n)s rows per file.") % {"n": MAX_IMPORT_ROWS})
        if errors:
            raise forms.ValidationError(errors[:200])
        if not self.rows:
            raise forms.ValidationError(_("The file has no rows."))
        return upload

    def _row(self, number: int, row: dict, errors: list) -> None:
        def fail(field: str, reason: str) -> None:
            errors.append(_("Row %(row)s, %(field)s: %(reason)s") % {"row": number, "field": field,
                                                                      "reason": reason})

        serial = str(row.get("serial") or "").strip()
        kind = str(row.get("kind") or "").strip()
        if not serial or len(serial) > 40:
            fail("serial", _("required, at most 40 characters"))
        elif serial in self._serials or Device.objects.filter(serial=serial).exists():
            fail("serial", _("already registered"))
        if kind not in KIND_BY_LABEL:
            fail("kind", _("one of %(kinds)s") % {"kinds": ", ".join(DeviceKind.values)})
        elder = self._elder(str(row.get("id_number") or ""), fail)
        installed_on = self._date(row.get("installed_on"), fail)
        if elder is None or kind not in KIND_BY_LABEL or not serial:
            return
        self._serials.add(serial)
        self.rows.append(DeviceData(
            kind=kind, serial=serial, elder=elder, vendor=str(row.get("vendor") or "")[:60],
            model=str(row.get("model") or "")[:60], imei=str(row.get("imei") or "")[:20],
            sim=str(row.get("sim") or "")[:24], installer=str(row.get("installer") or "")[:50],
            installed_on=installed_on))

    @property
    def _serials(self) -> set:
        if not hasattr(self, "_seen"):
            self._seen = set()
        return self._seen

    def _elder(self, raw: str, fail) -> Elder | None:
        try:
            number = idcard.parse(idcard.normalize(raw)).value
        except idcard.InvalidIdNumber:
            fail("id_number", _("not a valid ID number"))
            return None
        elder = Elder.objects.restrict(self.user, "view").select_related("region").filter(
            id_number_hash=crypto.blind_index(ID_KIND, number)).first()
        if elder is None:
            fail("id_number", _("no elder with this ID number in your area"))
        return elder

    @staticmethod
    def _date(value, fail) -> dt.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            fail("installed_on", _("a date like 2026-03-01"))
            return None


# --- escalation ladders ----------------------------------------------------------------------
MAX_STEP_S = 24 * 3600


class LadderForm(StyledForm):
    """A region's ladder; the API validates through this form too."""

    ack_target_s = forms.IntegerField(
        label=gettext_lazy("Operator acknowledges within (s)"), min_value=1, max_value=MAX_STEP_S,
        help_text=gettext_lazy("Then the supervisor and the community worker are notified."))
    neighbours_after_s = forms.IntegerField(
        label=gettext_lazy("Neighbours notified after (s)"), min_value=1, max_value=MAX_STEP_S,
        help_text=gettext_lazy("Seconds after the alarm arrived, if still unacknowledged."))
    family_after_s = forms.IntegerField(
        label=gettext_lazy("Family notified after (s)"), min_value=1, max_value=MAX_STEP_S,
        help_text=gettext_lazy("Seconds after the alarm arrived, if still unacknowledged."))
    supervisor_name = forms.CharField(label=gettext_lazy("Supervisor"), max_length=50, required=False)
    supervisor_phone = forms.CharField(
        label=gettext_lazy("Supervisor's phone"), max_length=20, required=False,
        help_text=gettext_lazy("Leave empty to keep the stored number."))

    def __init__(self, *args, has_phone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_phone = has_phone

    def clean_supervisor_phone(self):
        phone = (self.cleaned_data.get("supervisor_phone") or "").strip()
        return validate_phone(phone) if phone else ""

    def clean(self):
        cleaned = super().clean()
        ack, neighbours, family = (cleaned.get(f) for f in ("ack_target_s", "neighbours_after_s",
                                                             "family_after_s"))
        if ack and neighbours and neighbours < ack:
            self.add_error("neighbours_after_s", _(
                "Neighbours come after the supervisor: at least %(s)s s (the acknowledge target).")
                % {"s": ack})
        if neighbours and family and family < neighbours:
            self.add_error("family_after_s", _(
                "Family comes after the neighbours: at least %(s)s s.") % {"s": neighbours})
        name, phone = (cleaned.get("supervisor_name") or "").strip(), cleaned.get("supervisor_phone")
        cleaned["supervisor_name"] = name
        if phone and not name:
            self.add_error("supervisor_name", _("Give the supervisor's name with the phone number."))
        if name and not phone and not self.has_phone and "supervisor_phone" not in self.errors:
            self.add_error("supervisor_phone", _("The supervisor needs a phone number to be notified."))
        return cleaned


class WorkerPhoneForm(StyledForm):
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20)

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"].strip())


def ladder_data(form: LadderForm):
    from yiyang.alarms.ladders import LadderData

    data = form.cleaned_data
    return LadderData(ack_target_s=data["ack_target_s"], neighbours_after_s=data["neighbours_after_s"],
                      family_after_s=data["family_after_s"], supervisor_name=data["supervisor_name"],
                      supervisor_phone=data["supervisor_phone"] or None)

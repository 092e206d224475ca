"""Upload, decision and export forms, shared by the pages and the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiyang.core import scoping
from yiyang.core.choices import PersonalField
from yiyang.ledgers import conf, xlsx
from yiyang.ledgers.choices import Decision, DuplicatePolicy


def check_upload(upload) -> None:
    """Size first, then the content: a zip holding a workbook, whatever the name."""
    if upload.size > conf.MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            _("The file is %(size)s MB; a ledger may be at most %(max)s MB. Split it into several "
              "files.") % {"size": f"{upload.size / 1048576:.1f}", "max": conf.MAX_UPLOAD_BYTES // 1048576})
    if upload.size == 0:
        raise forms.ValidationError(_("The file is empty."))
    try:
        xlsx.sniff(upload)
    except xlsx.NotAWorkbook as exc:
        raise forms.ValidationError(_(
            "This file is not an Excel workbook (.xlsx), whatever its name says. Save it from Excel "
            "or WPS as “Excel 工作簿 (*.xlsx)” and upload it again.")) from exc


class LedgerUploadForm(forms.Form):
    file = forms.FileField(label=_("Ledger (.xlsx)"), help_text=_(
        "Up to 200,000 rows. The file is checked first; nothing is written before you decide."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload)
        return upload


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("What to write"), choices=Decision.choices,
                                 widget=forms.RadioSelect)
    duplicate_policy = forms.ChoiceField(label=_("Elders already registered"),
                                         choices=DuplicatePolicy.choices, widget=forms.RadioSelect,
                                         initial=DuplicatePolicy.SKIP, required=False)

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(Decision.DISCARD, Decision.DISCARD.label)]
        if batch.may_write_all:
            choices.insert(0, (Decision.WRITE_ALL, Decision.WRITE_ALL.label))
        elif batch.may_write_valid:
            label = _("Write only the %(n)s valid rows") % {"n": f"{batch.rows_valid:,}"}
            choices.insert(0, (Decision.WRITE_VALID, label))
        self.fields["decision"].choices = choices
        self.fields["decision"].initial = choices[0][0]

    def clean_duplicate_policy(self):
        return self.cleaned_data.get("duplicate_policy") or DuplicatePolicy.SKIP


class ExportForm(forms.Form):
    reveal = forms.MultipleChoiceField(
        label=_("Unmasked personal data"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Left empty, ID numbers, phones and addresses are masked. Unmasked fields are "
                    "recorded in the audit log."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reveal"].choices = [(f.value, f.label) for f in PersonalField
                                         if scoping.may_reveal(user, f.value)]

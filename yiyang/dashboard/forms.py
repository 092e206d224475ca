"""Validation shared by the pages and the API."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiyang.dashboard import periods
from yiyang.dashboard.constants import SERIES_MONTHS_MAX, ReportFormat, ReportKind


class PeriodField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        try:
            return periods.parse(value)
        except periods.InvalidPeriod as exc:
            raise forms.ValidationError(str(exc)) from exc


class DashboardQueryForm(forms.Form):
    region = forms.CharField(required=False, max_length=12)
    period = PeriodField(required=False, label=_("Period"))


class PopulationForm(forms.Form):
    region = forms.CharField(label=_("Region"), max_length=12)
    year = forms.IntegerField(label=_("Year"), min_value=1949)
    population = forms.IntegerField(label=_("Resident population"), min_value=1,
                                    max_value=2_000_000_000)
    source = forms.CharField(label=_("Source"), max_length=100, required=False)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year + 1:
            raise forms.ValidationError(_("The year is too far in the future."))
        return year


class ReportForm(forms.Form):
    region = forms.CharField(label=_("Region"), max_length=12, required=False)
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices,
                             initial=ReportKind.MONTHLY)
    period = PeriodField(label=_("Month"), required=False,
                         help_text=_("For the monthly report: the month (YYYY-MM); for the "
                                     "series: the last month."))
    fmt = forms.ChoiceField(label=_("Format"), choices=ReportFormat.choices,
                            initial=ReportFormat.XLSX)
    months = forms.IntegerField(label=_("Months"), min_value=2, max_value=SERIES_MONTHS_MAX,
                                initial=12, required=False)

    def clean_period(self):
        period = self.cleaned_data["period"]
        if not period.is_month:
            raise forms.ValidationError(_("Choose a month (YYYY-MM)."))
        return period

    def clean_months(self):
        return self.cleaned_data.get("months") or 12


def errors_of(form: forms.Form) -> dict[str, list[str]]:
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}

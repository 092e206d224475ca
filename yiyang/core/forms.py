from django import forms
from django.utils.translation import gettext_lazy as _

from yiyang.core.choices import AuditAction


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All"))] + AuditAction.choices
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=40)
    # <input type="date"> only takes yyyy-mm-dd, not the zh-hans default format.
    date_from = forms.DateField(
        label=_("From"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def filter(self, qs):
        data = self.cleaned_data
        if data.get("user"):
            qs = qs.filter(actor_name=data["user"])
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("object_id"):
            qs = qs.filter(object_id=data["object_id"])
        if data.get("date_from"):
            qs = qs.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(at__date__lte=data["date_to"])
        return qs

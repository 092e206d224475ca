"""Validation of assessment input, shared by the pages and the API.

Details go through AssessmentDetailsForm; answers through AnswersForm, whose checks
are the scoring module's own (scales.engine.validate), worded by messages.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from yiyang.assessment import scales
from yiyang.assessment.choices import AssessmentReason
from yiyang.assessment.messages import answer_errors
from yiyang.assessment.scales import engine
from yiyang.assessment.services import AssessmentDetails, InvalidAssessment

ISO_DATE = "%Y-%m-%d"


class AssessmentDetailsForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=AssessmentReason.choices)
    assessed_on = forms.DateField(
        label=_("Assessment date"), widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)
    )
    place = forms.CharField(label=_("Place"), max_length=100,
                            help_text=_("E.g. the elder's home, or the community care station."))
    assessor_1 = forms.CharField(label=_("First assessor"), max_length=50)
    assessor_2 = forms.CharField(label=_("Second assessor"), max_length=50)
    informant = forms.CharField(label=_("Informant"), max_length=60, required=False,
                                help_text=_("Who gave information, and how related to the elder."))
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def clean_place(self):
        return self.cleaned_data["place"].strip()

    def clean_assessor_1(self):
        return self.cleaned_data["assessor_1"].strip()

    def clean_assessor_2(self):
        return self.cleaned_data["assessor_2"].strip()

    def to_details(self) -> AssessmentDetails:
        return AssessmentDetails(**self.cleaned_data)


class StartForm(AssessmentDetailsForm):
    """The details of a new assessment, with the scale it uses."""

    scale = forms.ChoiceField(label=_("Scale"), choices=scales.choices, initial=scales.DEFAULT)

    def to_details(self) -> AssessmentDetails:
        data = dict(self.cleaned_data)
        data.pop("scale")
        return AssessmentDetails(**data)


def item_field(code: str) -> str:
    """The form field of an item: "B.1.1" -> "item_B_1_1" (dots are awkward in HTML ids)."""
    return "item_" + code.replace(".", "_")


def condition_field(code: str) -> str:
    return "cond_" + code


@dataclass
class ItemRow:
    """What the page shows for one item: the item, the field, the chosen points."""

    item: engine.Item
    name: str
    value: int | None
    errors: list


class AnswersForm(forms.Form):
    """Every item of a scale (and its conditions) as radio groups.

    With complete=True (the "submit" button) every item must be answered.
    """

    def __init__(self, *args, scale: engine.Scale, complete: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale, self.complete = scale, complete
        for item in scale.items:
            self.fields[item_field(item.code)] = forms.CharField(required=False, label=item.label)
        for condition in scale.conditions:
            self.fields[condition_field(condition.code)] = forms.CharField(
                required=False, label=condition.name)

    @classmethod
    def initial_for(cls, answers: dict, conditions: dict) -> dict:
        initial = {item_field(code): points for code, points in answers.items()}
        initial.update({condition_field(code): value for code, value in conditions.items()})
        return initial

    def raw_answers(self) -> dict:
        source = self.data if self.is_bound else self.initial
        return {item.code: source.get(item_field(item.code)) or None for item in self.scale.items}

    def raw_conditions(self) -> dict:
        source = self.data if self.is_bound else self.initial
        values = {}
        for condition in self.scale.conditions:
            raw = source.get(condition_field(condition.code))
            if condition.kind == "bool":
                values[condition.code] = str(raw).lower() in ("true", "on", "1")
            elif raw not in (None, ""):
                values[condition.code] = raw
        return values

    def clean(self):
        answers = {code: v for code, v in self.raw_answers().items() if v is not None}
        try:
            self.answers, self.conditions = engine.validate(
                self.scale, answers, self.raw_conditions(), complete=self.complete)
        except engine.AnswerError as exc:
            self.add_service_errors(answer_errors(exc))
        return self.cleaned_data

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            source, _dot, code = key.partition(".")
            name = item_field(code) if source == "answers" else condition_field(code)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    # --- what the page shows ----------------------------------------------------------
    def sections(self):
        answers = self.raw_answers()
        for section in self.scale.sections:
            rows = []
            for item in section.items:
                name = item_field(item.code)
                try:
                    value = int(answers[item.code]) if answers[item.code] is not None else None
                except (TypeError, ValueError):
                    value = None
                rows.append(ItemRow(item, name, value, self.errors.get(name, [])))
            yield section, rows

    def condition_rows(self):
        values = {**{c.code: c.default for c in self.scale.conditions}, **self.raw_conditions()}
        for condition in self.scale.conditions:
            name = condition_field(condition.code)
            yield condition, name, str(values[condition.code]), self.errors.get(name, [])

    def subtotals(self):
        return engine.partial_subtotals(self.scale, self.raw_answers())


def apply_service_errors(exc: InvalidAssessment, details_form, answers_form) -> None:
    """Show a service's refusal next to the fields it names (or above the form)."""
    for key, messages in exc.errors.items():
        if key.startswith(("answers.", "conditions.")):
            answers_form.add_service_errors({key: messages})
            continue
        target = key if key in details_form.fields else None
        for message in messages:
            details_form.add_error(target, message)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("What needs correcting"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ConditionChangeForm(forms.Form):
    date = forms.DateField(label=_("Date of the change"),
                           widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE))
    note = forms.CharField(label=_("What changed"), max_length=200,
                           help_text=_("E.g. back from hospital after a stroke; two falls this month."))

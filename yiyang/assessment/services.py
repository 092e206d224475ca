"""Writes to assessments: one function per operation, one transaction each, scope
re-checked inside it under a lock, audit entry written.

Workflow: start (draft) → answer … → submit → approve, or return (with a reason) →
answer … → submit → … Only approval changes the elder: their capability level (with
the registry's pre-aggregated counts kept exact) and their re-assessment schedule.

Locks are always taken elder first, then assessment (start and approve take both).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiyang.assessment import access, scales, schedule
from yiyang.assessment.choices import AssessmentAction, AssessmentStatus
from yiyang.assessment.messages import answer_errors
from yiyang.assessment.models import Assessment, AssessmentSchedule
from yiyang.assessment.scales import engine
from yiyang.core import audit, scoping
from yiyang.core.choices import AuditAction, PersonalField
from yiyang.elders import stats
from yiyang.elders.models import Elder

__all__ = [
    "AssessmentDetails", "InvalidAssessment", "answer_assessment", "approve_assessment",
    "discard_assessment", "record_report", "report_condition_change", "return_assessment",
    "start_assessment", "submit_assessment",
]


class InvalidAssessment(Exception):
    """Refused input or step, as {field: [messages]}: detail fields by name, answers
    as "answers.<item code>", conditions as "conditions.<code>", the workflow as
    "status"."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass
class AssessmentDetails:
    """Validated details of an assessment (see forms.AssessmentDetailsForm)."""

    reason: str
    assessed_on: dt.date
    place: str
    assessor_1: str
    assessor_2: str
    informant: str = ""
    notes: str = ""


# --- the operations ------------------------------------------------------------------
@transaction.atomic
def start_assessment(
    elder: Elder, details: AssessmentDetails, *, actor, scale: str = scales.DEFAULT,
    answers: dict | None = None, conditions: dict | None = None, submit: bool = False,
) -> Assessment:
    """Open a draft for an elder (at most one in progress per elder)."""
    elder = _locked_elder(elder.pk, actor, AssessmentAction.ASSESS)
    if scale not in scales.SCALES:
        raise InvalidAssessment({"scale": [_("Unknown scale %(code)s.") % {"code": scale}]})
    if not elder.is_active:
        raise InvalidAssessment({"elder": [_("Only an active elder can be assessed.")]})
    if Assessment.objects.filter(elder=elder).open().exists():
        raise InvalidAssessment({"elder": [_("An assessment of this elder is already in progress.")]})
    previous = Assessment.objects.latest_approved_for(elder.pk)
    _check_details(details, previous)
    assessment = Assessment(elder=elder, scale=scale, created_by=actor, previous=previous,
                            **asdict(details))
    assessment.answers, assessment.conditions = _clean(assessment, answers or {}, conditions or {})
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError as exc:  # a concurrent start won the race
        raise InvalidAssessment(
            {"elder": [_("An assessment of this elder is already in progress.")]}) from exc
    audit.record(AuditAction.CREATE, actor=actor, obj=assessment, region_code=elder.region_id,
                 changes=_snapshot(assessment))
    if submit:
        _submit(assessment, actor)
    return assessment


@transaction.atomic
def answer_assessment(
    assessment: Assessment, *, actor, answers: dict | None = None,
    conditions: dict | None = None, details: AssessmentDetails | None = None,
    replace: bool = False, submit: bool = False,
) -> Assessment:
    """Record answers on a draft (or returned) assessment.

    By default the given answers are merged into those already saved (None clears an
    item); replace=True takes them as the whole set, as the one-page form posts it.
    """
    assessment = _locked(assessment.pk, actor, AssessmentAction.ASSESS)
    _require_editable(assessment)
    before = _snapshot(assessment)
    if details is not None:
        _check_details(details, assessment.previous)
        for name, value in asdict(details).items():
            setattr(assessment, name, value)
    if not replace:
        answers = {**assessment.answers, **(answers or {})}
        conditions = {**assessment.conditions, **(conditions or {})}
    answers = {code: value for code, value in (answers or {}).items() if value is not None}
    assessment.answers, assessment.conditions = _clean(assessment, answers, conditions or {})
    assessment.save()
    changes = audit.diff(before, _snapshot(assessment))
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=assessment,
                     region_code=assessment.elder.region_id, changes=changes)
    if submit:
        _submit(assessment, actor)
    return assessment


@transaction.atomic
def submit_assessment(assessment: Assessment, *, actor) -> Assessment:
    """Hand a complete assessment in for approval; refused while any item is unanswered."""
    assessment = _locked(assessment.pk, actor, AssessmentAction.ASSESS)
    _require_editable(assessment)
    return _submit(assessment, actor)


@transaction.atomic
def approve_assessment(assessment: Assessment, *, actor) -> Assessment:
    """Approve a submitted assessment: it now counts, and sets the elder's level."""
    visible = _visible(assessment.pk, actor, AssessmentAction.APPROVE)
    elder = _locked_elder(visible.elder_id, actor, AssessmentAction.APPROVE)
    assessment = _locked(visible.pk, actor, AssessmentAction.APPROVE)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise InvalidAssessment({"status": [_("Only a submitted assessment can be approved.")]})
    if schedule.policy().four_eyes and assessment.submitted_by_id == actor.pk:
        raise InvalidAssessment({"status": [
            _("Someone other than the person who submitted an assessment approves it.")]})
    result = _score(assessment)
    _store(assessment, result)
    assessment.status = AssessmentStatus.APPROVED
    assessment.reviewed_by, assessment.reviewed_at = actor, timezone.now()
    assessment.save()
    audit.record(AuditAction.STATUS, actor=actor, obj=assessment, region_code=elder.region_id,
                 detail="approved", changes={"status": [AssessmentStatus.SUBMITTED, "approved"],
                                             "level": [None, result.level]})
    _set_elder_level(elder, result.registry_level, assessment, actor)
    _schedule_next(elder, assessment)
    return assessment


@transaction.atomic
def return_assessment(assessment: Assessment, *, reason: str, actor) -> Assessment:
    """Send a submitted assessment back to the assessors, saying why."""
    assessment = _locked(assessment.pk, actor, AssessmentAction.APPROVE)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise InvalidAssessment({"status": [_("Only a submitted assessment can be returned.")]})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidAssessment({"reason": [_("Say what needs correcting.")]})
    assessment.status = AssessmentStatus.RETURNED
    assessment.return_reason = reason
    assessment.reviewed_by, assessment.reviewed_at = actor, timezone.now()
    assessment.save()
    audit.record(AuditAction.STATUS, actor=actor, obj=assessment,
                 region_code=assessment.elder.region_id, detail=f"returned: {reason}",
                 changes={"status": [AssessmentStatus.SUBMITTED, AssessmentStatus.RETURNED]})
    return assessment


@transaction.atomic
def discard_assessment(assessment: Assessment, *, actor) -> None:
    """Delete a draft that was never submitted (started by mistake)."""
    assessment = _locked(assessment.pk, actor, AssessmentAction.ASSESS)
    if assessment.status != AssessmentStatus.DRAFT:
        raise InvalidAssessment({"status": [_("Only a draft can be discarded.")]})
    audit.record(AuditAction.STATUS, actor=actor, obj=assessment,
                 region_code=assessment.elder.region_id, detail="discarded",
                 changes=_snapshot(assessment))
    assessment.delete()


@transaction.atomic
def report_condition_change(elder: Elder, *, on: dt.date, note: str, actor) -> AssessmentSchedule:
    """A change of condition (hospital stay, fall, stroke…): re-assessment falls due sooner."""
    elder = _locked_elder(elder.pk, actor, AssessmentAction.REPORT_CONDITION)
    if on > timezone.localdate():
        raise InvalidAssessment({"date": [_("The date cannot be in the future.")]})
    row, _created = AssessmentSchedule.objects.select_for_update().get_or_create(elder=elder)
    before = row.condition_changed_on
    unanswered = before is not None and (row.last_assessed_on is None or before >= row.last_assessed_on)
    # The earliest change not yet followed by an assessment sets the urgency.
    row.condition_changed_on = min(before, on) if unanswered else on
    row.condition_note = note.strip()[:200]
    row.due_on = schedule.due_date(row.last_assessed_on, row.condition_changed_on, schedule.policy())
    row.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=elder, detail=f"condition change: {note}"[:500],
                 changes={"condition_changed_on": [_iso(before), _iso(row.condition_changed_on)]})
    return row


@transaction.atomic
def record_report(assessment: Assessment, *, actor, full: bool = False) -> bool:
    """Audit a printed report (it holds health data). Returns whether it may show the
    full ID number, phone and address: only on request, for a role that may reveal
    them, and that reveal is audited too."""
    assessment = _visible(assessment.pk, actor, AssessmentAction.VIEW)
    region = assessment.elder.region_id
    audit.record(AuditAction.EXPORT, actor=actor, obj=assessment, region_code=region,
                 detail="assessment report (PDF)")
    full = full and all(scoping.may_reveal(actor, f) for f in PersonalField.values)
    if full:
        audit.record(AuditAction.REVEAL, actor=actor, obj=assessment.elder,
                     detail=f"assessment report {assessment.pk}: id_number, phone, address")
    return full


# --- helpers ---------------------------------------------------------------------------
def _visible(pk: int, actor, action: str) -> Assessment:
    try:
        return Assessment.objects.restrict(actor, action).get(pk=pk)
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc


def _locked(pk: int, actor, action: str) -> Assessment:
    """Re-read under a lock, through the actor's scope (404 outside it)."""
    try:
        return (Assessment.objects.restrict(actor, action).select_for_update(of=("self",))
                .select_related("elder").get(pk=pk))
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc


def _locked_elder(pk: int, actor, action: str) -> Elder:
    try:
        return access.elders(actor, action).select_for_update().get(pk=pk)
    except Elder.DoesNotExist as exc:
        raise Http404 from exc


def _require_editable(assessment: Assessment) -> None:
    if not assessment.is_editable:
        raise InvalidAssessment({"status": [
            _("Only a draft or returned assessment can be changed; this one is %(status)s.")
            % {"status": assessment.get_status_display()}]})


def _check_details(details: AssessmentDetails, previous: Assessment | None) -> None:
    errors: dict[str, list[str]] = {}
    if details.assessed_on > timezone.localdate():
        errors["assessed_on"] = [_("The assessment date cannot be in the future.")]
    elif previous is not None and details.assessed_on < previous.assessed_on:
        errors["assessed_on"] = [_("The assessment date cannot be before the last approved "
                                   "assessment (%(date)s).") % {"date": previous.assessed_on}]
    if details.assessor_1.strip() == details.assessor_2.strip():
        errors["assessor_2"] = [_("The standard asks for two different assessors.")]
    if errors:
        raise InvalidAssessment(errors)


def _clean(assessment: Assessment, answers: dict, conditions: dict) -> tuple[dict, dict]:
    try:
        return engine.validate(assessment.scale_def, answers, conditions, complete=False)
    except engine.AnswerError as exc:
        raise InvalidAssessment(answer_errors(exc)) from exc


def _score(assessment: Assessment) -> engine.Result:
    try:
        return engine.score(assessment.scale_def, assessment.answers, assessment.conditions)
    except engine.AnswerError as exc:
        raise InvalidAssessment(answer_errors(exc)) from exc


def _store(assessment: Assessment, result: engine.Result) -> None:
    assessment.answers, assessment.conditions = result.answers, result.conditions
    assessment.section_scores = result.section_scores
    assessment.section_grades = result.section_grades
    assessment.total_score = result.total
    assessment.initial_level = result.initial_level
    assessment.initial_rule = result.initial_rule
    assessment.rules_fired = list(result.rules_fired)
    assessment.level = result.level


def _submit(assessment: Assessment, actor) -> Assessment:
    result = _score(assessment)
    _store(assessment, result)
    before = assessment.status
    assessment.previous = Assessment.objects.latest_approved_for(assessment.elder_id)
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_by, assessment.submitted_at = actor, timezone.now()
    assessment.save()
    audit.record(AuditAction.STATUS, actor=actor, obj=assessment,
                 region_code=assessment.elder.region_id, detail="submitted",
                 changes={"status": [before, AssessmentStatus.SUBMITTED],
                          "total_score": [None, result.total], "level": [None, result.level],
                          "rules_fired": [None, list(result.rules_fired)]})
    return assessment


def _set_elder_level(elder: Elder, level: int, assessment: Assessment, actor) -> None:
    """The registry's capability level, with elders.stats counts moved in step."""
    old = elder.capability_level
    if old == level:
        return
    counted_before = stats.snapshot(elder)
    elder.capability_level = level
    elder.save(update_fields=["capability_level", "last_updated"])
    stats.apply_change(counted_before, stats.snapshot(elder))
    audit.record(AuditAction.UPDATE, actor=actor, obj=elder, detail=f"assessment:{assessment.pk}",
                 changes={"capability_level": [old, level]})


def _schedule_next(elder: Elder, assessment: Assessment) -> None:
    row, _created = AssessmentSchedule.objects.select_for_update().get_or_create(elder=elder)
    row.last_assessment = assessment
    row.last_assessed_on = assessment.assessed_on
    if row.condition_changed_on is not None and row.condition_changed_on <= assessment.assessed_on:
        row.condition_changed_on, row.condition_note = None, ""  # answered by this assessment
    row.due_on = schedule.due_date(row.last_assessed_on, row.condition_changed_on, schedule.policy())
    row.save()


def _snapshot(assessment: Assessment) -> dict:
    return {
        "scale": assessment.scale, "reason": assessment.reason,
        "assessed_on": _iso(assessment.assessed_on), "place": assessment.place,
        "assessor_1": assessment.assessor_1, "assessor_2": assessment.assessor_2,
        "informant": assessment.informant, "notes": assessment.notes,
        "answers": dict(assessment.answers), "conditions": dict(assessment.conditions),
    }


def _iso(day):
    return day.isoformat() if isinstance(day, dt.date) else day

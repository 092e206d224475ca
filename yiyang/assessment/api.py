"""Assessments through the REST API: the same forms, scoring checks, services and scope
as the pages. Refusals are 400 {"detail", "errors": {field: [...]}} with answers keyed
"answers.<item code>"; anything outside the caller's scope is 404."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from yiyang.assessment import access, queries, report, scales, services
from yiyang.assessment.choices import AssessmentAction, AssessmentStatus
from yiyang.assessment.forms import AssessmentDetailsForm, StartForm
from yiyang.assessment.models import Assessment, AssessmentSchedule
from yiyang.assessment.scales import engine
from yiyang.core.api import InvalidInput

router = Router(tags=["assessments"])


# --- schemas ---------------------------------------------------------------------------
class DetailsIn(Schema):
    reason: str
    assessed_on: dt.date | None = None
    place: str
    assessor_1: str
    assessor_2: str
    informant: str = ""
    notes: str = ""


class AssessmentIn(DetailsIn):
    elder: int
    scale: str = scales.DEFAULT
    answers: dict[str, Any] = {}
    conditions: dict[str, Any] = {}
    submit: bool = False


class AnswersIn(Schema):
    answers: dict[str, Any] = {}
    conditions: dict[str, Any] = {}
    details: DetailsIn | None = None
    submit: bool = False


class ReturnIn(Schema):
    reason: str


class ChangeOut(Schema):
    item: str
    name: str
    before: int | None
    after: int | None


class RuleOut(Schema):
    id: str
    text: str


class AssessmentOut(Schema):
    id: int
    elder: int
    elder_name: str
    scale: str
    scale_title: str
    reason: str
    status: str
    assessed_on: dt.date
    place: str
    assessor_1: str
    assessor_2: str
    informant: str
    notes: str
    answers: dict[str, int]
    conditions: dict[str, Any]
    unanswered: list[str]
    section_scores: dict[str, int]
    section_grades: dict[str, int]
    total_score: int | None
    initial_level: int | None
    initial_rule: str
    rules_fired: list[RuleOut]
    level: int | None
    level_name: str
    registry_level: int | None
    previous: int | None
    changes: list[ChangeOut]
    created_by: str | None
    submitted_by: str | None
    submitted_at: dt.datetime | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    return_reason: str


class AssessmentPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AssessmentOut]


class DueOut(Schema):
    elder: int
    elder_name: str
    region: str
    due_on: dt.date
    overdue: bool
    last_assessed_on: dt.date | None
    condition_changed_on: dt.date | None


class ListParams(Schema):
    elder: int | None = None
    status: str = ""
    page: int = 1


# --- helpers ---------------------------------------------------------------------------
def _name(user) -> str | None:
    return str(user) if user is not None else None


def _out(a: Assessment) -> dict:
    scale = a.scale_def
    entry = queries.history_entry(a)
    return {
        "id": a.pk, "elder": a.elder_id, "elder_name": a.elder.name, "scale": a.scale,
        "scale_title": scale.title, "reason": a.reason, "status": a.status,
        "assessed_on": a.assessed_on, "place": a.place, "assessor_1": a.assessor_1,
        "assessor_2": a.assessor_2, "informant": a.informant, "notes": a.notes,
        "answers": a.answers, "conditions": a.conditions,
        "unanswered": [i.code for i in scale.items if i.code not in a.answers],
        "section_scores": a.section_scores, "section_grades": a.section_grades,
        "total_score": a.total_score, "initial_level": a.initial_level,
        "initial_rule": a.initial_rule,
        "rules_fired": [{"id": o.id, "text": o.text} for o in entry.fired],
        "level": a.level, "level_name": a.level_name, "registry_level": a.registry_level,
        "previous": a.previous_id,
        "changes": [{"item": i.code, "name": i.name, "before": old, "after": new}
                    for i, old, new in entry.changes],
        "created_by": _name(a.created_by), "submitted_by": _name(a.submitted_by),
        "submitted_at": a.submitted_at, "reviewed_by": _name(a.reviewed_by),
        "reviewed_at": a.reviewed_at, "return_reason": a.return_reason,
    }


def _details(payload: DetailsIn, form_class=AssessmentDetailsForm, **extra):
    data = {name: getattr(payload, name) for name in DetailsIn.model_fields}
    data["assessed_on"] = data["assessed_on"].isoformat() if data["assessed_on"] else ""
    form = form_class({**data, **extra})
    if not form.is_valid():
        raise InvalidInput({f: [str(m) for m in msgs] for f, msgs in form.errors.items()})
    return form.to_details()


def service_errors(view):
    """A service's refusal as the API's 400 answer."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except services.InvalidAssessment as exc:
            raise InvalidInput(exc.errors) from exc

    return wrapper


def _get(request, assessment_id: int, action: str = AssessmentAction.VIEW) -> Assessment:
    qs = Assessment.objects.restrict(request.auth, action).select_related(
        "elder", "previous", "created_by", "submitted_by", "reviewed_by")
    return get_object_or_404(qs, pk=assessment_id)


# --- endpoints ---------------------------------------------------------------------------
@router.get("/scales")
def list_scales(request):
    """The scales with their items, options (points and Chinese text) and conditions."""
    access.require(request.auth, AssessmentAction.VIEW)
    return [_scale_out(scale) for scale in scales.SCALES.values()]


def _scale_out(scale: engine.Scale) -> dict:
    return {
        "code": scale.code, "standard": scale.standard, "name": scale.name,
        "max_total": scale.max_total if scale.show_total else None,
        "levels": [{"value": lv.value, "name": lv.name, "registry_level": lv.registry_level}
                   for lv in scale.levels],
        "sections": [{"code": s.code, "name": s.name, "max": s.max_points, "items": [
            {"code": i.code, "name": i.name, "hint": i.hint,
             "options": [{"points": o.points, "label": o.label} for o in i.options]}
            for i in s.items]} for s in scale.sections],
        "conditions": [{"code": c.code, "name": c.name, "default": c.default,
                        "choices": [{"value": v, "label": label} for v, label in c.choices]}
                       for c in scale.conditions],
    }


@router.get("", response=AssessmentPage)
def list_assessments(request, params: Query[ListParams]):
    qs = Assessment.objects.restrict(request.auth).select_related(
        "elder", "previous", "created_by", "submitted_by", "reviewed_by")
    if params.elder:
        qs = qs.filter(elder_id=params.elder)
    if params.status:
        if params.status not in AssessmentStatus.values:
            raise InvalidInput({"status": [f"One of: {', '.join(AssessmentStatus.values)}."]})
        qs = qs.filter(status=params.status)
    page = Paginator(qs, 50).get_page(params.page)
    return {"count": page.paginator.count, "page": page.number, "page_size": 50,
            "results": [_out(a) for a in page]}


@router.get("/due", response=list[DueOut])
def due_assessments(request, overdue_only: bool = False):
    """Re-assessments overdue or falling due soon, in the caller's scope (first 500)."""
    today = timezone.localdate()
    rows = queries.due_schedules(request.auth, today)
    rows = rows.overdue(today) if overdue_only else rows
    return [_due_out(row, today) for row in rows[:500]]


def _due_out(row: AssessmentSchedule, today: dt.date) -> dict:
    return {"elder": row.elder_id, "elder_name": row.elder.name, "region": row.elder.region_id,
            "due_on": row.due_on, "overdue": row.due_on < today,
            "last_assessed_on": row.last_assessed_on, "condition_changed_on": row.condition_changed_on}


@router.post("", response={201: AssessmentOut})
@service_errors
def create_assessment(request, payload: AssessmentIn):
    """Start an assessment (optionally with answers, and submitted at once)."""
    user = request.auth
    access.require(user, AssessmentAction.ASSESS)
    elder = get_object_or_404(access.elders(user, AssessmentAction.ASSESS), pk=payload.elder)
    details = _details(payload, StartForm, scale=payload.scale)
    assessment = services.start_assessment(
        elder, details, scale=payload.scale, answers=payload.answers,
        conditions=payload.conditions, submit=payload.submit, actor=user)
    return Status(201, _out(_get(request, assessment.pk)))


@router.get("/{int:assessment_id}", response=AssessmentOut)
def get_assessment(request, assessment_id: int):
    return _out(_get(request, assessment_id))


@router.post("/{int:assessment_id}/answers", response=AssessmentOut)
@service_errors
def answer(request, assessment_id: int, payload: AnswersIn):
    """Record answers (merged into those saved; null clears one), maybe details too."""
    assessment = _get(request, assessment_id, AssessmentAction.ASSESS)
    details = _details(payload.details) if payload.details else None
    services.answer_assessment(assessment, answers=payload.answers, conditions=payload.conditions,
                               details=details, submit=payload.submit, actor=request.auth)
    return _out(_get(request, assessment_id))


@router.post("/{int:assessment_id}/submit", response=AssessmentOut)
@service_errors
def submit(request, assessment_id: int):
    services.submit_assessment(_get(request, assessment_id, AssessmentAction.ASSESS),
                               actor=request.auth)
    return _out(_get(request, assessment_id))


@router.post("/{int:assessment_id}/approve", response=AssessmentOut)
@service_errors
def approve(request, assessment_id: int):
    """Approve: the elder's capability level becomes this assessment's level."""
    services.approve_assessment(_get(request, assessment_id, AssessmentAction.APPROVE),
                                actor=request.auth)
    return _out(_get(request, assessment_id))


@router.post("/{int:assessment_id}/return", response=AssessmentOut)
@service_errors
def return_(request, assessment_id: int, payload: ReturnIn):
    services.return_assessment(_get(request, assessment_id, AssessmentAction.APPROVE),
                               reason=payload.reason, actor=request.auth)
    return _out(_get(request, assessment_id))


@router.get("/{int:assessment_id}/report.pdf")
def report_pdf(request, assessment_id: int, full: bool = False):
    """The printable report (PDF); the download is audited."""
    assessment = _get(request, assessment_id)
    shown_full = services.record_report(assessment, actor=request.auth, full=full)
    return HttpResponse(report.render(assessment, full=shown_full), content_type="application/pdf")

"""Assessment pages. Thin: parse, scope, call one service or query, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.assessment import access, queries, report, scales, services
from yiyang.assessment.choices import AssessmentAction, AssessmentStatus
from yiyang.assessment.forms import (
    AnswersForm,
    AssessmentDetailsForm,
    ConditionChangeForm,
    ReturnForm,
    StartForm,
    apply_service_errors,
)
from yiyang.assessment.models import Assessment
from yiyang.core import scoping
from yiyang.core.choices import PersonalField


def _assessment(request, pk: int, action: str = AssessmentAction.VIEW) -> Assessment:
    qs = Assessment.objects.restrict(request.user, action).select_related("elder", "elder__region")
    return get_object_or_404(qs, pk=pk)


@login_required
def worklist(request):
    access.require(request.user, AssessmentAction.VIEW)
    data = queries.worklist(request.user)
    term = request.GET.get("q", "")
    return render(request, "assessment/worklist.html", {
        **data,
        "due_page": Paginator(data["due"], 50).get_page(request.GET.get("page")),
        "q": term,
        "found": queries.elders_to_assess(request.user, term),
        "can_assess": access.can(request.user, AssessmentAction.ASSESS),
        "can_approve": access.can(request.user, AssessmentAction.APPROVE),
    })


def _form_page(request, elder, assessment: Assessment | None, scale):
    """The one-page form, for a new assessment or a draft/returned one."""
    submit = request.POST.get("action") == "submit"
    data = request.POST or None
    if assessment is None:
        details = StartForm(data, initial={"scale": scale.code, "assessed_on": timezone.localdate(),
                                           "reason": queries.suggested_reason(elder)})
        answers = AnswersForm(data, scale=scale, complete=submit)
    else:
        details = AssessmentDetailsForm(data, initial=_details_initial(assessment))
        answers = AnswersForm(data, scale=scale, complete=submit,
                              initial=AnswersForm.initial_for(assessment.answers, assessment.conditions))
    if request.method == "POST" and details.is_valid() and answers.is_valid():
        try:
            assessment = _save(request, elder, assessment, scale, details, answers, submit)
        except services.InvalidAssessment as exc:
            apply_service_errors(exc, details, answers)
        else:
            if submit:
                messages.success(request, _("The assessment was submitted for approval."))
                return redirect("assessment:detail", pk=assessment.pk)
            messages.success(request, _("The draft was saved."))
            return redirect("assessment:edit", pk=assessment.pk)
    return render(request, "assessment/assessment_form.html", {
        "elder": elder, "assessment": assessment, "scale": scale, "details": details,
        "answers": answers, "scales": scales.SCALES.values(),
        "preview": queries.preview(scale, answers.raw_answers(), answers.raw_conditions()),
    })


def _save(request, elder, assessment, scale, details, answers, submit: bool) -> Assessment:
    if assessment is None:
        return services.start_assessment(
            elder, details.to_details(), scale=scale.code, answers=answers.answers,
            conditions=answers.conditions, submit=submit, actor=request.user)
    return services.answer_assessment(
        assessment, details=details.to_details(), answers=answers.answers,
        conditions=answers.conditions, replace=True, submit=submit, actor=request.user)


def _details_initial(assessment: Assessment) -> dict:
    return {name: getattr(assessment, name) for name in AssessmentDetailsForm.base_fields}


@login_required
def assessment_new(request, elder_pk: int):
    elder = get_object_or_404(access.elders(request.user, AssessmentAction.ASSESS), pk=elder_pk)
    open_one = Assessment.objects.filter(elder=elder).open().first()
    if open_one is not None:
        messages.info(request, _("An assessment of this elder is already in progress."))
        return redirect("assessment:detail", pk=open_one.pk)
    code = request.POST.get("scale") or request.GET.get("scale") or scales.DEFAULT
    if code not in scales.SCALES:
        raise Http404
    return _form_page(request, elder, None, scales.get(code))


@login_required
def assessment_edit(request, pk: int):
    assessment = _assessment(request, pk, AssessmentAction.ASSESS)
    if not assessment.is_editable:
        return redirect("assessment:detail", pk=pk)
    return _form_page(request, assessment.elder, assessment, assessment.scale_def)


@login_required
def assessment_detail(request, pk: int):
    assessment = _assessment(request, pk)
    user = request.user
    return render(request, "assessment/assessment_detail.html", {
        "assessment": assessment,
        "scale": assessment.scale_def,
        "blocks": queries.assessment_blocks(assessment),
        "entry": queries.history_entry(assessment),
        "panel": queries.elder_panel(user, assessment.elder),
        "can_edit": assessment.is_editable and access.can(user, AssessmentAction.ASSESS),
        "can_review": assessment.status == AssessmentStatus.SUBMITTED
        and Assessment.objects.restrict(user, AssessmentAction.APPROVE).filter(pk=pk).exists(),
        "return_form": ReturnForm(),
        "may_reveal_id": scoping.may_reveal(user, PersonalField.ID_NUMBER),
    })


@login_required
@require_POST
def assessment_approve(request, pk: int):
    assessment = _assessment(request, pk, AssessmentAction.APPROVE)
    try:
        services.approve_assessment(assessment, actor=request.user)
    except services.InvalidAssessment as exc:
        for message in exc.errors.values():
            messages.error(request, " ".join(message))
    else:
        messages.success(request, _("The assessment was approved; the elder's capability level "
                                    "is now %(level)s.") % {"level": assessment.level_name})
    return redirect("assessment:detail", pk=pk)


@login_required
def assessment_return(request, pk: int):
    assessment = _assessment(request, pk, AssessmentAction.APPROVE)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.return_assessment(assessment, reason=form.cleaned_data["reason"],
                                       actor=request.user)
        except services.InvalidAssessment as exc:
            for key, message in exc.errors.items():
                form.add_error("reason" if key == "reason" else None, message)
        else:
            messages.success(request, _("The assessment was returned to the assessors."))
            return redirect("assessment:detail", pk=pk)
    return render(request, "assessment/assessment_return.html", {"assessment": assessment,
                                                                 "form": form})


@login_required
@require_POST
def assessment_discard(request, pk: int):
    assessment = _assessment(request, pk, AssessmentAction.ASSESS)
    elder_pk = assessment.elder_id
    try:
        services.discard_assessment(assessment, actor=request.user)
    except services.InvalidAssessment as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
        return redirect("assessment:detail", pk=pk)
    messages.success(request, _("The draft was discarded."))
    return redirect("elders:detail", pk=elder_pk)


@login_required
def assessment_report(request, pk: int):
    """The printable report (PDF, A4, Chinese); personal data masked unless ?full=1 by
    a role that may reveal ID numbers (that reveal is audited)."""
    assessment = _assessment(request, pk)
    full = services.record_report(assessment, actor=request.user, full=request.GET.get("full") == "1")
    pdf = report.render(assessment, full=full)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="assessment-{assessment.pk}.pdf"'
    return response


@login_required
def condition_change(request, elder_pk: int):
    elder = get_object_or_404(access.elders(request.user, AssessmentAction.REPORT_CONDITION),
                              pk=elder_pk)
    form = ConditionChangeForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.report_condition_change(elder, on=form.cleaned_data["date"],
                                             note=form.cleaned_data["note"], actor=request.user)
        except services.InvalidAssessment as exc:
            for key, message in exc.errors.items():
                form.add_error(key if key in form.fields else None, message)
        else:
            messages.success(request, _("The change of condition was recorded; a re-assessment "
                                        "is now due sooner."))
            return redirect("elders:detail", pk=elder.pk)
    return render(request, "assessment/condition_change.html", {"elder": elder, "form": form})


@login_required
@require_POST
def preview(request, scale_code: str):
    """The live result box (htmx): sub-totals, and the level once every item is answered."""
    access.require(request.user, AssessmentAction.ASSESS)
    if scale_code not in scales.SCALES:
        raise Http404
    scale = scales.get(scale_code)
    form = AnswersForm(request.POST, scale=scale)
    result = queries.preview(scale, form.raw_answers(), form.raw_conditions())
    return render(request, "assessment/_result.html", {"scale": scale, "preview": result})


@login_required
def assessment_stats(request):
    user = request.user
    if not (scoping.is_region_scoped(user) and access.can(user, AssessmentAction.VIEW)):
        raise Http404
    regions = scoping.visible_regions(user)
    region = get_object_or_404(regions, code=request.GET.get("region") or user.scope_region_id)
    children = list(regions.children_of(region))
    return render(request, "assessment/assessment_stats.html", {
        "region": region, "children": children,
        "stats": queries.region_stats(region, children),
        "level_names": [scales.get(scales.DEFAULT).level(n).name for n in range(5)],
    })

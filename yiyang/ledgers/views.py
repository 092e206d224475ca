"""Ledger pages. Thin: parse, scope, call one service or query, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.core import scoping
from yiyang.core.choices import Action
from yiyang.elders import lookup
from yiyang.ledgers import conf, exports, queries, services, workbooks
from yiyang.ledgers.choices import BatchStatus
from yiyang.ledgers.forms import DecisionForm, ExportForm, LedgerUploadForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_any(user) -> None:
    if not (scoping.can(user, Action.IMPORT) or scoping.can(user, Action.EXPORT)):
        raise Http404


@login_required
def index(request, form=None):
    _require_any(request.user)
    can_import = scoping.can(request.user, Action.IMPORT)
    return render(request, "ledgers/index.html", {
        "form": form or (LedgerUploadForm() if can_import else None),
        "can_import": can_import,
        "can_export": scoping.can(request.user, Action.EXPORT),
        "batches": queries.recent_batches(request.user) if can_import else [],
        "exports": queries.recent_exports(request.user),
    })


@login_required
def template(request):
    scoping.require(request.user, Action.IMPORT)
    response = HttpResponse(workbooks.import_template(request.user), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "老年人台账模板.xlsx")
    return response


@login_required
@require_POST
def upload(request):
    scoping.require(request.user, Action.IMPORT)
    form = LedgerUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return index(request, form=form)
    batch = services.start_import(form.cleaned_data["file"], actor=request.user, language=get_language())
    return redirect("ledgers:batch", pk=batch.pk)


@login_required
def batch_detail(request, pk: int):
    scoping.require(request.user, Action.IMPORT)
    batch = queries.batch_for(request.user, pk)
    job = batch.active_job
    return render(request, "ledgers/batch.html", {
        "batch": batch, "job": job, "state": queries.progress_of(job),
        "problems": queries.problems_page(batch, request.GET.get("page")),
        "decision_form": DecisionForm(batch=batch) if batch.status == BatchStatus.CHECKED else None,
        "undecided_days": conf.UNDECIDED_DAYS,
    })


@login_required
@require_POST
def decide(request, pk: int):
    scoping.require(request.user, Action.IMPORT)
    batch = queries.batch_for(request.user, pk)
    form = DecisionForm(request.POST, batch=batch)
    if form.is_valid():
        try:
            services.decide(batch, form.cleaned_data["decision"],
                            policy=form.cleaned_data["duplicate_policy"], actor=request.user)
        except services.DecisionRefused as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Choose what to write."))
    return redirect("ledgers:batch", pk=batch.pk)


@login_required
@require_POST
def write_again(request, pk: int):
    scoping.require(request.user, Action.IMPORT)
    batch = queries.batch_for(request.user, pk)
    try:
        services.write_again(batch, actor=request.user)
    except services.DecisionRefused as exc:
        messages.error(request, str(exc))
    return redirect("ledgers:batch", pk=batch.pk)


@login_required
def export(request):
    """GET: what will be exported (the registry list's filters); POST: start it."""
    scoping.require(request.user, Action.EXPORT)
    filter_form, filters, found = lookup.registry_filters(request)
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        job = services.start_export(actor=request.user, filters=filters,
                                    reveal=form.cleaned_data["reveal"], language=get_language())
        return redirect("ledgers:export_job", job_id=job.pk)
    return render(request, "ledgers/export.html", {
        "form": form, "filters": filter_form, "count": exports.count(request.user, filters),
        "shown_filters": _shown_filters(filter_form, found), "query": request.GET.urlencode(),
    })


def _shown_filters(form, found) -> list[tuple[str, str]]:
    if not form.is_valid():
        return []
    shown = [(form.fields["q"].label, found.masked)] if found and not found.expired else []
    for name, value in form.cleaned_data.items():
        if value in ("", None) or name == "sort":
            continue
        field = form.fields[name]
        label = dict(field.choices).get(value, value) if hasattr(field, "choices") else value
        shown.append((field.label, label))
    return shown


@login_required
def export_detail(request, job_id):
    scoping.require(request.user, Action.EXPORT)
    job = queries.export_job(request.user, job_id)
    return render(request, "ledgers/export_job.html", {"job": job, "state": queries.progress_of(job)})

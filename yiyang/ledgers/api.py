"""REST API of ledgers (mounted at /api/v1/ledgers by yiyang.api): the same forms,
services and jobs as the pages. Job progress and files: /api/v1/jobs/{id}."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from yiyang.core import scoping
from yiyang.core.api import InvalidInput
from yiyang.core.choices import Action
from yiyang.elders.api import RegistryFilters
from yiyang.elders.forms import ElderFilterForm
from yiyang.jobs.services import live_state
from yiyang.ledgers import queries, services
from yiyang.ledgers.choices import DuplicatePolicy
from yiyang.ledgers.forms import DecisionForm, check_upload
from yiyang.ledgers.models import ImportBatch

router = Router(tags=["ledgers"])


class ProblemOut(Schema):
    row: int
    column: str
    value: str
    reason: str


class BatchOut(Schema):
    id: int
    file_name: str
    status: str
    status_label: str
    rows_total: int
    rows_valid: int
    rows_faulty: int
    problems_count: int
    registered_count: int
    decision: str
    duplicate_policy: str
    created_count: int
    updated_count: int
    skipped_count: int
    validate_job: str | None
    write_job: str | None
    job: dict | None
    errors_workbook: str | None


def _batch_out(batch: ImportBatch) -> dict:
    job = batch.active_job
    validate = batch.validate_job
    return {
        **{f: getattr(batch, f) for f in ("id", "file_name", "status", "rows_total", "rows_valid",
                                          "rows_faulty", "problems_count", "registered_count",
                                          "decision", "duplicate_policy", "created_count",
                                          "updated_count", "skipped_count")},
        "status_label": str(batch.get_status_display()),
        "validate_job": str(batch.validate_job_id) if batch.validate_job_id else None,
        "write_job": str(batch.write_job_id) if batch.write_job_id else None,
        "job": live_state(job) if job else None,
        "errors_workbook": (f"/api/v1/jobs/{validate.pk}/download"
                            if validate is not None and validate.output_file else None),
    }


@router.post("/imports", response={202: BatchOut})
def upload(request, file: File[UploadedFile]):
    """Upload a ledger (.xlsx, multipart field "file"): it is checked in the background."""
    scoping.require(request.user, Action.IMPORT)
    try:
        check_upload(file)
    except forms.ValidationError as exc:
        raise InvalidInput({"file": exc.messages}) from exc
    batch = services.start_import(file, actor=request.user, language=get_language())
    return Status(202, _batch_out(queries.batch_for(request.user, batch.pk)))


@router.get("/imports", response=list[BatchOut])
def list_imports(request):
    scoping.require(request.user, Action.IMPORT)
    return [_batch_out(b) for b in queries.recent_batches(request.user, 50)]


@router.get("/imports/{batch_id}", response=BatchOut)
def get_import(request, batch_id: int):
    """Status, counts and the running job's progress of one of your imports."""
    scoping.require(request.user, Action.IMPORT)
    return _batch_out(queries.batch_for(request.user, batch_id))


class ProblemPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ProblemOut]


@router.get("/imports/{batch_id}/problems", response=ProblemPage)
def problems(request, batch_id: int, page: int = 1):
    scoping.require(request.user, Action.IMPORT)
    batch = queries.batch_for(request.user, batch_id)
    found = queries.problems_page(batch, page)
    return {"count": found.paginator.count, "page": found.number, "pages": found.paginator.num_pages,
            "results": list(found)}


class DecisionIn(Schema):
    decision: str
    duplicate_policy: str = DuplicatePolicy.SKIP


@router.post("/imports/{batch_id}/decision", response=BatchOut)
def decide(request, batch_id: int, payload: DecisionIn):
    """discard, write_all (only without problems) or write_valid; skip or update."""
    scoping.require(request.user, Action.IMPORT)
    batch = queries.batch_for(request.user, batch_id)
    form = DecisionForm(payload.dict(), batch=batch)
    if not form.is_valid():
        raise InvalidInput({k: list(v) for k, v in form.errors.items()})
    try:
        services.decide(batch, form.cleaned_data["decision"],
                        policy=form.cleaned_data["duplicate_policy"], actor=request.user)
    except services.DecisionRefused as exc:
        raise InvalidInput({"decision": [str(exc)]}) from exc
    return _batch_out(queries.batch_for(request.user, batch_id))


@router.post("/imports/{batch_id}/write-again", response=BatchOut)
def write_again(request, batch_id: int):
    scoping.require(request.user, Action.IMPORT)
    batch = queries.batch_for(request.user, batch_id)
    try:
        services.write_again(batch, actor=request.user)
    except services.DecisionRefused as exc:
        raise InvalidInput({"batch": [str(exc)]}) from exc
    return _batch_out(queries.batch_for(request.user, batch_id))




class ExportIn(Schema):
    reveal: list[str] = []


class JobOut(Schema):
    job: str
    status_url: str
    download_url: str


@router.post("/exports", response={202: JobOut})
def export(request, payload: ExportIn, filters: Query[RegistryFilters]):
    """Export the registry list (the same filters as GET /api/v1/elders) as .xlsx in the
    background; poll status_url, then GET download_url."""
    scoping.require(request.user, Action.EXPORT)
    form = ElderFilterForm({k: v for k, v in filters.dict().items() if v})
    if not form.is_valid():
        raise InvalidInput({k: list(v) for k, v in form.errors.items()})
    job = services.start_export(actor=request.user, filters=form.cleaned_data, reveal=payload.reveal,
                                language=get_language())
    return Status(202, {"job": str(job.pk), "status_url": f"/api/v1/jobs/{job.pk}",
                        "download_url": f"/api/v1/jobs/{job.pk}/download"})

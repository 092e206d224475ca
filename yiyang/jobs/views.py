from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.http import require_GET

from yiyang.core import audit
from yiyang.core.choices import AuditAction
from yiyang.jobs.queries import job_for
from yiyang.jobs.services import live_state


@login_required
@require_GET
def status(request, job_id):
    """Polled by jobs/progress.js (and useful to scripts): the job's live state."""
    return JsonResponse(live_state(job_for(request.user, job_id)))


@login_required
@require_GET
def download(request, job_id):
    job = job_for(request.user, job_id)
    return file_response(request.user, job)


def file_response(user, job) -> FileResponse:
    if not job.output_file:
        raise Http404
    audit.record(AuditAction.EXPORT, actor=user, obj=job, detail=f"download {job.output_name}")
    return FileResponse(job.output_file.open("rb"), as_attachment=True,
                        filename=job.output_name or job.output_file.name.rsplit("/", 1)[-1])

"""Background jobs through the API: status and the file a job produced."""

from uuid import UUID

from ninja import Router

from yiyang.jobs.queries import job_for
from yiyang.jobs.services import live_state
from yiyang.jobs.views import file_response

router = Router(tags=["jobs"])


@router.get("/{job_id}")
def job_status(request, job_id: UUID):
    """Status, stage, progress counts and result of one of the caller's jobs."""
    return live_state(job_for(request.user, job_id))


@router.get("/{job_id}/download")
def job_download(request, job_id: UUID):
    """The file the job produced (audited)."""
    return file_response(request.user, job_for(request.user, job_id))

from django.shortcuts import get_object_or_404

from yiyang.jobs.models import Job


def job_for(user, job_id) -> Job:
    """A job its owner asks about; anyone else gets 404."""
    return get_object_or_404(Job, pk=job_id, owner=user) if user.is_authenticated else None

"""Reads for the ledger pages and API."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404

from yiyang.jobs.models import Job
from yiyang.jobs.services import live_state
from yiyang.ledgers import conf
from yiyang.ledgers.choices import LedgerJob
from yiyang.ledgers.models import ImportBatch


def batch_for(user, pk: int) -> ImportBatch:
    """One of the user's imports (anyone else's is 404)."""
    return get_object_or_404(ImportBatch.objects.restrict(user), pk=pk)


def recent_batches(user, limit: int = 20) -> list[ImportBatch]:
    return list(ImportBatch.objects.restrict(user)[:limit])


def recent_exports(user, limit: int = 10):
    return Job.objects.filter(owner=user, kind=LedgerJob.EXPORT).order_by("-created")[:limit]


def export_job(user, job_id) -> Job:
    return get_object_or_404(Job, pk=job_id, owner=user, kind=LedgerJob.EXPORT)


def problems_page(batch: ImportBatch, number, size: int = conf.PROBLEMS_PAGE_SIZE):
    """A page of problems in row order: an index range read on (batch, row, id)."""
    return Paginator(batch.problems.all().order_by("row", "id"), size).get_page(number)


def progress_of(job: Job | None) -> dict | None:
    return live_state(job) if job is not None else None

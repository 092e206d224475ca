"""Starting background jobs, reporting their progress and finishing them.

An app registers a handler (yiyang.jobs.registry.handler) and starts a job with
submit(); the handler receives a JobContext, reports progress with ctx.report()
and may save a file with ctx.save_output(). Progress goes through the cache
(shared by the web server and the worker; a long write transaction could not
publish it through the database) and is stored on the row when the job ends.

Jobs are enqueued on commit: inside a test's transaction use
django_capture_on_commit_callbacks(execute=True), or call run() directly.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.core.cache import cache
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from yiyang.jobs.models import Job, JobStatus
from yiyang.jobs.registry import HANDLERS

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 120  # a running job silent for this long is taken as interrupted
REPORT_EVERY_SECONDS = 0.5


class JobError(Exception):
    """An expected failure: its message is shown to the user as it is."""


def submit(kind: str, owner, *, params: dict | None = None, input_file=None,
           input_name: str = "", total: int | None = None) -> Job:
    if kind not in HANDLERS:
        raise ValueError(f"no job handler registered for {kind!r}")
    job = Job.objects.create(kind=kind, owner=owner, params=params or {}, total=total)
    if input_file is not None:
        job.input_file.save(input_name or getattr(input_file, "name", "input"), File(input_file),
                            save=True)
    enqueue(job)
    return job


def enqueue(job: Job) -> None:
    from yiyang.jobs.tasks import run_job

    transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))


def run_again(job: Job) -> Job:
    """A failed job as a new one with the same kind, owner, parameters and input."""
    copy = Job.objects.create(kind=job.kind, owner=job.owner, params=job.params, total=job.total,
                              input_file=job.input_file.name)
    enqueue(copy)
    return copy


@dataclass
class JobContext:
    job: Job
    _last_report: float = 0.0
    counts: dict = field(default_factory=dict)

    @property
    def params(self) -> dict:
        return self.job.params

    def input_path(self) -> Path:
        return Path(self.job.input_file.path)

    def report(self, *, stage: str | None = None, total: int | None = None, force: bool = False,
               **counts: int) -> None:
        """Publish progress (throttled): stage name, total units and named counts.
        A stage, and the first step of a count, are published at once: the bar moves
        as soon as work does."""
        if stage is not None:
            self.job.stage = stage
        if total is not None:
            self.job.total = total
        first_step = any(value and not self.counts.get(name) for name, value in counts.items())
        self.counts.update(counts)
        now = time.monotonic()
        if force or stage is not None or first_step or now - self._last_report >= REPORT_EVERY_SECONDS:
            self._last_report = now
            cache.set(_cache_key(self.job.pk), {
                "stage": self.job.stage, "total": self.job.total, "progress": dict(self.counts),
                "heartbeat": time.time()}, timeout=24 * 3600)

    def save_output(self, name: str, content: bytes | Path) -> None:
        data = content.read_bytes() if isinstance(content, Path) else content
        self.job.output_name = name
        self.job.output_file.save(name, ContentFile(data), save=False)


def run(job_id) -> Job | None:
    """Run one queued job to its end (the task body). A job not queued any more
    (run twice by a re-delivered task) is left alone."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started=timezone.now())
    if not claimed:
        return None
    job = Job.objects.get(pk=job_id)
    context = JobContext(job)
    context.report(stage=job.stage or "started", force=True)
    try:
        result = HANDLERS[job.kind](context)
    except JobError as exc:
        _finish(context, JobStatus.FAILED, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - the job records any failure; the worker goes on
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(context, JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        _finish(context, JobStatus.SUCCEEDED, result=result or {})
    return Job.objects.get(pk=job_id)


def _finish(context: JobContext, status: str, *, error: str = "", result: dict | None = None) -> None:
    job = context.job
    job.status, job.error, job.finished = status, error, timezone.now()
    job.progress = dict(context.counts)
    if result is not None:
        job.result = result
    job.save()
    cache.delete(_cache_key(job.pk))


def live_state(job: Job) -> dict:
    """What a progress bar shows: the cache's fresh figures while the job runs."""
    state = {"stage": job.stage, "total": job.total, "progress": job.progress}
    if job.is_active:
        state.update(cache.get(_cache_key(job.pk)) or {})
    total, progress = state["total"], state["progress"]
    done = progress.get("done")
    percent = 100 if job.status == JobStatus.SUCCEEDED else (
        min(99, int(100 * done / total)) if total and done is not None else None)
    return {"id": str(job.pk), "kind": job.kind, "status": job.status,
            "status_label": str(job.get_status_display()), "stage": state["stage"],
            "total": total, "progress": progress, "percent": percent, "error": job.error,
            "result": job.result, "has_output": bool(job.output_file),
            "finished": job.finished.isoformat() if job.finished else None}


def recover_interrupted(now: float | None = None) -> int:
    """Mark running jobs whose worker stopped (no heartbeat) as failed, so that
    they can be run again. Their handlers wrote in one transaction: nothing stays."""
    now = now or time.time()
    count = 0
    for job in Job.objects.filter(status=JobStatus.RUNNING):
        beat = (cache.get(_cache_key(job.pk)) or {}).get("heartbeat")
        if beat is None and job.started and job.started > timezone.now() - timezone.timedelta(
                seconds=HEARTBEAT_SECONDS):
            continue
        if beat is None or now - beat > HEARTBEAT_SECONDS:
            Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                status=JobStatus.FAILED, finished=timezone.now(),
                error="interrupted: the worker stopped before the job ended; nothing was written")
            count += 1
    return count


def _cache_key(job_id) -> str:
    return f"yiyang:job:{job_id}"

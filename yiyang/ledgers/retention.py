"""How long ledger files live (docs/ledgers.md#retention). Uploaded ledgers and the
rows staged from them hold personal data of a whole area: they are kept only while a
decision can still use them. Error workbooks and exports are kept FILES_DAYS days."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yiyang.core import audit
from yiyang.core.choices import AuditAction
from yiyang.jobs.models import Job, JobStatus
from yiyang.ledgers import conf, services
from yiyang.ledgers.choices import LedgerJob
from yiyang.ledgers.models import ImportBatch

_LEDGER_JOBS = [LedgerJob.VALIDATE, LedgerJob.EXPORT]


def expire(now: dt.datetime | None = None) -> dict[str, int]:
    """Run the retention rules once; how many imports and files each rule removed."""
    now = now or timezone.now()
    return {"imports": expire_undecided(now), "uploads": remove_refused_uploads(now),
            "files": remove_old_outputs(now)}


def expire_undecided(now: dt.datetime) -> int:
    """Imports checked but never decided, or whose write failed and was not run again,
    UNDECIDED_DAYS after that: their staged rows and uploaded file are removed."""
    before = now - dt.timedelta(days=conf.UNDECIDED_DAYS)
    waiting = (ImportBatch.objects.filter(written_at__isnull=True, expired_at__isnull=True)
               .exclude(decision="discard")
               .filter(Q(write_job__isnull=True, validate_job__status=JobStatus.SUCCEEDED,
                         validate_job__finished__lt=before)
                       | Q(write_job__status=JobStatus.FAILED, write_job__finished__lt=before))
               .values_list("pk", flat=True))
    return sum(_expire(pk, now) for pk in list(waiting))


@transaction.atomic
def _expire(pk: int, now: dt.datetime) -> bool:
    batch = (ImportBatch.objects.select_for_update(of=("self",)).select_related("validate_job")
             .get(pk=pk))
    if batch.written_at or batch.expired_at:
        return False
    services.remove_files(batch)
    batch.expired_at = now
    batch.save(update_fields=["staged_file", "expired_at", "last_updated"])
    audit.record(AuditAction.UPDATE, actor=None, obj=batch, region_code=batch.region_code,
                 changes={"expired": f"undecided for {conf.UNDECIDED_DAYS} days"},
                 detail="ledger retention: staged rows and uploaded file removed")
    return True


def remove_refused_uploads(now: dt.datetime) -> int:
    """The uploaded file of a ledger whose check refused it."""
    before = now - dt.timedelta(days=conf.UNDECIDED_DAYS)
    jobs = Job.objects.filter(kind=LedgerJob.VALIDATE, status=JobStatus.FAILED,
                              finished__lt=before).exclude(input_file="")
    return _delete_files(jobs, "input_file")


def remove_old_outputs(now: dt.datetime) -> int:
    """Error workbooks and exports FILES_DAYS after they were made (the import's
    record, counts and problem list stay)."""
    before = now - dt.timedelta(days=conf.FILES_DAYS)
    jobs = Job.objects.filter(kind__in=_LEDGER_JOBS, finished__lt=before).exclude(output_file="")
    return _delete_files(jobs, "output_file")


def _delete_files(jobs, field: str) -> int:
    removed = 0
    for job in jobs.iterator():
        stored = getattr(job, field)
        name = stored.name
        Job.objects.filter(pk=job.pk).update(**{field: ""})
        stored.storage.delete(name)
        removed += 1
    return removed

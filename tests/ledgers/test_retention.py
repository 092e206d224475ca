"""Retention of ledger files: undecided imports expire, refused uploads and old
workbooks are removed, written imports keep their record."""

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.fixtures import county_fixture  # noqa: F401
from tests.ledgers.helpers import decide, ledger_row, run_import, upload, workbook_bytes
from yiyang.core.models import AuditLog
from yiyang.elders import bulk
from yiyang.elders.models import Elder
from yiyang.jobs.models import Job, JobStatus
from yiyang.ledgers import retention, services
from yiyang.ledgers.models import ImportBatch


def days_later(n: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=n)


def checked_with_problems(user, capture) -> ImportBatch:
    rows = [ledger_row("刘秀兰"), ledger_row("马小明", born=dt.date(1990, 1, 1))]
    return run_import(user, workbook_bytes(rows), capture)


def test_an_undecided_import_expires_and_keeps_its_error_list(county, client,
                                                              django_capture_on_commit_callbacks):
    town = county.users["town"]
    batch = checked_with_problems(town, django_capture_on_commit_callbacks)
    staged, upload_name = Path(batch.staged_file), batch.validate_job.input_file.name
    storage = batch.validate_job.input_file.storage
    built = bulk.built_files(services.files_dir(batch))
    assert batch.status == "checked" and staged.exists() and storage.exists(upload_name)

    assert retention.expire(days_later(6)) == {"imports": 0, "uploads": 0, "files": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.expire(days_later(8))["imports"] == 1

    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == "expired" and batch.staged_file == ""
    assert not staged.exists() and not storage.exists(upload_name)
    assert not any(path.exists() for path in built)
    assert batch.validate_job.input_file.name == ""
    assert batch.problems.count() == 1 and batch.validate_job.output_file  # the error list stays
    entry = AuditLog.objects.filter(object_type="ledgers.importbatch", object_id=str(batch.pk),
                                    detail__startswith="ledger retention").get()
    assert entry.actor is None
    with pytest.raises(services.DecisionRefused):
        services.decide(batch, "write_valid", actor=town)

    client.force_login(town)
    page = client.get(reverse("ledgers:batch", args=[batch.pk])).content.decode()
    assert "7 天内未作决定" in page and 'data-testid="decision"' not in page
    assert retention.expire(days_later(9))["imports"] == 0  # once


def test_error_workbooks_and_exports_are_removed_after_thirty_days(county, client,
                                                                   django_capture_on_commit_callbacks):
    town = county.users["town"]
    batch = checked_with_problems(town, django_capture_on_commit_callbacks)
    decide(batch, "write_valid", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        export = services.start_export(actor=town, filters={}, reveal=[])
    jobs = [batch.validate_job, Job.objects.get(pk=export.pk)]
    names = [(job.output_file.storage, job.output_file.name) for job in jobs]
    assert all(storage.exists(name) for storage, name in names)

    assert retention.expire(days_later(29))["files"] == 0
    assert retention.expire(days_later(31)) == {"imports": 0, "uploads": 0, "files": 2}
    assert not any(storage.exists(name) for storage, name in names)
    client.force_login(town)
    assert client.get(reverse("jobs:download", args=[jobs[0].pk])).status_code == 404
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == "written" and batch.created_count == 1  # the record stays
    assert Elder.objects.filter(name="刘秀兰").exists()


def test_an_interrupted_write_not_run_again_expires(county, django_capture_on_commit_callbacks):
    town = county.users["town"]
    batch = checked_with_problems(town, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):  # the write job stays queued
        batch = services.decide(batch, "write_valid", actor=town)
    Job.objects.filter(pk=batch.write_job_id).update(status=JobStatus.FAILED, finished=timezone.now())
    assert ImportBatch.objects.get(pk=batch.pk).status == "write_failed"

    assert retention.expire(days_later(8))["imports"] == 1
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == "expired"
    with pytest.raises(services.DecisionRefused):
        services.write_again(batch, actor=town)


def test_a_refused_uploads_file_is_removed(county, django_capture_on_commit_callbacks):
    town = county.users["town"]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.start_import(upload(b"PK\x03\x04 not really a workbook"), actor=town)
    job = Job.objects.get(pk=ImportBatch.objects.get(pk=batch.pk).validate_job_id)
    assert job.status == JobStatus.FAILED and job.input_file
    storage, name = job.input_file.storage, job.input_file.name

    assert retention.expire(days_later(8)) == {"imports": 0, "uploads": 1, "files": 0}
    assert not storage.exists(name) and Job.objects.get(pk=job.pk).input_file.name == ""

"""Background jobs: submitting, progress while running, results, failures, the
database queue with `yiyang worker`, and recovery after a worker died."""

import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from tests.fixtures import county_fixture  # noqa: F401
from yiyang.core.models import AuditLog
from yiyang.jobs import services
from yiyang.jobs.models import Job, JobStatus
from yiyang.jobs.registry import handler

SEEN_WHILE_RUNNING = {}


@handler("test_count")
def count_rows(ctx):
    rows = ctx.params["rows"]
    ctx.report(stage="counting", total=rows, done=0)
    for done in range(1, rows + 1):
        ctx.report(done=done, force=done == rows)
    SEEN_WHILE_RUNNING["state"] = services.live_state(ctx.job)
    ctx.save_output("counted.txt", f"{rows} rows".encode())
    return {"rows": rows}


@handler("test_refuse")
def refuse(ctx):
    raise services.JobError("第 3 行：身份证号校验位错误")


@handler("test_crash")
def crash(ctx):
    raise RuntimeError("disk on fire")


def submit(user, kind, django_capture_on_commit_callbacks, **params):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.submit(kind, user, params=params)
    job.refresh_from_db()
    return job


def test_a_job_runs_reports_progress_and_keeps_its_result(county, client,
                                                           django_capture_on_commit_callbacks):
    job = submit(county.users["town"], "test_count", django_capture_on_commit_callbacks, rows=40)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"rows": 40}
    assert job.progress == {"done": 40} and job.stage == "counting" and job.total == 40
    running = SEEN_WHILE_RUNNING["state"]
    assert running["status"] == JobStatus.RUNNING and running["progress"]["done"] == 40
    client.force_login(county.users["town"])
    state = client.get(f"/jobs/{job.pk}/status/").json()
    assert state["status"] == "succeeded" and state["percent"] == 100 and state["has_output"]
    response = client.get(f"/jobs/{job.pk}/download/")
    assert b"".join(response.streaming_content) == b"40 rows"
    assert response["Content-Disposition"].endswith('filename="counted.txt"')
    assert AuditLog.objects.filter(actor=county.users["town"], action="export",
                                   object_id=str(job.pk)).exists()


def test_only_the_owner_sees_a_job(county, client, django_capture_on_commit_callbacks):
    job = submit(county.users["town"], "test_count", django_capture_on_commit_callbacks, rows=1)
    client.force_login(county.users["town_b"])
    assert client.get(f"/jobs/{job.pk}/status/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_failures_are_recorded_with_their_message(county, django_capture_on_commit_callbacks):
    refused = submit(county.users["town"], "test_refuse", django_capture_on_commit_callbacks)
    assert refused.status == JobStatus.FAILED and refused.error == "第 3 行：身份证号校验位错误"
    crashed = submit(county.users["town"], "test_crash", django_capture_on_commit_callbacks)
    assert crashed.status == JobStatus.FAILED and "disk on fire" in crashed.error


def test_a_job_runs_once_even_if_its_task_is_delivered_twice(county,
                                                             django_capture_on_commit_callbacks):
    job = submit(county.users["town"], "test_count", django_capture_on_commit_callbacks, rows=2)
    assert services.run(job.pk) is None
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_progress_shows_the_first_step_at_once_then_at_most_twice_a_second(county):
    job = Job.objects.create(kind="test_count", owner=county.users["town"], params={"rows": 9},
                             status=JobStatus.RUNNING)
    ctx = services.JobContext(job)
    published = lambda: services.live_state(job)["progress"]  # noqa: E731
    ctx.report(stage="writing", total=9, written=0)
    ctx.report(written=3)
    assert published() == {"written": 3}  # the bar moves as soon as work does
    ctx.report(written=6)
    assert published() == {"written": 3}  # throttled
    ctx.report(written=9, force=True)
    assert published() == {"written": 9}


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_is_run_by_yiyang_worker(settings):
    from yiyang.core.testing import build_county

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    county = build_county()
    job = services.submit("test_count", county.users["town"], params={"rows": 5})
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    call_command("worker", "--batch", "--interval", "0")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"rows": 5}


def test_a_job_whose_worker_died_is_failed_and_can_run_again(county, django_capture_on_commit_callbacks):
    job = Job.objects.create(kind="test_count", owner=county.users["town"], params={"rows": 3},
                             status=JobStatus.RUNNING,
                             started=timezone.now() - timezone.timedelta(minutes=10))
    alive = Job.objects.create(kind="test_count", owner=county.users["town"], params={"rows": 3},
                               status=JobStatus.RUNNING,
                               started=timezone.now() - timezone.timedelta(minutes=10))
    cache.set(services._cache_key(alive.pk), {"heartbeat": time.time()})
    assert services.recover_interrupted() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "interrupted" in job.error
    with django_capture_on_commit_callbacks(execute=True):
        again = services.run_again(job)
    again.refresh_from_db()
    assert again.status == JobStatus.SUCCEEDED and again.result == {"rows": 3}

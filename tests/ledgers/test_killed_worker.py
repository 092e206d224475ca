"""A worker killed with SIGKILL in the middle of a write leaves the registry as it was,
and the import can be written again.

Real processes on a file-based SQLite database in the test's own var directory (the
same settings as production: database task queue, file cache shared by the processes):
a setup process checks a ledger and decides to write it, a `yiyang worker` process
runs the write job and is killed (its whole process group, forked row builders
included) once the job reports written rows, and later processes count the registry,
recover the interrupted job, write again and count once more.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.core.cache.backends.filebased import FileBasedCache

ROWS = 12_000

SETUP = f"""
import datetime as dt, io, json
import django
django.setup()
from django.core.management import call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from yiyang.core.testing import VILLAGE_A1, VILLAGE_A2, build_county
from yiyang.ledgers import services, xlsx
from yiyang.ledgers.models import ImportBatch
from yiyang.lib import idcard

call_command("migrate", verbosity=0)
town = build_county().users["town"]
headers = ["姓名", "身份证号", "村（社区）代码", "联系电话", "居住地址", "紧急联系人", "联系人电话"]

def write(book):
    sheet = book.add_sheet("台账")
    sheet.append(headers)
    for i in range({ROWS}):
        born = dt.date(1930, 1, 1) + dt.timedelta(days=i // 400)
        sheet.append_texts(["刘秀" + "甲乙丙丁戊己庚辛"[i % 8], idcard.make("110101", born, i % 400 * 2 + 1),
                            VILLAGE_A1 if i % 2 else VILLAGE_A2, "13812345678", "东岭村二组5号",
                            "刘建军", "139%08d" % i])

with transaction.atomic():
    batch = services.start_import(SimpleUploadedFile("ledger.xlsx", xlsx.to_bytes(write)), actor=town)
call_command("worker", "--batch", "--interval", "0.1")  # the check
batch = ImportBatch.objects.get(pk=batch.pk)
assert batch.status == "checked" and batch.rows_valid == {ROWS}, (batch.status, batch.rows_valid)
services.decide(batch, "write_all", actor=town)
print(json.dumps({{"batch": batch.pk, "job": str(ImportBatch.objects.get(pk=batch.pk).write_job_id)}}))
"""

STATE = """
import json
import django
django.setup()
from yiyang.core.models import AuditLog
from yiyang.elders.models import Elder, ElderCount, EmergencyContact
from yiyang.jobs.models import Job
from yiyang.ledgers.models import ImportBatch

batch = ImportBatch.objects.get(pk=int(__import__("sys").argv[1]))
with __import__("django.db").db.connection.cursor() as cursor:
    fts = cursor.execute("SELECT count(*) FROM elders_name_fts_docsize").fetchone()[0]
    trigger = cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'elders_name_fts_ai'"
                             ).fetchone()[0]
print(json.dumps({
    "elders": Elder.objects.count(), "contacts": EmergencyContact.objects.count(),
    "counts": sorted(ElderCount.objects.values_list("region_id", "key", "count")),
    "history": AuditLog.objects.filter(object_type="elders.elder").count(),
    "name_index": fts, "trigger": trigger, "status": batch.status,
    "write_job": Job.objects.get(pk=batch.write_job_id).status, "created": batch.created_count,
}))
"""

RECOVER_AND_WRITE_AGAIN = """
import sys, time
import django
django.setup()
from django.core.management import call_command
from yiyang.elders import stats
from yiyang.elders.models import ElderCount
from yiyang.jobs.services import HEARTBEAT_SECONDS, recover_interrupted
from yiyang.ledgers import services
from yiyang.ledgers.models import ImportBatch

# As `yiyang worker` does at start, seen from after the heartbeat timeout.
assert recover_interrupted(now=time.time() + HEARTBEAT_SECONDS + 5) == 1
batch = ImportBatch.objects.get(pk=int(sys.argv[1]))
assert batch.status == "write_failed", batch.status
services.write_again(batch, actor=batch.owner)
call_command("worker", "--batch", "--interval", "0.1")
written = sorted(ElderCount.objects.values_list("region_id", "key", "count"))
stats.rebuild()
assert written == sorted(ElderCount.objects.values_list("region_id", "key", "count"))
"""


def _env(var: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "YIYANG_TESTING", "YIYANG_TASK_BACKEND")}
    return dict(env, YIYANG_VAR_DIR=str(var), DATABASE_URL=f"sqlite:///{var / 'yiyang.sqlite3'}",
                DJANGO_SETTINGS_MODULE="yiyang.settings", YIYANG_DEBUG="0")


def _python(script: str, env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return (done.stdout.strip().splitlines() or [""])[-1]


def _progress(cache: FileBasedCache, job: str) -> dict:
    return (cache.get(f"yiyang:job:{job}") or {}).get("progress") or {}


def test_a_worker_killed_mid_write_leaves_the_registry_as_it_was_and_the_write_runs_again(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    env = _env(var)
    ids = json.loads(_python(SETUP, env))
    batch, job = str(ids["batch"]), ids["job"]
    before = json.loads(_python(STATE, env, batch))
    assert before["write_job"] == "queued"

    cache = FileBasedCache(str(var / "cache"), {})
    worker = subprocess.Popen([sys.executable, "-m", "yiyang.cli", "worker", "--interval", "0.1"],
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not 0 < _progress(cache, job).get("written", 0) < ROWS:
            assert time.monotonic() < deadline, "the write never got going"
            assert worker.poll() is None, "the worker ended before it was killed"
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its forked row builders
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

    after_kill = json.loads(_python(STATE, env, batch))
    assert after_kill["write_job"] == "running"  # killed, not finished
    for key in ("elders", "contacts", "counts", "history", "name_index"):
        assert after_kill[key] == before[key], key
    assert after_kill["trigger"] == 1  # the name-search trigger dropped during the write is back

    _python(RECOVER_AND_WRITE_AGAIN, env, batch)
    final = json.loads(_python(STATE, env, batch))
    assert final["status"] == "written" and final["created"] == ROWS
    assert final["elders"] == before["elders"] + ROWS
    assert final["contacts"] == before["contacts"] + ROWS
    assert final["history"] == before["history"] + ROWS
    assert final["name_index"] == before["name_index"] + ROWS and final["trigger"] == 1

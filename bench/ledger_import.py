"""`yiyang bench import`: a ledger import and a registry export at county/city scale,
through the same jobs a user runs (docs/ledgers.md).

1. A registry of (export_rows - valid rows) elders (the demo county generator),
   rebuilt when the bench database does not hold exactly that.
2. A generated ledger of --rows rows, 1 % of them faulty in assorted ways.
3. The check job (validate_s), then the write job writing the valid rows (write_s).
4. The export job over the whole registry, now --export-rows elders (export_s).

peak_rss_mb is the highest resident memory of this process sampled during steps
2-4 (the registry build before them is not counted).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from bench.common import BenchError
from bench.registry import BENCH_USER, _migrate, _wipe
from bench.registry import build as build_registry
from yiyang.core.choices import RegionLevel
from yiyang.core.models import Region, User
from yiyang.elders.models import Elder
from yiyang.jobs import services as jobs
from yiyang.jobs.models import Job
from yiyang.ledgers import services, xlsx
from yiyang.ledgers.models import ImportBatch
from yiyang.lib import idcard

HELP = "import a generated ledger (1% faulty rows) and export the registry as .xlsx"
SEED = 2026
HEADERS = ["姓名", "身份证号", "性别", "出生日期", "联系电话", "居住地址", "村（社区）代码", "经济状况",
           "居住情况", "孤寡", "能力等级", "紧急联系人", "联系人关系", "联系人电话", "备注"]
GOALS_S = {"import": 20, "export": 60}


def add_arguments(parser) -> None:
    parser.add_argument("--rows", type=int, default=100_000, help="ledger rows (default 100,000)")
    parser.add_argument("--export-rows", type=int, default=1_000_000,
                        help="registry size exported after the import (default 1,000,000)")


def size(options: dict) -> int:
    if options["rows"] < 100 or options["export_rows"] < options["rows"]:
        raise BenchError("--rows must be at least 100 and --export-rows at least --rows")
    return options["export_rows"]


def run(options: dict, log=print) -> dict:
    rows, export_rows = options["rows"], options["export_rows"]
    faulty = rows // 100
    base = export_rows - (rows - faulty)
    _prepare(base, log)
    admin = User.objects.select_related("scope_region").get(username=BENCH_USER)
    with _PeakRss() as peak, tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.xlsx"
        started = time.monotonic()
        _write_ledger(path, rows, faulty)
        log(f"  ledger of {rows:,} rows written in {time.monotonic() - started:.1f} s")
        batch, validate_s = _check(admin, path)
        log(f"  checked in {validate_s:.1f} s: {batch.rows_valid:,} valid, {batch.rows_faulty:,} faulty")
        write_s = _write(batch, admin)
        batch.refresh_from_db()
        log(f"  written in {write_s:.1f} s: {batch.created_count:,} elders added")
        exported, export_s = _export(admin)
        log(f"  exported {exported:,} elders in {export_s:.1f} s")
    figures = {"bench": "import", "backend": connection.vendor, "rows": rows,
               "faulty_rows_found": batch.rows_faulty, "validate_s": round(validate_s, 2),
               "write_s": round(write_s, 2), "export_rows": exported, "export_s": round(export_s, 2),
               "peak_rss_mb": round(peak.mb, 1)}
    verdict = "ok" if validate_s + write_s < GOALS_S["import"] else "OVER the goal"
    log(f"  import (validate + write) {validate_s + write_s:.1f} s: {verdict} "
        f"(goal {GOALS_S['import']} s); export {export_s:.1f} s "
        f"({'ok' if export_s < GOALS_S['export'] else 'OVER the goal'}, goal {GOALS_S['export']} s)")
    log(json.dumps(figures))
    return figures


def _prepare(base: int, log) -> None:
    _migrate()
    if _ready(base):
        log(f"Reusing the bench registry ({base:,} elders).")
        return
    if _restore_pristine():
        _migrate()
        if _ready(base):
            log(f"Restored the bench registry ({base:,} elders) from its copy made after the build.")
            return
    if Region.objects.exists():
        log("Rebuilding the bench registry (a previous run imported into it).")
        _wipe()
        _migrate()
    build_registry(base, log=log)
    _save_pristine()


def _ready(base: int) -> bool:
    return User.objects.filter(username=BENCH_USER).exists() and Elder.objects.count() == base


# A copy of the registry as built (a second SQLite file, or a PostgreSQL database made
# from it as template): the next run starts from it instead of building again, since
# each run imports into the registry.
def _pristine_name() -> str:
    suffix = ".pristine" if connection.vendor == "sqlite" else "_pristine"
    return f"{connection.settings_dict['NAME']}{suffix}"


def _save_pristine() -> None:
    name, copy = connection.settings_dict["NAME"], _pristine_name()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        shutil.copyfile(name, copy)
        return
    connection.close()
    _postgres_admin(f'DROP DATABASE IF EXISTS "{copy}"', f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')


def _restore_pristine() -> bool:
    name, copy = connection.settings_dict["NAME"], _pristine_name()
    if connection.vendor == "sqlite":
        if not Path(copy).exists():
            return False
        connection.close()
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(copy, name)
        return True
    connection.close()
    if not _postgres_admin(f"SELECT 1 FROM pg_database WHERE datname = '{copy}'"):
        return False
    _postgres_admin(f'DROP DATABASE "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{copy}"')
    return True


def _postgres_admin(*statements: str):
    """Run statements on the server's `postgres` database; the last one's first row."""
    import psycopg

    admin_url = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for statement in statements:
            cursor = conn.execute(statement)
        return cursor.fetchone() if cursor.description else None


def _write_ledger(path: Path, rows: int, faulty: int) -> None:
    rng = random.Random(SEED)
    villages = list(Region.objects.filter(level=RegionLevel.VILLAGE).values_list("code", flat=True))
    bad_rows = set(rng.sample(range(rows), faulty))
    kinds = ["check", "young", "region", "duplicate", "sex", "phone"]
    first_id = None
    with path.open("wb") as handle, xlsx.StreamingWorkbook(handle) as book:
        sheet = book.add_sheet("台账")
        sheet.append(HEADERS, style=xlsx.HEADER)
        for i in range(rows):
            born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 34))
            male = rng.random() < 0.45
            number = idcard.make("110101", born, (i % 499) * 2 + (1 if male else 2))
            # The same (birth date, sequence) may come twice by chance: a real duplicate.
            row = [rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["秀英", "桂兰", "建国", "德明", "玉兰",
                                                                  "志强", "淑珍", "国华"]),
                   number, "男" if male else "女", born.isoformat(), f"13{rng.randrange(10**9):09d}",
                   f"幸福路{rng.randrange(1, 300)}号", rng.choice(villages),
                   rng.choice(["无", "低保", "特困"]),
                   rng.choice(["与家人同住", "独居", "空巢"]), "否", rng.choice(["未评估", "轻度失能"]),
                   "王建军", "儿子", "13900001111", ""]
            first_id = first_id or number
            if i in bad_rows:
                _spoil(row, kinds[i % len(kinds)], first_id)
            sheet.append_texts(row)


def _spoil(row: list, kind: str, first_id: str) -> None:
    if kind == "check":
        row[1] = row[1][:17] + ("0" if row[1][17] != "0" else "1")
    elif kind == "young":
        row[1] = idcard.make("110101", dt.date(1990, 6, 1), 11)
        row[2], row[3] = "男", "1990-06-01"
    elif kind == "region":
        row[6] = "110101001001"
    elif kind == "duplicate":
        row[1] = first_id
        row[2], row[3] = "", ""
    elif kind == "sex":
        row[2] = "女" if row[2] == "男" else "男"
    else:
        row[4] = "12345"


def _check(admin, path: Path) -> tuple[ImportBatch, float]:
    with transaction.atomic():
        batch = services.start_import(SimpleUploadedFile("ledger.xlsx", path.read_bytes()), actor=admin)
    started = time.monotonic()
    job = jobs.run(batch.validate_job_id)
    elapsed = time.monotonic() - started
    if job is None or job.status != "succeeded":
        raise BenchError(f"the check failed: {job.error if job else 'not run'}")
    return ImportBatch.objects.get(pk=batch.pk), elapsed


def _write(batch: ImportBatch, admin) -> float:
    batch = services.decide(batch, "write_valid", actor=admin)
    started = time.monotonic()
    job = jobs.run(batch.write_job_id)
    elapsed = time.monotonic() - started
    if job is None or job.status != "succeeded":
        raise BenchError(f"the write failed: {job.error if job else 'not run'}")
    return elapsed


def _export(admin) -> tuple[int, float]:
    job = services.start_export(actor=admin, filters={"status": "all"}, reveal=[])
    started = time.monotonic()
    job = jobs.run(job.pk)
    elapsed = time.monotonic() - started
    if job is None or job.status != "succeeded":
        raise BenchError(f"the export failed: {job.error if job else 'not run'}")
    job = Job.objects.get(pk=job.pk)
    job.output_file.storage.delete(job.output_file.name)
    return job.result["rows"], elapsed


class _PeakRss:
    """The highest VmRSS of this process while the block runs (sampled every 0.1 s)."""

    def __enter__(self):
        self.mb, self._stop = _rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.1):
            self.mb = max(self.mb, _rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.mb = max(self.mb, _rss_mb())


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


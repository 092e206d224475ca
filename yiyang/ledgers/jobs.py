"""Background jobs of ledgers: check an upload, write it, export a list."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiyang.elders import bulk
from yiyang.jobs.daily import daily
from yiyang.jobs.registry import handler
from yiyang.jobs.services import JobContext, JobError
from yiyang.ledgers import conf, exports, services, xlsx
from yiyang.ledgers.choices import LedgerJob
from yiyang.ledgers.models import ImportBatch, ImportProblem
from yiyang.ledgers.retention import expire as expire_old_files
from yiyang.ledgers.validation import HEADER_SEARCH_ROWS, FileRejected, LedgerCheck, Outcome
from yiyang.ledgers.workbooks import write_error_workbook


@handler(LedgerJob.VALIDATE)
def validate(ctx: JobContext) -> dict:
    batch = (ImportBatch.objects.select_related("owner", "owner__scope_region")
             .filter(validate_job=ctx.job).first())
    if batch is None:
        return {}
    with translation.override(ctx.params.get("language")):
        started = time.monotonic()
        outcome = _check(ctx, batch)
        _save_outcome(ctx, batch, outcome)
        return {"rows": outcome.rows, "valid": len(outcome.valid), "faulty": len(outcome.faulty_rows),
                "problems": len(outcome.problems), "registered": len(outcome.registered),
                "seconds": round(time.monotonic() - started, 2)}


def _check(ctx: JobContext, batch: ImportBatch) -> Outcome:
    path = ctx.input_path()
    ctx.report(stage="reading", done=0)
    try:
        sheet = xlsx.read_rows(path)
        if sheet is None:
            raise FileRejected(_("The workbook is empty: no sheet holds any data."))
        if sheet.height > conf.MAX_ROWS + HEADER_SEARCH_ROWS:
            raise FileRejected(_("The ledger has more than %(max)s rows; split it into several files.")
                               % {"max": f"{conf.MAX_ROWS:,}"})
        blank = xlsx.formula_cells_without_value(path, sheet.name)
        ctx.report(stage="checking", total=sheet.height, done=0, checked=0, problems=0)
        with bulk.paused_gc(), services.prebuilder(batch, expected=sheet.height) as builder:
            check = LedgerCheck(batch.owner, first_row=sheet.first_row,
                                first_column=sheet.first_column, blank_formulas=blank,
                                on_final=lambda rows: builder.add([(row[0], row) for row in rows]))
            outcome = check.run(sheet.rows, progress=lambda n, p: ctx.report(done=n, checked=n,
                                                                             problems=p))
            builder.finish()
        return outcome
    except xlsx.NotAWorkbook as exc:
        raise JobError(_("This file cannot be read as an Excel workbook (.xlsx). Save it from Excel "
                         "or WPS as “Excel 工作簿 (*.xlsx)” and upload it again.")) from exc
    except FileRejected as exc:
        raise JobError(str(exc)) from exc


def _save_outcome(ctx: JobContext, batch: ImportBatch, outcome: Outcome) -> None:
    ctx.report(stage="saving", done=outcome.rows, checked=outcome.rows,
               problems=len(outcome.problems), force=True)
    with transaction.atomic():
        _save_problems(batch, outcome)
        batch.rows_total, batch.rows_valid = outcome.rows, len(outcome.valid)
        batch.rows_faulty, batch.problems_count = len(outcome.faulty_rows), len(outcome.problems)
        batch.registered_count = len(outcome.registered)
        batch.columns = outcome.layout.present
        # The other valid rows are in the builders' files.
        registered = [row for row in outcome.valid if row[0] in outcome.registered]
        batch.staged_file = services.save_staged(batch, registered) if outcome.valid else ""
        batch.save()
    if outcome.faulty_cells:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "errors.xlsx"
            write_error_workbook(path, outcome)
            stem = Path(batch.file_name).stem[:60] or "ledger"
            ctx.save_output(f"{stem}-问题清单-{timezone.localtime():%Y%m%d%H%M}.xlsx", path)


def _save_problems(batch: ImportBatch, outcome: Outcome) -> None:
    rows = [ImportProblem(batch=batch, row=p.row, column=p.column[:60], value=p.value[:120],
                          reason=p.reason[:300]) for p in outcome.problems[:conf.MAX_PROBLEMS]]
    ImportProblem.objects.bulk_create(rows, batch_size=2000)


@handler(LedgerJob.WRITE)
def write(ctx: JobContext) -> dict:
    batch = ImportBatch.objects.filter(pk=ctx.params.get("batch")).first()
    if batch is None:
        return {}
    started = time.monotonic()
    ctx.report(stage="writing", total=batch.rows_valid, done=0, written=0)
    with bulk.checkpoint_in_background():
        result = services.write_batch(batch, progress=lambda n: ctx.report(done=n, written=n))
    ctx.report(stage="written", done=batch.rows_valid, written=batch.rows_valid, force=True)
    return {**result, "seconds": round(time.monotonic() - started, 2)}


@handler(LedgerJob.EXPORT)
def export(ctx: JobContext) -> dict:
    owner = ctx.job.owner
    filters, reveal = ctx.params.get("filters") or {}, ctx.params.get("reveal") or []
    with translation.override(ctx.params.get("language")):
        started = time.monotonic()
        ctx.report(stage="exporting", total=exports.count(owner, filters), done=0, exported=0)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.xlsx"
            count = exports.write_export(path, owner, filters, reveal,
                                         progress=lambda n: ctx.report(done=n, exported=n))
            ctx.save_output(f"老年人台账-{timezone.localtime():%Y%m%d%H%M}.xlsx", path)
        exports.record_export(owner, filters, reveal, count, job=ctx.job)
        return {"rows": count, "seconds": round(time.monotonic() - started, 2)}


@daily("ledger_retention")
def retention(day) -> str:
    removed = expire_old_files()
    return ", ".join(f"{what} {n}" for what, n in removed.items())

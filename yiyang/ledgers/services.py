"""Ledger operations: upload (starts the check), decide (starts the write or ends
the import), run the write again after an interruption, and start an export."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiyang.core import audit, crypto, scoping
from yiyang.core.choices import Action, AuditAction
from yiyang.elders import bulk
from yiyang.elders.models import ID_KIND
from yiyang.elders.services import PLAIN_FIELDS, ContactData, ElderData
from yiyang.jobs import services as jobs
from yiyang.jobs.models import Job
from yiyang.jobs.services import JobError
from yiyang.ledgers.choices import BatchStatus, Decision, DuplicatePolicy, LedgerJob
from yiyang.ledgers.columns import FLAG_KEYS
from yiyang.ledgers.exports import revealable
from yiyang.ledgers.models import ImportBatch
from yiyang.ledgers.validation import STAGED


class DecisionRefused(Exception):
    """The decision does not fit the import's state; the message says why."""


def files_dir(batch: ImportBatch) -> Path:
    path = Path(settings.YIYANG_FILES_DIR) / "ledgers" / str(batch.pk)
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def start_import(upload, *, actor, language: str = "") -> ImportBatch:
    """Keep the uploaded ledger and queue its check (forms.LedgerUploadForm sniffed it)."""
    scoping.require(actor, Action.IMPORT)
    language = language or settings.LANGUAGE_CODE
    job = jobs.submit(LedgerJob.VALIDATE, actor, params={"language": language},
                      input_file=upload, input_name="ledger.xlsx")
    batch = ImportBatch.objects.create(
        owner=actor, region_code=actor.scope_prefix or "", file_name=Path(upload.name).name[:200],
        file_size=upload.size or 0, validate_job=job)
    job.params["batch"] = batch.pk
    job.save(update_fields=["params"])
    audit.record(AuditAction.CREATE, actor=actor, obj=batch, region_code=batch.region_code,
                 detail=f"ledger upload {batch.file_name} ({batch.file_size} bytes)")
    return batch


@transaction.atomic
def decide(batch: ImportBatch, decision: str, *, policy: str = DuplicatePolicy.SKIP, actor) -> ImportBatch:
    """The user's choice after the check: write nothing, all rows, or the valid ones."""
    batch = _locked(batch, actor)
    if batch.status != BatchStatus.CHECKED:
        raise DecisionRefused(_("This import has already been decided."))
    if decision == Decision.WRITE_ALL and not batch.may_write_all:
        raise DecisionRefused(_("Some rows have problems: fix them, or write only the valid rows."))
    if decision == Decision.WRITE_VALID and not batch.may_write_valid:
        raise DecisionRefused(_("No row can be written."))
    batch.decision, batch.duplicate_policy, batch.decided_at = decision, policy, timezone.now()
    if decision == Decision.DISCARD:
        remove_files(batch)
    else:
        scoping.require(actor, Action.ADD)
        batch.write_job = _write_job(batch, actor)
    batch.save(update_fields=["decision", "duplicate_policy", "decided_at", "write_job",
                              "staged_file", "last_updated"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=batch, region_code=batch.region_code,
                 changes={"decision": decision, "duplicate_policy": policy})
    return batch


@transaction.atomic
def write_again(batch: ImportBatch, *, actor) -> ImportBatch:
    """After an interrupted write (nothing was written): queue the write once more."""
    batch = _locked(batch, actor)
    if batch.status != BatchStatus.WRITE_FAILED:
        raise DecisionRefused(_("Only an interrupted write can be run again."))
    batch.write_job = _write_job(batch, actor)
    batch.save(update_fields=["write_job", "last_updated"])
    return batch


def _write_job(batch: ImportBatch, actor) -> Job:
    return jobs.submit(LedgerJob.WRITE, actor, params={"batch": batch.pk}, total=batch.rows_valid)


def _locked(batch: ImportBatch, actor) -> ImportBatch:
    try:
        return (ImportBatch.objects.restrict(actor).select_for_update(of=("self",))
                .get(pk=batch.pk))
    except ImportBatch.DoesNotExist as exc:
        raise Http404 from exc


def remove_files(batch: ImportBatch) -> None:
    """An import that ends unwritten keeps no personal data but its error workbook
    (call in a transaction, then save batch.staged_file)."""
    if batch.staged_file:
        Path(batch.staged_file).unlink(missing_ok=True)
        batch.staged_file = ""
    _remove_built(batch)
    job = batch.validate_job
    if job is not None and job.input_file:
        name, storage = job.input_file.name, job.input_file.storage
        Job.objects.filter(pk=job.pk).update(input_file="")
        transaction.on_commit(lambda: storage.delete(name))


# --- staged rows (between the check and the write) -------------------------------------------
# The new elders' registry rows built during the check, with the checked rows they
# were built from (built-*.pickle, bulk.Prebuilder), so that the write only inserts;
# and the valid rows of elders registered at the check (valid.json.gz: the update of
# registered elders reads them).
@contextmanager
def prebuilder(batch: ImportBatch, *, expected: int):
    """Build the registry rows of the check's valid rows while the check goes on:
    builder.add([(row number, staged row), ...]); the builders make the ElderData."""
    _remove_built(batch)  # a check run again starts afresh
    try:
        with bulk.Prebuilder(batch.owner, write_detail(batch), files_dir(batch),
                             expected=expected, convert=new_elder_data) as builder:
            yield builder
    except BaseException:
        _remove_built(batch)
        raise


def tagged(rows: list[list]) -> list[tuple[int, ElderData]]:
    """Staged rows as (row number, the registry form's data) for bulk.Prebuilder."""
    return [(row[0], new_elder_data(row)) for row in rows]


def _remove_built(batch: ImportBatch) -> None:
    for path in bulk.built_files(files_dir(batch)):
        path.unlink(missing_ok=True)


def write_detail(batch: ImportBatch) -> str:
    return f"ledger import #{batch.pk} {batch.file_name}"


def save_staged(batch: ImportBatch, rows: list[list]) -> str:
    path = files_dir(batch) / "valid.json.gz"
    # One dumps, not dump: json.dump writes each token separately into the gzip stream.
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode())
    return str(path)


def load_staged(batch: ImportBatch) -> list[list]:
    with gzip.open(batch.staged_file, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def start_export(*, actor, filters: dict, reveal: list[str], language: str = "") -> Job:
    scoping.require(actor, Action.EXPORT)
    return jobs.submit(LedgerJob.EXPORT, actor, params={
        "filters": filters, "reveal": revealable(actor, reveal),
        "language": language or settings.LANGUAGE_CODE})


# --- the write -----------------------------------------------------------------------------
@transaction.atomic
def write_batch(batch: ImportBatch, *, progress=None) -> dict:
    """Write an import's valid rows in one transaction: a crash, a killed worker or a
    lost database connection leaves the registry as it was, and the write can run
    again. A batch already written is left alone (the job was delivered twice)."""
    batch = ImportBatch.objects.select_for_update().select_related("owner").get(pk=batch.pk)
    if batch.written_at:
        return _written_counts(batch)
    with bulk.paused_gc():
        return _write(batch, progress)


def _write(batch: ImportBatch, progress) -> dict:
    actor = batch.owner
    detail = write_detail(batch)
    paths = bulk.built_files(files_dir(batch))
    hashes = bulk.load_built_hashes(paths)
    rows = load_staged(batch)  # the rows not built at the check (then registered)
    if hashes is None:  # built by another version of Yiyang
        if len(rows) != batch.rows_valid:
            raise JobError(_("This import was checked by an earlier version of Yiyang: upload "
                             "the file again to check it anew."))
        paths, hashes = [], {}  # staged in full (older versions): build them all here
    # Registered now (also since the check): skipped or updated, never created.
    registered = _registered(rows, hashes)
    late = {tag for tag in hashes if tag in registered}  # built, and registered since
    existing = [row for row in rows if row[0] in registered]
    existing += [row for _tag, row in bulk.load_built_items(paths, late)] if late else []
    # Rows registered at the check and no longer (deleted since) were not built then.
    unbuilt = [row for row in rows if row[0] not in registered]
    tags = set(hashes) - late
    del rows  # before the built rows are read: they are the memory peak
    built = bulk.load_built(paths, tags) + bulk.build_records(actor, detail, tagged(unbuilt))
    created = bulk.create_built(built, actor=actor, progress=progress)
    del built
    updated = skipped = 0
    in_scope = {tag: pk for tag, (pk, region) in registered.items()
                if region.startswith(actor.scope_prefix or "-")}
    if batch.duplicate_policy == DuplicatePolicy.UPDATE:
        changes = [(in_scope[row[0]], _merged(row)) for row in existing if row[0] in in_scope]
        result = bulk.update_elders(changes, actor=actor, detail=detail,
                                    progress=progress and (lambda n: progress(created + n)))
        updated = result.updated
        skipped = len(existing) - updated
    else:
        skipped = len(existing)
    batch.created_count, batch.updated_count, batch.skipped_count = created, updated, skipped
    batch.written_at = timezone.now()
    batch.save(update_fields=["created_count", "updated_count", "skipped_count", "written_at",
                              "last_updated"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=batch, region_code=batch.region_code,
                 changes={"created": created, "updated": updated, "skipped": skipped})
    _remove_files_after_write(batch)
    return _written_counts(batch)


def _written_counts(batch: ImportBatch) -> dict:
    return {"created": batch.created_count, "updated": batch.updated_count,
            "skipped": batch.skipped_count}


def _remove_files_after_write(batch: ImportBatch) -> None:
    staged = batch.staged_file
    job = batch.validate_job

    def remove():
        Path(staged).unlink(missing_ok=True)
        _remove_built(batch)
        if job is not None and job.input_file:
            job.input_file.storage.delete(job.input_file.name)

    transaction.on_commit(remove)


_AT = {name: i for i, name in enumerate(STAGED)}
_ID = _AT["id_number"]


def _registered(rows: list[list], hashes: dict[int, str]) -> dict[int, tuple[int, str]]:
    """Row number -> (elder id, village) for the rows registered now: the staged rows
    given, and the built ones (hashes: row number -> the ID number's blind index,
    computed by the check's builders)."""
    by_hash = {digest: tag for tag, digest in hashes.items()}
    by_hash.update({crypto.blind_index(ID_KIND, row[_ID]): row[0] for row in rows})
    digests = list(by_hash)
    found = {}
    select = "SELECT id_number_hash, id, region_id FROM elders_elder WHERE id_number_hash "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one array parameter: one plan, one round trip
            cursor.execute(select + "= ANY(%s)", [digests])
            hits = cursor.fetchall()
        else:
            hits = []
            for start in range(0, len(digests), _REGISTRY_CHUNK):
                chunk = digests[start:start + _REGISTRY_CHUNK]
                cursor.execute(select + f"IN ({', '.join(['%s'] * len(chunk))})", chunk)
                hits += cursor.fetchall()
    for digest, pk, region in hits:
        found[by_hash[digest]] = (pk, region)
    return found


_REGISTRY_CHUNK = 5000  # under SQLite's 32,766 parameters


def _value(row: list, name: str, default):
    value = row[_AT[name]]
    return default if value is None else value


def _contacts(row: list) -> list[ContactData] | None:
    name = row[_AT["contact_name"]]
    if not name:
        return None
    return [ContactData(name=name, relation=row[_AT["contact_relation"]] or "other",
                        phone=row[_AT["contact_phone"]])]


def new_elder_data(row: list) -> ElderData:
    """A staged row as the registry form's data, blank cells as the form's defaults."""
    return ElderData(
        name=row[_AT["name"]], id_number=row[_ID], sex=row[_AT["sex"]],
        birth_date=dt.date.fromisoformat(row[_AT["birth_date"]]), region_id=row[_AT["region"]],
        ethnicity=_value(row, "ethnicity", "汉族"), phone=_value(row, "phone", ""),
        address=_value(row, "address", ""), economic_status=_value(row, "economic_status", "none"),
        living_arrangement=_value(row, "living_arrangement", "with_family"),
        capability_level=row[_AT["capability_level"]], notes=_value(row, "notes", ""),
        contacts=_contacts(row) or [], **{flag: _value(row, flag, False) for flag in FLAG_KEYS})


def _merged(row: list):
    """The new data of a registered elder: the file's non-blank cells over what the
    registry holds (a blank cell changes nothing)."""

    def merge(elder) -> ElderData:
        current = {name: getattr(elder, name) for name in PLAIN_FIELDS}
        current.update(phone=elder.phone, address=elder.address, region_id=elder.region_id)
        for name in ("name", "ethnicity", "phone", "address", "economic_status", "living_arrangement",
                     "is_gugua", "is_sanlao", "is_youfu", "is_jisheng_special", "is_left_behind",
                     "capability_level", "notes"):
            if row[_AT[name]] is not None:
                current[name] = row[_AT[name]]
        current["region_id"] = row[_AT["region"]]
        current["sex"] = row[_AT["sex"]]
        current["birth_date"] = dt.date.fromisoformat(row[_AT["birth_date"]])
        return ElderData(id_number=row[_ID], contacts=_contacts(row), **current)

    return merge

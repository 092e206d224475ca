"""Writing many elders at once (ledger imports): the same rows, contacts, audit
entries and counts as services.create_elder/update_elder, written in bulk.

Every row is built by the services' own code (services._apply: sealing, masks, blind
indexes, name grams, pinyin key, town and county codes; services.audit_snapshot for
the history), and only the writing differs: COPY on PostgreSQL, executemany on
SQLite, instead of one INSERT per row and table. Call inside one transaction (the
caller's): a failure anywhere leaves nothing behind.
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import json
import logging
import multiprocessing
import pickle
import signal
import sqlite3
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from django.db import connection, models
from django.utils import timezone

from yiyang.core import audit, scoping
from yiyang.core.choices import Action, AuditAction
from yiyang.core.models import AuditLog
from yiyang.elders import services, stats
from yiyang.elders.models import Elder, EmergencyContact
from yiyang.elders.services import ElderData

log = logging.getLogger(__name__)
BATCH = 5000
# Columns services.update_elder changes, with the ones derived from them.
_UPDATED_COLUMNS = [f.column for f in Elder._meta.concrete_fields
                    if f.attname not in ("id", "created", "status", "status_date", "status_reason")]


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def create_elders(rows: Iterable[ElderData], *, actor, detail: str = "",
                  progress: Callable[[int], None] | None = None) -> int:
    """Add elders that are not registered yet (the caller checked the ID numbers)."""
    scoping.require(actor, Action.ADD)
    rows = list(rows)
    with tempfile.TemporaryDirectory() as folder, \
            Prebuilder(actor, detail, folder, expected=len(rows)) as builder:
        builder.add(list(enumerate(rows)))
        built = load_built(builder.finish())
    return create_built(built, actor=actor, progress=progress)


def create_built(built: Built, *, actor, progress: Callable[[int], None] | None = None) -> int:
    """Write new elders built beforehand (Prebuilder, possibly while a ledger was
    checked): only ids and the write's timestamps are added here.

    Rows are written in the order of the registry's pinyin indexes (village, initials,
    name), ids following that order: each index then takes its new entries in runs
    instead of one page read per entry."""
    scoping.require(actor, Action.ADD)
    records, built.records = built.records, []  # memory goes as rows are written
    total = len(records)
    records.sort(key=itemgetter(_ORDER))
    for region in {record[_REGION] for record in records}:
        _assert_in_scope(actor, region)
    ids = _reserve_ids(len(records))
    now = timezone.now()
    stamp = Elder._meta.get_field("created").get_db_prep_save(now, connection)
    at = AuditLog._meta.get_field("at").get_db_prep_save(now, connection)
    with _sqlite_write_mode() as name_index:
        for start in range(0, len(records), BATCH):
            pairs = list(zip(ids[start:start + BATCH], records[start:start + BATCH], strict=True))
            records[start:start + BATCH] = [None] * len(pairs)
            write_rows(Elder._meta.db_table, ELDER_COLUMNS,
                       [(pk, stamp, stamp, *r[_ELDER]) for pk, r in pairs])
            write_rows(EmergencyContact._meta.db_table, CONTACT_COLUMNS,
                       [(pk, stamp, stamp, *c) for pk, r in pairs for c in r[_CONTACTS]])
            write_rows(AuditLog._meta.db_table, AUDIT_COLUMNS,
                       [(str(pk), at, *r[_AUDIT]) for pk, r in pairs])
            name_index([(pk, r[_GRAMS]) for pk, r in pairs])
            if progress:
                progress(start + len(pairs))
            del pairs
    stats.apply_delta(built.counts)
    return total


def update_elders(changes: list[tuple[int, Callable[[Elder], ElderData]]], *, actor, detail: str = "",
                  progress: Callable[[int], None] | None = None) -> Written:
    """Change registered elders: changes are (elder id, function giving the new data
    from the current elder). Elders outside the actor's scope are refused (404) as in
    update_elder; an elder whose data does not change is left alone."""
    written = Written()
    now = timezone.now()
    counted = []
    for start in range(0, len(changes), BATCH):
        chunk = dict(changes[start:start + BATCH])
        elders = list(Elder.objects.restrict(actor, Action.CHANGE).select_for_update()
                      .filter(pk__in=list(chunk)).prefetch_related("contacts").order_by("pk"))
        if len(elders) != len(chunk):
            raise services.ScopeError
        changed, pairs, entries, new_contacts = [], [], [], []
        for elder in elders:
            before, counted_before = services.audit_snapshot(elder), stats.snapshot(elder)
            data = chunk[elder.pk](elder)
            services._apply(elder, data)
            contacts = _contacts_for(elder, data.contacts) if data.contacts is not None else None
            after = _created_snapshot(elder, contacts if contacts is not None
                                      else list(elder.contacts.all()))
            diff = audit.diff(before, after)
            if not diff:
                written.unchanged += 1
                continue
            _assert_in_scope(actor, elder.region_id)
            elder.last_updated = now
            changed.append(elder)
            pairs.append((counted_before, stats.snapshot(elder)))
            entries.append(_audit_entry(AuditAction.UPDATE, elder, diff, actor, detail, now))
            if contacts is not None:
                new_contacts.append((elder.pk, contacts))
        _update_rows(changed)
        _replace_contacts(new_contacts, now)
        _insert(AuditLog, entries, _row_of(AuditLog, now))
        counted += pairs
        written.updated += len(changed)
        if progress:
            progress(start + len(chunk))
    stats.apply_changes(counted)
    return written


# --- building rows with the services' code ----------------------------------------------
def _assert_in_scope(actor, region_id: str) -> None:
    services._assert_region_in_scope(actor, region_id)


def _contacts_for(elder: Elder, contacts) -> list[EmergencyContact]:
    rows = []
    for position, contact in enumerate(contacts, start=1):
        row = EmergencyContact(elder_id=elder.pk, name=contact.name, relation=contact.relation,
                               position=position)
        row.set_phone(contact.phone)
        rows.append(row)
    return rows


def _created_snapshot(elder: Elder, contacts: list) -> dict:
    """services.audit_snapshot(elder) as it reads after the write, without a query."""
    pk, elder.pk = elder.pk, None
    try:
        data = services.audit_snapshot(elder)
    finally:
        elder.pk = pk
    data["contacts"] = [f"{c.name}/{c.relation}/{c.phone_masked}" for c in contacts]
    return data


def _audit_entry(action: str, elder: Elder, changes: dict, actor, detail: str, now) -> AuditLog:
    """What audit.record() writes for the elder, outside a request (jobs have none)."""
    return AuditLog(at=now, actor=actor, actor_name=actor.get_username(), action=action,
                    object_type=elder._meta.label_lower, object_id=str(elder.pk),
                    object_repr=str(elder)[:200], region_code=elder.region_id, changes=changes,
                    detail=detail[:500])


# --- building new elders' rows with the model's and the services' own code -----------------
def _defaults(model) -> dict:
    """What model() holds before anything is set: each field's default."""
    return {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}


class _DraftElder:
    """Stands in for a new Elder while services._apply fills it through the model's own
    methods (sealing, masks, blind indexes, derived columns): the same values as an
    Elder instance, without the cost of a model instance per row."""

    pk = None
    _initial = _defaults(Elder)
    set_id_number = Elder.set_id_number
    set_phone = Elder.set_phone
    set_address = Elder.set_address
    _seal_phone = Elder._seal_phone
    refresh_derived = Elder.refresh_derived
    __str__ = Elder.__str__

    def __init__(self):
        self.__dict__.update(self._initial)


class _DraftContact:
    _initial = _defaults(EmergencyContact)
    set_phone = EmergencyContact.set_phone
    _seal_phone = EmergencyContact._seal_phone

    def __init__(self, **values):
        self.__dict__.update(self._initial, **values)


# A built new elder is a tuple: (tag, index order, ID number's blind index, village,
# elder columns, contacts' columns, history entry's columns, name grams, counted).
# The columns leave out what only the write knows: ids and the write's timestamps,
# which come first in the column lists below.
_ORDER, _HASH, _REGION, _ELDER, _CONTACTS, _AUDIT, _GRAMS, _COUNTED = range(1, 9)
HASH = _HASH
_WRITE_TIME = ("id", "created", "last_updated")


def _rest(model, leading: tuple) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.attname not in leading]


_ELDER_REST = [f.attname for f in _rest(Elder, _WRITE_TIME)]
_DATES = {f.attname for f in _rest(Elder, _WRITE_TIME)
          if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)}
# Short values that repeat from row to row (codes, villages, defaults): shared, see
# _Builder.share. Each other column passes as it is.
_REPEATING = {f.attname for f in _rest(Elder, _WRITE_TIME)
              if f.choices or f.attname in ("region_id", "town_code", "county_code", "ethnicity",
                                            "status_reason", "notes")}
_CONTACT_REST = [f.attname for f in _rest(EmergencyContact, (*_WRITE_TIME, "elder_id"))]
_AUDIT_REST = [f.attname for f in _rest(AuditLog, ("id", "object_id", "at"))]
ELDER_COLUMNS = [*_WRITE_TIME, *(Elder._meta.get_field(n).column for n in _ELDER_REST)]
CONTACT_COLUMNS = ["elder_id", "created", "last_updated",
                   *(EmergencyContact._meta.get_field(n).column for n in _CONTACT_REST)]
AUDIT_COLUMNS = ["object_id", "at", *(AuditLog._meta.get_field(n).column for n in _AUDIT_REST)]


class _Builder:
    """Turns ElderData into the column values of the elder, its contacts and its history
    entry, as create_elder, its contacts' save() and audit.record() would write them.
    Uses no database connection: it runs in forked processes for large imports."""

    def __init__(self, actor, detail: str):
        adapt_date = connection.ops.adapt_datefield_value
        self._shared: dict = {}
        share = self.share
        self._adapters = [adapt_date if name in _DATES else share if name in _REPEATING else None
                          for name in _ELDER_REST]
        self.entry = {"actor_id": actor.pk, "actor_name": actor.get_username(),
                      "action": str(AuditAction.CREATE), "object_type": Elder._meta.label_lower,
                      "detail": detail[:500], "ip_address": None, "request_id": ""}

    def share(self, value):
        """One object for each short repeated value (villages, codes, coded words):
        100,000 built rows then take a third less memory. Enum members become their
        plain value (smaller to store and load)."""
        if value.__class__ is not str and not isinstance(value, str) or len(value) > 12:
            return value
        return self._shared.setdefault(value, str(value))

    def records(self, tagged: list[tuple]) -> list[tuple]:
        return [self._record(tag, data) for tag, data in tagged]

    def _record(self, tag, data: ElderData) -> tuple:
        elder = _DraftElder()
        services._apply(elder, data)
        values = elder.__dict__
        columns = tuple(values[name] if adapt is None else adapt(values[name])
                        for name, adapt in zip(_ELDER_REST, self._adapters, strict=True))
        contacts = []
        for position, contact in enumerate(data.contacts or [], start=1):
            row = _DraftContact(name=contact.name, relation=contact.relation, position=position)
            row.set_phone(contact.phone)
            contacts.append(row)
        entry = dict(self.entry, object_repr=str(elder)[:200], region_code=self.share(elder.region_id),
                     changes=_compact_json(_created_snapshot(elder, contacts)))
        return (tag, (elder.region_id, elder.name_initials, elder.name), elder.id_number_hash,
                elder.region_id, columns,
                tuple(tuple(getattr(c, name) for name in _CONTACT_REST) for c in contacts),
                tuple(entry[name] for name in _AUDIT_REST), elder.name_grams, stats.snapshot(elder))


# The history entry's JSON as Django's JSONField reads it back, a sixth smaller than
# its default ASCII escapes of Chinese text (a million entries per county).
_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass
class Built:
    """New elders built for create_built, and the changes they make to the counts
    (summed by the builders: a county's import adds up a million keys)."""

    records: list[tuple] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, records: list[tuple]) -> Built:
        return cls(records, _counted(records))

    def __add__(self, other: Built) -> Built:
        counts = Counter(self.counts)
        counts.update(other.counts)
        return Built(self.records + other.records, counts)


def _counted(records: Iterable[tuple]) -> Counter:
    counts = Counter()
    for record in records:
        region, keys = record[_COUNTED]
        for key in keys:
            counts[region, key] += 1
    return counts


def build_records(actor, detail: str, tagged: list[tuple]) -> Built:
    """Built new elders for create_built, in this process: [(tag, ElderData), ...]."""
    return Built.of(_Builder(actor, detail).records(tagged))


# Large imports build their rows in forked processes (sealing and hashing cost more
# than checking a row): the ledger check hands its valid rows over as it goes, and on
# two cores the building overlaps the checking.
PARALLEL_FROM = 4000
BUILDERS = 2
CHUNK = 2000
_worker: _Builder | None = None  # inherited by the forked builders


def _die_with_parent() -> None:
    """A builder ends when its parent dies (a killed worker leaves no orphans)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG, Linux only
    except (AttributeError, OSError):
        pass


# A built file: a header (this version, the ID numbers' blind indexes by tag, the
# counts' changes), the records, then the items as handed in (read only when a caller
# needs them again). Files of another version are not read (load_built_hashes).
BUILT_VERSION = 2


def _build_to_file(tagged: list[tuple], path: str, convert=None) -> str:
    items = tagged
    if convert is not None:
        tagged = [(tag, convert(item)) for tag, item in tagged]
    records = _worker.records(tagged)
    header = {"version": BUILT_VERSION, "hashes": [(r[0], r[_HASH]) for r in records],
              "counts": _counted(records)}
    with paused_gc(), open(path, "wb") as handle:
        for part in (header, records, items):
            pickle.dump(part, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


class Prebuilder:
    """Builds new elders' rows ahead of their write, into files of `folder`:

        with Prebuilder(actor, detail, folder, expected=n) as builder:
            builder.add([(tag, ElderData), ...])   # as often as needed (or items that
                                                   # convert= turns into ElderData)
            paths = builder.finish()
        records = load_built(paths)                # later, maybe in another process

    From PARALLEL_FROM expected rows the chunks are built in forked processes while
    the caller goes on; they never touch the database connection."""

    def __init__(self, actor, detail: str, folder: Path, *, expected: int, convert=None):
        self._builder = _Builder(actor, detail)
        self._convert = convert  # item -> ElderData, run by the builders (a module-level function)
        self._folder = Path(folder)
        self._parallel = (expected >= PARALLEL_FROM
                          and "fork" in multiprocessing.get_all_start_methods())
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: list[tuple] = []
        self._built: list = []  # paths, or futures giving them

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _worker
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        _worker = None

    def add(self, tagged: list[tuple]) -> None:
        self._waiting += tagged
        while len(self._waiting) >= CHUNK:
            self._submit(self._waiting[:CHUNK])
            del self._waiting[:CHUNK]

    def finish(self) -> list[Path]:
        """Wait for every chunk; a builder that died raises here."""
        if self._waiting:
            self._submit(self._waiting)
            self._waiting = []
        return [Path(p if isinstance(p, str) else p.result()) for p in self._built]

    def _submit(self, tagged: list[tuple]) -> None:
        global _worker
        path = str(self._folder / f"built-{len(self._built):05d}.pickle")
        if not self._parallel:
            _worker = self._builder
            self._built.append(_build_to_file(tagged, path, self._convert))
            return
        if self._pool is None:
            _worker = self._builder
            self._pool = ProcessPoolExecutor(BUILDERS, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_die_with_parent)
        self._built.append(self._pool.submit(_build_to_file, tagged, path, self._convert))


@contextmanager
def paused_gc():
    """The cyclic garbage collector off while a bulk step makes millions of objects
    that live until it ends (rows, built records): each full collection would scan
    them all again, which cost seconds per import. Nothing here makes cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def built_files(folder: Path) -> list[Path]:
    return sorted(Path(folder).glob("built-*.pickle"))


def load_built_hashes(paths: Iterable[Path]) -> dict | None:
    """tag -> the ID number's blind index, for the records Prebuilder wrote; None if
    a file is of another version (written before an upgrade: build again)."""
    hashes = {}
    for path in paths:
        with open(path, "rb") as handle:
            header = pickle.load(handle)
        if not isinstance(header, dict) or header.get("version") != BUILT_VERSION:
            return None
        hashes.update(header["hashes"])
    return hashes


def load_built(paths: Iterable[Path], tags: set | None = None) -> Built:
    """The records Prebuilder wrote (files of our own private storage), only those
    of `tags` if given."""
    built = Built()
    for path in paths:
        with open(path, "rb") as handle:
            counts = pickle.load(handle)["counts"]
            chunk = pickle.load(handle)
        if tags is not None and not all(r[0] in tags for r in chunk):
            chunk = [r for r in chunk if r[0] in tags]
            counts = _counted(chunk)
        built.records += chunk
        built.counts.update(counts)
    return built


def load_built_items(paths: Iterable[Path], tags: set) -> list:
    """The items of `tags` as they were handed to Prebuilder.add (tag, item)."""
    found = []
    for path in paths:
        with open(path, "rb") as handle:
            pickle.load(handle)
            pickle.load(handle)
            found += [(tag, item) for tag, item in pickle.load(handle) if tag in tags]
    return found


SQLITE_WRITE_CACHE_KIB = 256 * 1024
_FTS_TRIGGER = "elders_name_fts_ai"


@contextmanager
def _sqlite_write_mode():
    """On SQLite, for the write: a larger page cache (the registry's indexes are several
    hundred MB at a million elders), and the name-search FTS rows inserted in batches
    instead of by the per-row trigger, which costs as much as all the indexes. The
    trigger is dropped and created again inside the import's transaction (we hold
    SQLite's only write lock): a rollback or a crash restores it. Yields a function
    taking (id, name grams) pairs."""
    if connection.vendor != "sqlite":
        yield lambda grams: None
        return
    with connection.cursor() as cursor:
        cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
        trigger = cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                                 [_FTS_TRIGGER]).fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_WRITE_CACHE_KIB}")
        if trigger:
            cursor.execute(f"DROP TRIGGER {_FTS_TRIGGER}")

        def name_index(grams):
            if trigger:
                cursor.executemany("INSERT INTO elders_name_fts(rowid, name_grams) VALUES (%s, %s)",
                                   grams)

        try:
            yield name_index
        finally:
            if trigger:
                cursor.execute(trigger[0])
            cursor.execute(f"PRAGMA cache_size = {int(cache)}")


@contextmanager
def checkpoint_in_background():
    """SQLite: the write inside commits without copying its write-ahead log into the
    database file; a thread of its own does that right after (PASSIVE: readers and
    writers go on meanwhile). A county-wide import dirties ≈ 500 MB of pages, and the
    commit's own checkpoint kept the job (and the person waiting for it) 1.5–2.5 s
    longer, mostly syncing the disk. The alarm intake leaves checkpoints to a thread
    for the same reason (alarms.asgi_intake). Call outside the write's transaction."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    raw.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        threading.Thread(target=_checkpoint, args=(connection.settings_dict["NAME"],),
                         name="yiyang-checkpoint", daemon=True).start()
        if connection.connection is raw:  # still the same connection
            raw.execute(f"PRAGMA wal_autocheckpoint = {int(previous)}")


def _checkpoint(path: str) -> None:
    try:
        with closing(sqlite3.connect(path, timeout=30)) as own:
            own.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error:  # the next commit's automatic checkpoint does it then
        log.warning("background checkpoint of %s failed", path, exc_info=True)


# --- writing -------------------------------------------------------------------------------
def _columns(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields
            if not (f.primary_key and model is not Elder)]


def _row_of(model, now) -> Callable:
    """A function turning an instance into the tuple of its column values, adapted as
    Django's own save() would (timestamps are the write's `now`)."""
    ops = connection.ops
    adapters = []
    for f in _columns(model):
        if isinstance(f, models.DateTimeField):
            # created, last_updated, at: the moment of the write, as auto_now would set.
            fixed = f.get_db_prep_save(now, connection)
            adapters.append(lambda obj, fixed=fixed: fixed)
        elif isinstance(f, models.DateField):
            adapters.append(lambda obj, a=f.attname: ops.adapt_datefield_value(getattr(obj, a)))
        elif isinstance(f, models.JSONField):
            adapters.append(lambda obj, a=f.attname: json.dumps(getattr(obj, a)))
        else:
            adapters.append(lambda obj, a=f.attname: getattr(obj, a))
    return lambda obj: tuple(adapt(obj) for adapt in adapters)


def _insert(model, objects: list, row_of: Callable) -> None:
    if not objects:
        return
    table = model._meta.db_table
    names = [f.column for f in _columns(model)]
    write_rows(table, names, (row_of(obj) for obj in objects))


def write_rows(table: str, columns: list[str], rows) -> int:
    """Insert tuples: COPY on PostgreSQL, executemany in batches elsewhere."""
    count = 0
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
        iterator = iter(rows)
        while batch := list(itertools.islice(iterator, BATCH)):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _reserve_ids(n: int) -> list[int]:
    """Primary keys for n new elders, taken from the table's own sequence so that
    later single inserts never collide with them."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence('elders_elder', 'id')) "
                           "FROM generate_series(1, %s)", [n])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so nobody
        # else takes ids between this read and the insert; AUTOINCREMENT never reuses
        # a deleted row's id, so start past the sequence too.
        cursor.execute("SELECT MAX(id) FROM elders_elder")
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = 'elders_elder'")
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + n))


def _update_rows(elders: list[Elder]) -> None:
    if not elders:
        return
    fields = [f for f in Elder._meta.concrete_fields if f.column in _UPDATED_COLUMNS]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE elders_elder SET {assignments} WHERE id = %s"
    rows = [tuple(f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields) + (e.pk,)
            for e in elders]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _replace_contacts(new_contacts: list[tuple[int, list]], now) -> None:
    if not new_contacts:
        return
    ids = [pk for pk, _ in new_contacts]
    for start in range(0, len(ids), 900):
        EmergencyContact.objects.filter(elder_id__in=ids[start:start + 900]).delete()
    rows = [c for _, contacts in new_contacts for c in contacts]
    _insert(EmergencyContact, rows, _row_of(EmergencyContact, now))


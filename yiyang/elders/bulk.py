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
import itertools
import json
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, models
from django.utils import timezone

from yiyang.core import audit, scoping
from yiyang.core.choices import Action, AuditAction
from yiyang.core.models import AuditLog
from yiyang.elders import services, stats
from yiyang.elders.models import Elder, EmergencyContact
from yiyang.elders.services import ElderData
from yiyang.lib.chinese import pinyin_initials

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
    """Add elders that are not registered yet (the caller checked the ID numbers).

    Rows are written in the order of the registry's pinyin indexes (village, initials,
    name), ids following that order: each index then takes its new entries in runs
    instead of one page read per entry. Large imports build their rows in a forked
    process (sealing is most of the cost) while this one writes them."""
    scoping.require(actor, Action.ADD)
    rows = sorted(rows, key=_index_order)
    for data in rows:
        _assert_in_scope(actor, data.region_id)
    ids = _reserve_ids(len(rows))
    builder = _Builder(actor, detail, timezone.now())
    done = 0
    counted = []
    with _sqlite_write_mode() as name_index:
        for chunk in _built_chunks(builder, rows, ids):
            write_rows(Elder._meta.db_table, builder.elder_columns, chunk.elders)
            write_rows(EmergencyContact._meta.db_table, builder.contact_columns, chunk.contacts)
            write_rows(AuditLog._meta.db_table, builder.audit_columns, chunk.audit)
            name_index(chunk.grams)
            counted += chunk.counted
            done += len(chunk.elders)
            if progress:
                progress(done)
    stats.apply_changes(counted)
    return done


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
def _index_order(data: ElderData) -> tuple[str, str, str]:
    name = data.name.strip()
    return data.region_id, pinyin_initials(name), name


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


@dataclass
class _Chunk:
    elders: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    audit: list = field(default_factory=list)
    grams: list = field(default_factory=list)  # (id, name grams) for SQLite's name index
    counted: list = field(default_factory=list)  # stats.snapshot pairs


class _Builder:
    """Turns ElderData into the column tuples of the elder, its contacts and its history
    entry, as create_elder, its contacts' save() and audit.record() would write them.
    Uses no database connection: it runs in a forked process for large imports."""

    def __init__(self, actor, detail: str, now):
        stamp = Elder._meta.get_field("created").get_db_prep_save(now, connection)
        self.adapt_date = connection.ops.adapt_datefield_value
        self.elder_fields = [(f.attname, isinstance(f, models.DateField)
                              and not isinstance(f, models.DateTimeField))
                             for f in Elder._meta.concrete_fields]
        self.elder_columns = [f.column for f in Elder._meta.concrete_fields]
        self.contact_columns = [f.column for f in _columns(EmergencyContact)]
        self.contact_names = [f.attname for f in _columns(EmergencyContact)]
        self.audit_columns = [f.column for f in _columns(AuditLog)]
        self.audit_names = [f.attname for f in _columns(AuditLog)]
        self.stamp = stamp
        self.entry = {"at": AuditLog._meta.get_field("at").get_db_prep_save(now, connection),
                      "actor_id": actor.pk, "actor_name": actor.get_username(),
                      "action": AuditAction.CREATE, "object_type": Elder._meta.label_lower,
                      "detail": detail[:500], "ip_address": None, "request_id": ""}

    def chunk(self, rows: list[ElderData], ids: list[int]) -> _Chunk:
        chunk = _Chunk()
        for data, pk in zip(rows, ids, strict=True):
            self._add(chunk, data, pk)
        return chunk

    def _add(self, chunk: _Chunk, data: ElderData, pk: int) -> None:
        elder = _DraftElder()
        services._apply(elder, data)
        elder.id = pk
        elder.created = elder.last_updated = self.stamp
        chunk.elders.append(tuple(self.adapt_date(getattr(elder, name)) if is_date
                                  else getattr(elder, name) for name, is_date in self.elder_fields))
        contacts = []
        for position, contact in enumerate(data.contacts or [], start=1):
            row = _DraftContact(elder_id=pk, name=contact.name, relation=contact.relation,
                                position=position, created=self.stamp, last_updated=self.stamp)
            row.set_phone(contact.phone)
            contacts.append(row)
            chunk.contacts.append(tuple(getattr(row, name) for name in self.contact_names))
        entry = dict(self.entry, object_id=str(pk), object_repr=str(elder)[:200],
                     region_code=elder.region_id,
                     changes=json.dumps(_created_snapshot(elder, contacts)))
        chunk.audit.append(tuple(entry[name] for name in self.audit_names))
        chunk.grams.append((pk, elder.name_grams))
        chunk.counted.append((None, stats.snapshot(elder)))


# Large imports build rows in forked processes while this one writes them (as the demo
# loader does): sealing and hashing cost more than the inserts, and on two cores the
# building then overlaps the writing.
PARALLEL_FROM = 4000
BUILDERS = 2
CHUNK = 2000
_IN_FLIGHT = 4  # chunks built ahead of the writer: bounds the memory held
_shared: tuple | None = None  # (builder, rows, ids), inherited by the forked builders


def _die_with_parent() -> None:
    """A builder ends when the writing process dies (a killed worker leaves no orphans)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG, Linux only
    except (AttributeError, OSError):
        pass


def _build_chunk(start: int) -> _Chunk:
    builder, rows, ids = _shared
    return builder.chunk(rows[start:start + CHUNK], ids[start:start + CHUNK])


def _built_chunks(builder: _Builder, rows: list[ElderData], ids: list[int]) -> Iterator[_Chunk]:
    global _shared
    starts = range(0, len(rows), CHUNK)
    _shared = (builder, rows, ids)
    try:
        if len(rows) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
            yield from map(_build_chunk, starts)
            return
        # The builders never touch the database connection (they exit with os._exit);
        # a builder that dies breaks the pool, which raises here: the write rolls back.
        with ProcessPoolExecutor(BUILDERS, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_die_with_parent) as pool:
            pending: deque = deque()
            for start in starts:
                pending.append(pool.submit(_build_chunk, start))
                if len(pending) >= _IN_FLIGHT:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        _shared = None


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


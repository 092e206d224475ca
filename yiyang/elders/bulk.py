"""Writing many elders at once (ledger imports): the same rows, contacts, audit
entries and counts as services.create_elder/update_elder, written in bulk.

Every row is built by the services' own code (services._apply: sealing, masks, blind
indexes, name grams, pinyin key, town and county codes; services.audit_snapshot for
the history), and only the writing differs: COPY on PostgreSQL, executemany on
SQLite, instead of one INSERT per row and table. Call inside one transaction (the
caller's): a failure anywhere leaves nothing behind.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, models
from django.utils import timezone

from yiyang.core import audit, scoping
from yiyang.core.choices import Action, AuditAction
from yiyang.core.models import AuditLog
from yiyang.elders import services, stats
from yiyang.elders.models import Elder, ElderCount, EmergencyContact
from yiyang.elders.services import ElderData

BATCH = 5000
SMALL = 500  # fewer elders than this: stats.apply_changes itself
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
    for data in rows:
        _assert_in_scope(actor, data.region_id)
    ids = _reserve_ids(len(rows))
    now = timezone.now()
    done = 0
    counted = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        elders, contacts = _built(chunk, ids[start:start + BATCH], now)
        _insert(Elder, elders, _row_of(Elder, now))
        _insert(EmergencyContact, [c for cs in contacts for c in cs], _row_of(EmergencyContact, now))
        _insert(AuditLog, [_audit_entry(AuditAction.CREATE, e, _created_snapshot(e, cs), actor,
                                        detail, now) for e, cs in _with_contacts(elders, contacts)],
                _row_of(AuditLog, now))
        counted += [(None, stats.snapshot(e)) for e in elders]
        done += len(chunk)
        if progress:
            progress(done)
    apply_counts(counted)
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
    apply_counts(counted)
    return written


def apply_counts(pairs) -> None:
    """stats.apply_changes for a bulk write, with the same sums, written in bulk.

    apply_changes costs one ORM round trip (or two) per (village, key) changed; a
    100,000-row ledger spread over a county changes ~10,000 of them, which took longer
    than writing the elders themselves. Below SMALL pairs it is called as it is."""
    if len(pairs) < SMALL:
        stats.apply_changes(pairs)
        return
    delta: Counter = Counter()
    for before, after in pairs:
        if before:
            delta.update({(before[0], key): -1 for key in before[1]})
        if after:
            delta.update({(after[0], key): 1 for key in after[1]})
    changed = {k: v for k, v in delta.items() if v}
    existing = set()
    regions = sorted({region for region, _key in changed})
    for start in range(0, len(regions), 500):
        existing.update(ElderCount.objects.filter(region_id__in=regions[start:start + 500])
                        .values_list("region_id", "key"))
    with connection.cursor() as cursor:
        cursor.executemany("UPDATE elders_eldercount SET count = count + %s WHERE region_id = %s "
                           "AND key = %s", [(n, r, k) for (r, k), n in changed.items()
                                            if (r, k) in existing])
    ElderCount.objects.bulk_create([ElderCount(region_id=r, key=k, count=n) for (r, k), n
                                    in changed.items() if (r, k) not in existing], batch_size=2000)


# --- building rows with the services' code ----------------------------------------------
def _assert_in_scope(actor, region_id: str) -> None:
    services._assert_region_in_scope(actor, region_id)


def _built(chunk: list[ElderData], ids: list[int], now) -> tuple[list[Elder], list]:
    elders, contacts = [], []
    for data, pk in zip(chunk, ids, strict=True):
        elder = Elder()
        services._apply(elder, data)
        elder.pk, elder.created, elder.last_updated = pk, now, now
        elders.append(elder)
        contacts.append(_contacts_for(elder, data.contacts or []))
    return elders, contacts


def _contacts_for(elder: Elder, contacts) -> list[EmergencyContact]:
    rows = []
    for position, contact in enumerate(contacts, start=1):
        row = EmergencyContact(elder_id=elder.pk, name=contact.name, relation=contact.relation,
                               position=position)
        row.set_phone(contact.phone)
        rows.append(row)
    return rows


def _with_contacts(elders: list[Elder], contacts: list[list]) -> list[tuple[Elder, list]]:
    return list(zip(elders, contacts, strict=True))


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


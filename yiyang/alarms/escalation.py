"""The escalation ladder: timers in the database, steps run by the ticker in batches.

While nobody has acknowledged an alarm: after ack_target_s the supervisor and the
community worker are notified, after neighbours_after_s the elder's mutual-aid
neighbours (邻里互助), after family_after_s the family, each in their set order. An
acknowledgement stops the ladder: the operator then dispatches help by hand.

Due steps are claimed many at a time with one `UPDATE … RETURNING` (on PostgreSQL
over `SELECT … FOR UPDATE SKIP LOCKED`), in the same transaction as their work, which
is a handful of statements for the whole batch: a crash leaves them all due, and two
runners never claim one step. A batch that fails is rolled back and its steps run
one by one, each in its own savepoint, so one bad step does not hold back the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

from asgiref.sync import async_to_sync
from django.db import connection, transaction
from django.db.models import Count, Max
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiyang.alarms import conf, events
from yiyang.alarms.choices import ActivityKind, AlarmStatus, NotificationStatus, RecipientKind
from yiyang.alarms.gateway import GatewayError, Message, gateway
from yiyang.alarms.models import Alarm, EscalationLadder, EscalationTimer, Notification
from yiyang.core import crypto
from yiyang.core.choices import Role
from yiyang.core.models import User
from yiyang.elders.choices import Relation
from yiyang.elders.models import EmergencyContact

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
LAST_STEP = 3
CACHE_S = 60
VERSION_CHECK_S = 2
RETRY_AFTER = dt.timedelta(seconds=10)
ESCALATED, PENDING = ActivityKind.ESCALATED.value, NotificationStatus.PENDING.value


@dataclass(frozen=True)
class Ladder:
    ack_target_s: int
    neighbours_after_s: int
    family_after_s: int
    supervisor_name: str = ""
    supervisor_phone_enc: str = ""
    supervisor_phone_masked: str = ""
    region_code: str = ""  # whose ladder it is; "" for the defaults

    def due_after(self, step: int) -> int:
        return {1: self.ack_target_s, 2: self.neighbours_after_s, 3: self.family_after_s}[step]

    @property
    def supervisor_phone(self) -> str:
        return crypto.unseal(self.supervisor_phone_enc)


@dataclass(frozen=True)
class Person:
    """Someone to notify, with the phone still sealed (copied, never decrypted here)."""

    kind: str
    name: str
    phone_enc: str = ""
    phone_masked: str = ""


def default_ladder() -> Ladder:
    return Ladder(conf.ACK_TARGET_S, conf.ESCALATE_NEIGHBOURS_S, conf.ESCALATE_FAMILY_S)


DEFAULT = default_ladder()
_ladders: dict[str, tuple[float, Ladder]] = {}
_workers: dict[str, tuple[float, list[Person]]] = {}
_version: dict[str, object] = {"checked": 0.0, "value": None}


def ancestor_codes(code: str) -> list[str]:
    """The region and its ancestors, nearest first (codes padded with zeros)."""
    return [code[:n].ljust(12, "0") for n in (12, 9, 6, 4, 2)]


def ladder_of(row: EscalationLadder | None) -> Ladder:
    if row is None:
        return DEFAULT
    return Ladder(row.ack_target_s, row.neighbours_after_s, row.family_after_s, row.supervisor_name,
                  row.supervisor_phone_enc, row.supervisor_phone_masked, row.region_id)


def ladder_for(region_code: str) -> Ladder:
    """The ladder that applies to a region: its own, else its nearest ancestor's, else
    the defaults. Cached per process; a change anywhere is noticed within
    VERSION_CHECK_S by one small query (so alarms opened after it use it)."""
    _check_version()
    hit = _ladders.get(region_code)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    rows = {row.region_id: row for row in EscalationLadder.objects.filter(
        region_id__in=ancestor_codes(region_code))}
    ladder = ladder_of(next((rows[c] for c in ancestor_codes(region_code) if c in rows), None))
    _ladders[region_code] = (time.monotonic() + CACHE_S, ladder)
    return ladder


def _check_version() -> None:
    now = time.monotonic()
    if now - _version["checked"] < VERSION_CHECK_S:
        return
    _version["checked"] = now
    value = tuple(EscalationLadder.objects.aggregate(n=Count("id"), at=Max("last_updated")).values())
    if value != _version["value"]:
        _version["value"] = value
        _ladders.clear()


def forget_ladders() -> None:
    _ladders.clear()
    _workers.clear()
    _version.update(checked=0.0, value=None)


def start(alarm: Alarm) -> None:
    ladder = ladder_for(alarm.region_id)
    EscalationTimer.objects.create(alarm=alarm, step=1,
                                   due_at=alarm.raised_at + dt.timedelta(seconds=ladder.ack_target_s))


# --- running due steps --------------------------------------------------------------
def run_due(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Claim up to `limit` due steps and run them as one batch (one transaction);
    returns how many steps ran (timers of alarms acknowledged meanwhile are claimed
    and dropped, and not counted)."""
    now = now or timezone.now()
    while True:
        try:
            with transaction.atomic():
                claimed = claim_due(now, limit)
                ran = run_batch(claimed, now) if claimed else 0
        except Exception:
            log.exception("a batch of escalation steps failed; running them one by one")
            return run_one_by_one(now, limit)
        if ran or len(claimed) < limit:  # a full batch of dropped timers: more may be due
            return ran


_CLAIM = ("UPDATE alarms_escalationtimer SET done_at = %s WHERE done_at IS NULL AND id IN ("
          "SELECT id FROM alarms_escalationtimer WHERE done_at IS NULL AND due_at <= %s "
          "ORDER BY due_at LIMIT %s{lock}) RETURNING id, alarm_id, step")


def claim_due(now: dt.datetime, limit: int) -> list[tuple[int, int, int]]:
    """Mark up to `limit` due timers done in one statement and return (id, alarm, step).
    Inside the caller's transaction: if its work fails, the timers are due again.
    PostgreSQL skips timers another runner has locked; SQLite has one writer at a time."""
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM.format(lock=lock), [at, at, limit])
        return [tuple(row) for row in cursor.fetchall()]


_ALARM_FIELDS = ("id", "seq", "type", "priority", "status", "region_id", "elder_id", "raised_at",
                 "event_count", "responder_name", "responder_accepted_at", "responder_arrived_at",
                 "elder__name", "region__name")


class _AlarmRow(SimpleNamespace):
    """An open alarm as the batch needs it (no model instances: a third of the cost)."""

    @property
    def pk(self) -> int:
        return self.id


def id_list(ids):
    """For `pk__in`: on PostgreSQL one array parameter (a short query text that psycopg
    parses once, not one placeholder per id), elsewhere the list."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))
    return list(ids)


def run_batch(claimed: list[tuple[int, int, int]], now: dt.datetime) -> int:
    """The work of many claimed steps: a few statements for the whole batch."""
    steps = {alarm_id: step for _, alarm_id, step in claimed}
    alarms = [_AlarmRow(**row) for row in Alarm.objects.select_for_update(of=("self",))
              .filter(pk__in=id_list(steps), status=AlarmStatus.OPEN).order_by("id").values(*_ALARM_FIELDS)]
    if not alarms:
        return 0
    contacts = _contacts([a.elder_id for a in alarms if steps[a.id] > 1])
    at = connection.ops.adapt_datetimefield_value(now)
    notes, activities, timers = [], [], []
    for alarm in alarms:
        step = steps[alarm.id]
        ladder = ladder_for(alarm.region_id)
        people = _recipients(alarm, step, ladder, contacts)
        notes += [_note_row(alarm.id, person, at) for person in people]
        detail = _step_detail(step, [p.name for p in people])
        activities.append((alarm.id, at, ESCALATED, "", detail))
        if step < LAST_STEP:
            due = alarm.raised_at + dt.timedelta(seconds=ladder.due_after(step + 1))
            timers.append((alarm.id, step + 1, connection.ops.adapt_datetimefield_value(due)))
    note_ids = insert_rows("alarms_notification", NOTE_COLUMNS, notes, returning=True)
    activity_ids = insert_rows("alarms_alarmactivity", ("alarm_id", "at", "kind", "actor_name", "detail"),
                               activities, returning=True)
    insert_rows("alarms_escalationtimer", ("alarm_id", "step", "due_at"), timers, ignore_conflicts=True)
    _mark_escalated(alarms, steps, activity_ids, at)
    _after_commit(note_ids, [events.summary_of(a, a.elder__name, a.region__name) for a in alarms])
    return len(alarms)


NOTE_COLUMNS = ("alarm_id", "kind", "name", "phone_enc", "phone_masked", "token", "status", "attempts",
                "error", "created")
INSERT_CHUNK = 500


def insert_rows(table: str, columns: tuple, rows: list[tuple], *, returning: bool = False,
                ignore_conflicts: bool = False) -> list[int]:
    """Multi-row INSERTs without a model instance per row; RETURNING id in row order
    (as Django's bulk_create relies on, on both backends). PostgreSQL: one array per
    column through unnest(), as bulk_create does there."""
    if not rows:
        return []
    tail = (" ON CONFLICT DO NOTHING" if ignore_conflicts else "") + (" RETURNING id" if returning else "")
    head = f"INSERT INTO {table} ({', '.join(columns)}) "
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{PG_TYPES[c]}[]" for c in columns)
            columns_of_rows = [list(col) for col in zip(*rows, strict=True)]
            cursor.execute(f"{head}SELECT * FROM unnest({arrays}){tail}", columns_of_rows)
            return [row[0] for row in cursor.fetchall()] if returning else []
        line = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for low in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[low:low + INSERT_CHUNK]
            cursor.execute(f"{head}VALUES {', '.join([line] * len(chunk))}{tail}",
                           [value for row in chunk for value in row])
            if returning:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


PG_TYPES = {"alarm_id": "bigint", "kind": "text", "name": "text", "phone_enc": "text",
            "phone_masked": "text", "token": "text", "status": "text", "attempts": "integer", "error": "text",
            "created": "timestamptz", "at": "timestamptz", "actor_name": "text", "detail": "text",
            "step": "integer", "due_at": "timestamptz"}


def _mark_escalated(alarms: list, steps: dict, activity_ids: list[int], at) -> None:
    rows = []
    for alarm, activity_id in zip(alarms, activity_ids, strict=True):
        alarm.escalation_step, alarm.seq = steps[alarm.id], activity_id
        rows.append((alarm.escalation_step, alarm.seq, at, alarm.id))
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # SQLite: in-process, no round trips
            cursor.executemany("UPDATE alarms_alarm SET escalation_step = %s, seq = %s, last_updated = %s "
                               "WHERE id = %s", rows)
            return
        cursor.execute("UPDATE alarms_alarm AS a SET escalation_step = v.step, seq = v.seq, "
                       "last_updated = %s FROM unnest(%s::smallint[], %s::bigint[], %s::bigint[]) "
                       "AS v(step, seq, id) WHERE a.id = v.id",
                       [at, [r[0] for r in rows], [r[1] for r in rows], [r[3] for r in rows]])


def _after_commit(note_ids: list[int], payloads: list) -> None:
    """One push per county for the whole batch, then the outbox."""
    if payloads:
        transaction.on_commit(lambda: async_to_sync(events.push_many)(payloads))
    if note_ids:
        transaction.on_commit(lambda: send_pending(ids=note_ids, limit=len(note_ids)))


def run_one_by_one(now: dt.datetime, limit: int) -> int:
    """The slow path after a failed batch: each step in its own savepoint."""
    due = list(EscalationTimer.objects.filter(done_at__isnull=True, due_at__lte=now)
               .order_by("due_at", "id").values_list("id", flat=True)[:limit])
    done = 0
    with transaction.atomic():
        for timer_id in due:
            try:
                done += run_timer(timer_id, now)
            except Exception:
                log.exception("escalation step %s failed; it stays due", timer_id)
    return done


def run_timer(timer_id: int, now: dt.datetime) -> bool:
    """Claim one due timer and run its step, in one transaction (a crash leaves it due)."""
    with transaction.atomic():
        if EscalationTimer.objects.filter(pk=timer_id, done_at__isnull=True).update(done_at=now) != 1:
            return False
        timer = EscalationTimer.objects.get(pk=timer_id)
        return run_batch([(timer.pk, timer.alarm_id, timer.step)], now) == 1


def _step_detail(step: int, names: list[str]) -> str:
    return (_("Step %(step)s: %(names)s") % {
        "step": step, "names": "、".join(names) or _("nobody to notify")})[:500]


def _recipients(alarm: Alarm, step: int, ladder: Ladder, contacts: dict[int, list]) -> list[Person]:
    if step == 1:
        supervisor = [Person(RecipientKind.SUPERVISOR, ladder.supervisor_name, ladder.supervisor_phone_enc,
                             ladder.supervisor_phone_masked)] if ladder.supervisor_name else []
        return supervisor + community_workers(alarm.region_id)
    neighbours = step == 2
    kind = RecipientKind.NEIGHBOUR if neighbours else RecipientKind.FAMILY
    return [Person(kind, name, enc, masked)
            for name, relation, enc, masked in contacts.get(alarm.elder_id, ())
            if (relation == Relation.NEIGHBOUR) == neighbours]


def recipients(alarm: Alarm, step: int, ladder: Ladder) -> list[Person]:
    """Who is notified at a step of the ladder (for one alarm)."""
    return _recipients(alarm, step, ladder, _contacts([alarm.elder_id]))


def _contacts(elder_ids: list[int]) -> dict[int, list]:
    """Each elder's contacts in their set order, in one query."""
    found: dict[int, list] = {}
    if not elder_ids:
        return found
    rows = (EmergencyContact.objects.filter(elder_id__in=id_list(set(elder_ids)))
            .order_by("elder_id", "position", "id")
            .values_list("elder_id", "name", "relation", "phone_enc", "phone_masked"))
    for elder_id, *contact in rows:
        found.setdefault(elder_id, []).append(contact)
    return found


def community_workers(region_code: str) -> list[Person]:
    """The village's workers, else the town's, with their phones (cached for a minute)."""
    hit = _workers.get(region_code)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    workers = [Person(RecipientKind.WORKER, str(u), u.phone_enc, u.phone_masked)
               for u in community_users(region_code)]
    _workers[region_code] = (time.monotonic() + CACHE_S, workers)
    return workers


def community_users(region_code: str) -> list[User]:
    """The active village workers of a village, else its town's workers."""
    village = list(User.objects.filter(role=Role.VILLAGE_WORKER, scope_region_id=region_code,
                                       is_active=True).order_by("id"))
    return village or list(User.objects.filter(
        role=Role.TOWN_WORKER, scope_region_id=region_code[:9] + "000", is_active=True).order_by("id"))


def _note_row(alarm_id: int, person: Person, at) -> tuple:
    return (alarm_id, str(person.kind), person.name[:60], person.phone_enc, person.phone_masked,
            secrets.token_urlsafe(32), PENDING, 1, "", at)


def notify(alarm: Alarm, people: list[tuple[str, str, str]]) -> list[Notification]:
    """Notifications to (kind, name, phone) written now, sent after commit."""
    created = []
    for kind, name, phone in people:
        note = Notification(alarm=alarm, kind=kind, name=name[:60], token=secrets.token_urlsafe(32),
                            attempts=1)
        note.set_phone(phone)
        note.save()
        created.append(note)
    if created:
        transaction.on_commit(lambda: send_pending(ids=[n.pk for n in created]))
    return created


# --- the outbox -------------------------------------------------------------------------
@cache
def _respond_path() -> str:
    return reverse("alarms:respond", args=["TOKEN"])


def response_link(note) -> str:
    return conf.PUBLIC_BASE_URL.rstrip("/") + _respond_path().replace("TOKEN", note.token)


ASKED_TO_GO = (RecipientKind.NEIGHBOUR, RecipientKind.FAMILY, RecipientKind.HELPER)


class Texts:
    """The messages' wording in zh-hans, looked up once per send."""

    def __init__(self):
        with translation.override("zh-hans"):
            self.template = _("[Yiyang] %(type)s alarm: %(elder)s, %(place)s. %(ask)s %(link)s")
            self.go = _("Please go and see, and tell us here:")
            self.wait = _("Nobody has answered it yet.")
            self.types = {value: str(label) for value, label in Alarm._meta.get_field("type").choices}

    def of(self, note, alarm_type: str, elder: str, place: str) -> str:
        return self.template % {
            "type": self.types.get(alarm_type, alarm_type), "elder": elder, "place": place,
            "ask": self.go if note.kind in ASKED_TO_GO else self.wait, "link": response_link(note)}


@cache
def texts() -> Texts:
    return Texts()


def text_of(note: Notification) -> str:
    alarm = note.alarm
    return texts().of(note, alarm.type, alarm.elder.name, alarm.region.name)


_CLAIM_RETRIES = ("UPDATE alarms_notification SET attempts = attempts + 1 WHERE status = %s AND id IN ("
                  "SELECT id FROM alarms_notification WHERE status = %s AND created < %s ORDER BY id "
                  "LIMIT %s{lock}) RETURNING id")


_SEND_FIELDS = ("id", "kind", "name", "phone_enc", "token", "attempts", "alarm_id", "alarm__type",
                "alarm__elder__name", "alarm__region__name")


def send_pending(ids: list[int] | None = None, limit: int = 100) -> int:
    """Send notifications waiting in the outbox: the given fresh ones (written with
    their first attempt counted, by the transaction that created them, so sending
    them needs no claim of its own), or up to `limit` retries, each attempt claimed
    first (all in one statement) so two runners never send the same one. Results are
    written back in one statement per outcome."""
    claimed = _claim_retries(limit) if ids is None else list(ids)
    if not claimed:
        return 0
    wording, backend = texts(), gateway()
    sent, failed = [], []
    rows = Notification.objects.filter(pk__in=id_list(claimed), status=NotificationStatus.PENDING)
    for row in rows.order_by("id").values(*_SEND_FIELDS):
        note = SimpleNamespace(**row)
        message = Message(to=crypto.unseal(note.phone_enc), name=note.name, kind=note.kind,
                          text=wording.of(note, note.alarm__type, note.alarm__elder__name,
                                        note.alarm__region__name),
                          link=response_link(note), alarm=note.alarm_id)
        try:
            backend.send(message)
            sent.append(note.id)
        except GatewayError as exc:
            failed.append((note, str(exc)[:200]))
    Notification.objects.filter(pk__in=id_list(sent)).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), error="")
    for note, error in failed:
        gave_up = note.attempts >= MAX_ATTEMPTS
        Notification.objects.filter(pk=note.id).update(
            status=NotificationStatus.FAILED if gave_up else NotificationStatus.PENDING, error=error)
    return len(sent)


def _claim_retries(limit: int) -> list[int]:
    """Count a further attempt for up to `limit` notifications still pending after
    RETRY_AFTER (a fresh one is being sent after its step's commit), and return them."""
    pending = NotificationStatus.PENDING.value
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    older = connection.ops.adapt_datetimefield_value(timezone.now() - RETRY_AFTER)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM_RETRIES.format(lock=lock), [pending, pending, older, limit])
        return [row[0] for row in cursor.fetchall()]

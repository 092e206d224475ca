"""The escalation ladder: timers in the database, steps run by the ticker.

While nobody has acknowledged an alarm: after ack_target_s the supervisor and the
community worker are notified, after neighbours_after_s the elder's mutual-aid
neighbours (邻里互助), after family_after_s the family, each in their set order. An
acknowledgement stops the ladder: the operator then dispatches help by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiyang.alarms import conf, events
from yiyang.alarms.choices import ActivityKind, AlarmStatus, NotificationStatus, RecipientKind
from yiyang.alarms.gateway import GatewayError, Message, gateway
from yiyang.alarms.models import Alarm, AlarmActivity, EscalationLadder, EscalationTimer, Notification
from yiyang.core.choices import Role
from yiyang.core.models import User
from yiyang.elders.choices import Relation

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
LAST_STEP = 3


@dataclass(frozen=True)
class Ladder:
    ack_target_s: int
    neighbours_after_s: int
    family_after_s: int
    supervisor_name: str = ""
    supervisor_phone: str = ""

    def due_after(self, step: int) -> int:
        return {1: self.ack_target_s, 2: self.neighbours_after_s, 3: self.family_after_s}[step]


DEFAULT = Ladder(conf.ACK_TARGET_S, conf.ESCALATE_NEIGHBOURS_S, conf.ESCALATE_FAMILY_S)
_ladders: dict[str, tuple[float, Ladder]] = {}


def ancestor_codes(code: str) -> list[str]:
    """The region and its ancestors, nearest first (codes padded with zeros)."""
    return [code[:n].ljust(12, "0") for n in (12, 9, 6, 4, 2)]


def ladder_for(region_code: str) -> Ladder:
    hit = _ladders.get(region_code)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    rows = {row.region_id: row for row in EscalationLadder.objects.filter(
        region_id__in=ancestor_codes(region_code))}
    row = next((rows[c] for c in ancestor_codes(region_code) if c in rows), None)
    ladder = DEFAULT if row is None else Ladder(
        row.ack_target_s, row.neighbours_after_s, row.family_after_s, row.supervisor_name,
        row.supervisor_phone)
    _ladders[region_code] = (time.monotonic() + 60, ladder)
    return ladder


def forget_ladders() -> None:
    _ladders.clear()
    _workers.clear()


def start(alarm: Alarm) -> None:
    ladder = ladder_for(alarm.region_id)
    EscalationTimer.objects.create(alarm=alarm, step=1,
                                   due_at=alarm.raised_at + dt.timedelta(seconds=ladder.ack_target_s))


# --- running due steps --------------------------------------------------------------
def run_due(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Run up to `limit` due steps in one transaction (one commit), each in its own
    savepoint: a step that fails stays due and does not hold back the others."""
    now = now or timezone.now()
    due = list(EscalationTimer.objects.filter(done_at__isnull=True, due_at__lte=now)
               .order_by("due_at").values_list("id", flat=True)[:limit])
    done = 0
    with transaction.atomic():
        for timer_id in due:
            try:
                done += run_timer(timer_id, now)
            except Exception:
                log.exception("escalation step %s failed; it stays due", timer_id)
    return done


def run_timer(timer_id: int, now: dt.datetime) -> bool:
    """Claim a due timer and run its step, in one transaction (a crash leaves it due)."""
    with transaction.atomic():
        if EscalationTimer.objects.filter(pk=timer_id, done_at__isnull=True).update(done_at=now) != 1:
            return False
        timer = EscalationTimer.objects.get(pk=timer_id)
        alarm = (Alarm.objects.select_for_update(of=("self",))
                 .select_related("elder", "region", "acknowledged_by").get(pk=timer.alarm_id))
        if alarm.status != AlarmStatus.OPEN:
            return False
        _escalate(alarm, timer.step, now)
    return True


def _escalate(alarm: Alarm, step: int, now: dt.datetime) -> None:
    ladder = ladder_for(alarm.region_id)
    names = [n.name for n in notify(alarm, recipients(alarm, step, ladder))]
    detail = _("Step %(step)s: %(names)s") % {
        "step": step, "names": "、".join(names) or _("nobody to notify")}
    activity = AlarmActivity.objects.create(alarm=alarm, at=now, kind=ActivityKind.ESCALATED, detail=detail)
    alarm.escalation_step, alarm.seq = step, activity.pk
    alarm.save(update_fields=["escalation_step", "seq", "last_updated"])
    if step < LAST_STEP:
        EscalationTimer.objects.create(
            alarm=alarm, step=step + 1,
            due_at=alarm.raised_at + dt.timedelta(seconds=ladder.due_after(step + 1)))
    events.publish_on_commit(events.summary(alarm))


def recipients(alarm: Alarm, step: int, ladder: Ladder) -> list[tuple[str, str, str]]:
    """(kind, name, phone) to notify at a step of the ladder."""
    if step == 1:
        people = [(RecipientKind.SUPERVISOR, ladder.supervisor_name, ladder.supervisor_phone)] \
            if ladder.supervisor_name else []
        return people + [(RecipientKind.WORKER, str(u), "") for u in community_workers(alarm.region_id)]
    contacts = alarm.elder.contacts.order_by("position", "id")
    if step == 2:
        contacts = contacts.filter(relation=Relation.NEIGHBOUR)
        kind = RecipientKind.NEIGHBOUR
    else:
        contacts = contacts.exclude(relation=Relation.NEIGHBOUR)
        kind = RecipientKind.FAMILY
    return [(kind, c.name, c.phone) for c in contacts]


_workers: dict[str, tuple[float, list]] = {}


def community_workers(region_code: str) -> list[User]:
    """The village's workers, else the town's (cached for a minute)."""
    hit = _workers.get(region_code)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    workers = _community_workers(region_code)
    _workers[region_code] = (time.monotonic() + 60, workers)
    return workers


def _community_workers(region_code: str) -> list[User]:
    village = list(User.objects.filter(role=Role.VILLAGE_WORKER, scope_region_id=region_code,
                                       is_active=True))
    return village or list(User.objects.filter(
        role=Role.TOWN_WORKER, scope_region_id=region_code[:9] + "000", is_active=True))


def notify(alarm: Alarm, people: list[tuple[str, str, str]]) -> list[Notification]:
    created = []
    for kind, name, phone in people:
        note = Notification(alarm=alarm, kind=kind, name=name[:60], token=secrets.token_urlsafe(32))
        note.set_phone(phone)
        note.save()
        created.append(note)
    if created:
        transaction.on_commit(lambda: send_pending(ids=[n.pk for n in created]))
    return created


# --- the outbox -------------------------------------------------------------------------
def response_link(note: Notification) -> str:
    return conf.PUBLIC_BASE_URL.rstrip("/") + reverse("alarms:respond", args=[note.token])


def text_of(note: Notification) -> str:
    alarm = note.alarm
    with translation.override("zh-hans"):
        return _("[Yiyang] %(type)s alarm: %(elder)s, %(place)s. %(ask)s %(link)s") % {
            "type": alarm.get_type_display(), "elder": alarm.elder.name, "place": alarm.region.name,
            "ask": _("Please go and see, and tell us here:") if note.kind in (
                RecipientKind.NEIGHBOUR, RecipientKind.FAMILY, RecipientKind.HELPER)
            else _("Nobody has answered it yet."),
            "link": response_link(note),
        }


def send_pending(ids: list[int] | None = None, limit: int = 100) -> int:
    """Send notifications waiting in the outbox; each attempt is claimed first, so
    two runners never send the same attempt."""
    qs = Notification.objects.filter(status=NotificationStatus.PENDING)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    sent = 0
    for note in qs.select_related("alarm", "alarm__elder", "alarm__region").order_by("id")[:limit]:
        sent += _send_one(note)
    return sent


def _send_one(note: Notification) -> bool:
    claimed = Notification.objects.filter(pk=note.pk, status=NotificationStatus.PENDING,
                                          attempts=note.attempts).update(attempts=note.attempts + 1)
    if not claimed:
        return False
    message = Message(to=note.phone, name=note.name, kind=note.kind, text=text_of(note),
                      link=response_link(note), alarm=note.alarm_id)
    try:
        gateway().send(message)
    except GatewayError as exc:
        failed = note.attempts + 1 >= MAX_ATTEMPTS
        status = NotificationStatus.FAILED if failed else NotificationStatus.PENDING
        Notification.objects.filter(pk=note.pk).update(status=status, error=str(exc)[:200])
        return False
    Notification.objects.filter(pk=note.pk).update(status=NotificationStatus.SENT, sent_at=timezone.now(),
                                                   error="")
    return True

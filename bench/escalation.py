"""`yiyang bench escalation`: how fast a backlog of due escalation steps is worked off.

A server restarted after some minutes finds every unacknowledged alarm's steps due at
once. The bench opens N alarms an hour old (each with a neighbour and a relative, its
village with a community worker, the county with a ladder and a supervisor), so all
three steps of each are due in turn: 3 × N steps. It runs `escalation.run_due` (what
the ticker calls) until no step is due and reports steps per second, notifications
written and sent (log gateway, its output silenced), and checks that every step ran
exactly once. `--runners 2` runs two runners at once (threads, each with its own
database connection, as two server processes would claim timers).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
from types import SimpleNamespace

from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone

from bench.common import BenchError
from yiyang.alarms import escalation
from yiyang.alarms.choices import ActivityKind
from yiyang.alarms.models import Alarm, AlarmActivity, EscalationLadder, EscalationTimer, Notification

HELP = "a backlog of due escalation steps (3 per alarm) worked off by run_due; steps/s"
COUNTY = "990202000000"
CHUNK = 2000


def add_arguments(parser) -> None:
    parser.add_argument("--alarms", type=int, default=4_000,
                        help="unacknowledged alarms an hour old: 3 due steps each (default 4,000)")
    parser.add_argument("--batch", type=int, default=500,
                        help="steps claimed per run_due call (default 500; the ticker uses 10)")
    parser.add_argument("--runners", type=int, default=1, help="runners at once (default 1)")


def size(options: dict) -> int:
    if options["alarms"] < 1 or options["batch"] < 1 or options["runners"] < 1:
        raise BenchError("--alarms, --batch and --runners must be positive")
    return options["alarms"]


def run(options: dict, log=print) -> dict:
    prepare(options["alarms"], log)
    open_alarms(options["alarms"])
    logging.getLogger("yiyang.alarms.notify").setLevel(logging.ERROR)
    escalation.forget_ladders()
    escalation.texts()
    escalation.response_link(SimpleNamespace(token="warm-up"))  # URLconf, as in a running server
    log(f"Running {3 * options['alarms']:,} due steps on {connection.vendor}, batch {options['batch']}, "
        f"{options['runners']} runner(s); load average {_load()}")
    started = time.perf_counter()
    per_runner = work_off(options["batch"], options["runners"])
    seconds = time.perf_counter() - started
    steps = AlarmActivity.objects.filter(kind=ActivityKind.ESCALATED).count()
    result = {
        "bench": "escalation", "backend": connection.vendor, "alarms": options["alarms"],
        "batch": options["batch"], "runners": options["runners"], "steps": steps,
        "seconds": round(seconds, 2), "steps_per_s": round(steps / seconds, 1),
        "steps_per_runner": per_runner,
        "notifications": Notification.objects.count(),
        "sent": Notification.objects.filter(status="sent").count(),
        "steps_run_twice": _run_twice(), "steps_not_run": _not_run(),
        "load_average": _load(),
    }
    log(json.dumps(result))
    return result


def work_off(batch: int, runners: int) -> list[int]:
    counts = [0] * runners

    def runner(index: int) -> None:
        try:
            while True:
                done = escalation.run_due(limit=batch)
                counts[index] += done
                if not done and not _due():
                    return
        finally:
            connections.close_all()

    if runners == 1:
        runner(0)
        return counts
    threads = [threading.Thread(target=runner, args=(i,)) for i in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def _due() -> bool:
    return EscalationTimer.objects.filter(done_at__isnull=True, due_at__lte=timezone.now()).exists()


def _run_twice() -> int:
    per_step = (AlarmActivity.objects.filter(kind=ActivityKind.ESCALATED)
                .values("alarm_id", "detail").annotate(n=Count("id")).filter(n__gt=1))
    return per_step.count()


def _not_run() -> int:
    return Alarm.objects.exclude(escalation_step=3).count()


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the bench database ------------------------------------------------------------------
def prepare(alarms: int, log) -> None:
    from yiyang.elders.models import Elder

    call_command("migrate", verbosity=0)
    if not EscalationLadder.objects.filter(region_id=COUNTY).exists():
        _county()
    have = Elder.objects.filter(region__code__startswith=COUNTY[:6]).count()
    if have < alarms:
        log(f"Adding {alarms - have:,} elders with a neighbour and a relative each…")
        _elders(have, alarms)
    with connection.cursor() as cursor:
        for table in ("alarms_notification", "alarms_escalationtimer", "alarms_alarmactivity",
                      "alarms_alarm"):
            cursor.execute(f"DELETE FROM {table}")


def _county() -> None:
    from yiyang.core.choices import RegionLevel, Role
    from yiyang.core.models import Region, User

    county = Region.objects.create(code=COUNTY, name="升级县", level=RegionLevel.COUNTY)
    for t in range(4):
        town = Region.objects.create(code=f"990202{100 + t:03d}000", name=f"升级{t + 1}镇",
                                     level=RegionLevel.TOWN, parent=county)
        for v in range(5):
            village = Region.objects.create(code=f"{town.code[:9]}{201 + v:03d}",
                                            name=f"升级{t + 1}-{v + 1}村", level=RegionLevel.VILLAGE,
                                            parent=town)
            worker = User(username=f"bench-worker-{village.code}", role=Role.VILLAGE_WORKER,
                          scope_region=village, full_name=f"专干{t + 1}-{v + 1}")
            worker.set_phone(f"1390000{t:02d}{v:02d}")
            worker.save()
    ladder = EscalationLadder(region=county, supervisor_name="值班主任")
    ladder.set_supervisor_phone("13800000000")
    ladder.save()


def _elders(start: int, end: int) -> None:
    from yiyang.core.models import Region
    from yiyang.elders.models import Elder, EmergencyContact
    from yiyang.lib import idcard

    villages = list(Region.objects.filter(code__startswith=COUNTY[:6], level=5)
                    .values_list("code", flat=True))
    for low in range(start, end, CHUNK):
        elders = []
        for i in range(low, min(low + CHUNK, end)):
            born = dt.date(1935, 1, 1) + dt.timedelta(days=i // 500)
            elder = Elder(name=f"升级{i}", sex="F", birth_date=born, region_id=villages[i % len(villages)],
                          living_arrangement="alone")
            elder.set_id_number(idcard.make("990202", born, i % 500 * 2))
            elder.refresh_derived()
            elders.append(elder)
        Elder.objects.bulk_create(elders)
        contacts = []
        for elder in elders:
            for position, (relation, name) in enumerate((("neighbour", "邻居"), ("daughter", "女儿")), 1):
                contact = EmergencyContact(elder=elder, name=f"{name}{elder.pk}", relation=relation,
                                           position=position)
                contact.set_phone(f"137{elder.pk % 100_000_000:08d}")
                contacts.append(contact)
        EmergencyContact.objects.bulk_create(contacts)


def open_alarms(count: int) -> None:
    from yiyang.elders.models import Elder

    raised = timezone.now() - dt.timedelta(hours=1)
    elders = list(Elder.objects.filter(region__code__startswith=COUNTY[:6]).order_by("id")
                  .values_list("id", "region_id")[:count])
    for low in range(0, len(elders), CHUNK):
        rows = [Alarm(type="sos", priority=1, elder_id=pk, region_id=region, raised_at=raised,
                      occurred_at=raised, last_event_at=raised) for pk, region in elders[low:low + CHUNK]]
        Alarm.objects.bulk_create(rows)
    due = raised + dt.timedelta(seconds=60)
    timers = [EscalationTimer(alarm_id=pk, step=1, due_at=due)
              for pk in Alarm.objects.values_list("id", flat=True)]
    EscalationTimer.objects.bulk_create(timers, batch_size=CHUNK)
    with connection.cursor() as cursor:  # statistics, as a database in service has them
        cursor.execute("ANALYZE")

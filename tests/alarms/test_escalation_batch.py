"""Escalation in batches: many due steps claimed by one statement and run together,
each exactly once; community workers reached by phone through the gateway; a failing
step does not hold back the others; and an alarm opened after a ladder change
escalates by the new ladder."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.alarms.helpers import event, make_device, post_event
from tests.fixtures import county_fixture  # noqa: F401
from yiyang.alarms import escalation, ladders
from yiyang.alarms.ladders import LadderData
from yiyang.alarms.models import Alarm, EscalationTimer, Notification
from yiyang.core.testing import COUNTY, VILLAGE_A1
from yiyang.elders.models import EmergencyContact

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


@pytest.fixture
def gateway(monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(escalation, "gateway", lambda: recorder)
    escalation.forget_ladders()
    yield recorder
    escalation.forget_ladders()


def open_alarms(county, count: int, raised: dt.datetime) -> list[Alarm]:
    elder = county.elders["a1"]
    alarms = Alarm.objects.bulk_create([
        Alarm(type=kind, priority=1, elder=elder, region_id=elder.region_id, raised_at=raised,
              occurred_at=raised, last_event_at=raised)
        for kind in ["sos", "fall", "smoke", "gas", "water"][:count]])
    EscalationTimer.objects.bulk_create([EscalationTimer(alarm=a, step=1, due_at=raised + dt.timedelta(
        seconds=60)) for a in alarms])
    return alarms


def test_a_backlog_runs_in_one_batch_each_step_once(county, gateway, django_capture_on_commit_callbacks):
    worker = county.users["village"]
    worker.set_phone("13655556666")
    worker.save()
    elder = county.elders["a1"]
    EmergencyContact.objects.create(elder=elder, name="邻居张大妈", relation="neighbour", position=0,
                                    phone_enc="", phone_masked="")
    ladders.save_ladder(COUNTY, LadderData(60, 120, 180, "主管王", "13800001111"),
                        actor=county.users["admin"])
    alarms = open_alarms(county, 5, timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation.run_due(limit=500) == 5
    assert escalation.run_due(limit=500) == 5  # step 2, now due too
    assert escalation.run_due(limit=500) == 5  # step 3
    assert escalation.run_due(limit=500) == 0
    for alarm in Alarm.objects.filter(pk__in=[a.pk for a in alarms]):
        escalated = list(alarm.activities.filter(kind="escalated").values_list("detail", flat=True))
        assert len(escalated) == 3 and alarm.escalation_step == 3
        assert alarm.seq == alarm.activities.order_by("-id").first().pk
    assert EscalationTimer.objects.filter(done_at__isnull=True).count() == 0
    by_phone = {(m.kind, m.name, m.to) for m in gateway.sent}
    assert ("worker", "village", "13655556666") in by_phone  # the community worker, by phone now
    assert ("supervisor", "主管王", "13800001111") in by_phone
    note = Notification.objects.filter(kind="worker").first()
    assert note.phone_masked == "136****6666" and note.status == "sent"


def test_a_claimed_step_is_not_claimed_again(county):
    open_alarms(county, 2, timezone.now() - dt.timedelta(minutes=5))
    now = timezone.now()
    first = escalation.claim_due(now, 10)
    assert len(first) == 2
    assert escalation.claim_due(now, 10) == []


def test_a_failing_step_stays_due_and_does_not_hold_back_the_others(county, gateway, monkeypatch):
    alarms = open_alarms(county, 3, timezone.now() - dt.timedelta(minutes=5))
    broken = alarms[1].pk
    real = escalation._recipients

    def recipients(alarm, *args):
        if alarm.pk == broken:
            raise RuntimeError("bad data")
        return real(alarm, *args)

    monkeypatch.setattr(escalation, "_recipients", recipients)
    assert escalation.run_due(limit=500) == 2
    assert EscalationTimer.objects.get(alarm_id=broken, step=1).done_at is None
    assert Alarm.objects.get(pk=broken).escalation_step == 0
    monkeypatch.setattr(escalation, "_recipients", real)
    escalation.run_due(limit=500)  # with the others' second steps, due by now
    assert Alarm.objects.get(pk=broken).escalation_step == 1


def test_acknowledged_alarms_are_dropped_not_escalated(county, gateway):
    alarms = open_alarms(county, 2, timezone.now() - dt.timedelta(minutes=5))
    Alarm.objects.filter(pk=alarms[0].pk).update(status="acknowledged")
    assert escalation.run_due(limit=500) == 1
    assert not Notification.objects.filter(alarm_id=alarms[0].pk).exists()


def test_an_alarm_opened_after_a_change_escalates_by_the_new_ladder(county, client, gateway):
    admin = county.users["admin"]
    ladders.save_ladder(COUNTY, LadderData(60, 180, 300, "主管王", "13800001111"), actor=admin)
    _, key = make_device(county)
    before = Alarm.objects.get(pk=post_event(client, key, event("sos")).json()["alarm"])
    assert EscalationTimer.objects.get(alarm=before).due_at == before.raised_at + dt.timedelta(seconds=60)
    ladders.save_ladder(VILLAGE_A1, LadderData(20, 40, 90, "村主管", "13900009999"), actor=admin)
    after = Alarm.objects.get(pk=post_event(client, key, event("fall")).json()["alarm"])
    timer = EscalationTimer.objects.get(alarm=after)
    assert timer.due_at == after.raised_at + dt.timedelta(seconds=20)
    with time_machine.travel(after.raised_at + dt.timedelta(seconds=21), tick=False):
        assert escalation.run_due() == 1  # the new alarm only: the older one is due at 60 s
    assert set(Notification.objects.filter(alarm=after).values_list("kind", "name")) == {
        ("supervisor", "村主管"), ("worker", "village")}
    assert EscalationTimer.objects.get(alarm=after, step=2).due_at == after.raised_at + dt.timedelta(
        seconds=40)

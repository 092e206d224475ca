"""The alarm workflow: one acknowledgement wins, calls and helpers on the timeline,
the phone page's first acceptance, closing with an outcome, escalation timers kept in
the database (and resumed by any runner), notifications through the gateways."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from tests.alarms.helpers import event, make_device, post_event, town_b_operator
from tests.fixtures import county_fixture  # noqa: F401
from yiyang.alarms import conf, escalation, services
from yiyang.alarms.choices import AlarmStatus
from yiyang.alarms.gateway import Message, WebhookGateway
from yiyang.alarms.models import Alarm, EscalationLadder, EscalationTimer, Notification
from yiyang.alarms.ticker import Ticker
from yiyang.core.choices import Role
from yiyang.core.models import AuditLog
from yiyang.core.testing import make_user
from yiyang.elders.models import EmergencyContact

pytestmark = pytest.mark.django_db


@pytest.fixture
def alarm(county, client):
    elder = county.elders["a1"]
    EmergencyContact.objects.create(elder=elder, name="邻居张大妈", relation="neighbour", position=0,
                                    **_phone("13700002222"))
    escalation.forget_ladders()
    _, key = make_device(county)
    return Alarm.objects.get(pk=post_event(client, key, event("sos")).json()["alarm"])


def _phone(number: str) -> dict:
    contact = EmergencyContact()
    contact.set_phone(number)
    return {"phone_enc": contact.phone_enc, "phone_hash": contact.phone_hash,
            "phone_masked": contact.phone_masked}


def test_one_acknowledgement_wins(county, alarm):
    first, second = county.users["operator"], make_user("operator2", Role.OPERATOR, county.regions[
        "372025000000"].code)
    assert services.acknowledge(alarm.pk, actor=first) is True
    assert services.acknowledge(alarm.pk, actor=second) is False
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.ACKNOWLEDGED and alarm.acknowledged_by == first
    assert AuditLog.objects.filter(object_id=str(alarm.pk), detail="acknowledged").count() == 1


def test_an_operator_of_another_town_cannot_touch_it(county, alarm):
    with pytest.raises(Http404):
        services.acknowledge(alarm.pk, actor=town_b_operator())
    with pytest.raises(Http404):
        services.acknowledge(alarm.pk, actor=county.users["town"])  # no HANDLE_ALARMS


def test_the_whole_workflow_and_the_phone_page(county, alarm, client, django_capture_on_commit_callbacks):
    operator = county.users["operator"]
    services.acknowledge(alarm.pk, actor=operator)
    services.log_call(alarm.pk, actor=operator, callee="王秀英", result="no_answer")
    neighbour = alarm.elder.contacts.get(relation="neighbour")
    with django_capture_on_commit_callbacks(execute=True):
        note = services.dispatch_helper(alarm.pk, actor=operator, contact_pk=neighbour.pk)
    assert note.kind == "neighbour" and note.phone == "13700002222"
    assert Notification.objects.get(pk=note.pk).status == "sent"  # the log gateway, after commit
    page = client.get(f"/alarms/r/{note.token}/")
    assert page.status_code == 200 and "王秀英" in page.content.decode()
    client.post(f"/alarms/r/{note.token}/", {"action": "accept"})
    alarm.refresh_from_db()
    assert alarm.responder_name == "邻居张大妈" and alarm.responder_accepted_at is not None
    other = services.dispatch_helper(alarm.pk, actor=operator, name="刘师傅", phone="13600003333")
    services.respond(other.token, "accept")
    alarm.refresh_from_db()
    assert alarm.responder_name == "邻居张大妈"  # the first acceptance stays the one shown
    services.respond(note.token, "arrive")
    services.close_alarm(alarm.pk, actor=operator, outcome="helper_attended", note="摔倒, 已扶起")
    alarm.refresh_from_db()
    assert (alarm.status, alarm.outcome) == ("closed", "helper_attended")
    kinds = list(alarm.activities.values_list("kind", flat=True))
    assert kinds == ["raised", "acknowledged", "call", "dispatched", "accepted", "dispatched", "accepted",
                     "arrived", "closed"]
    assert alarm.seq == alarm.activities.order_by("-id").first().pk
    with pytest.raises(services.AlarmConflict):
        services.close_alarm(alarm.pk, actor=operator, outcome="other", note="again")
    assert client.get("/alarms/r/not-a-token/").status_code == 404


def test_escalation_runs_from_the_database_and_stops_when_acknowledged(county, alarm):
    EscalationLadder(region_id="372025000000", ack_target_s=30, neighbours_after_s=90,
                     family_after_s=150, supervisor_name="主管王").save()
    escalation.forget_ladders()
    EscalationTimer.objects.all().delete()
    escalation.start(alarm)
    timer = EscalationTimer.objects.get()
    assert timer.due_at == alarm.raised_at + dt.timedelta(seconds=30)
    assert escalation.run_due(alarm.raised_at + dt.timedelta(seconds=29)) == 0
    # A new runner (as after a restart) finds the due step in the database.
    with time_machine.travel(alarm.raised_at + dt.timedelta(seconds=31), tick=False):
        done = Ticker().tick()
    assert done["escalated"] == 1
    assert set(Notification.objects.values_list("kind", "name")) == {
        ("supervisor", "主管王"), ("worker", "village")}  # the village worker of 东岭村
    with time_machine.travel(alarm.raised_at + dt.timedelta(seconds=91), tick=False):
        assert escalation.run_due() == 1
    assert Notification.objects.filter(kind="neighbour").count() == 1
    services.acknowledge(alarm.pk, actor=county.users["operator"])
    with time_machine.travel(alarm.raised_at + dt.timedelta(seconds=151), tick=False):
        assert escalation.run_due() == 0
    assert not Notification.objects.filter(kind="family").exists()
    alarm.refresh_from_db()
    assert alarm.escalation_step == 2


def test_a_claimed_timer_runs_once(county, alarm):
    later = alarm.raised_at + dt.timedelta(seconds=conf.ACK_TARGET_S + 1)
    timer = EscalationTimer.objects.get()
    assert escalation.run_timer(timer.pk, later) is True
    assert escalation.run_timer(timer.pk, later) is False


class _Hook(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(_Hook.status)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_webhook_gateway_posts_json_and_reports_failures():
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        hook = WebhookGateway(f"http://127.0.0.1:{server.server_port}/sms", 5)
        hook.send(Message(to="13700002222", name="张大妈", kind="neighbour", text="请前往", link="http://x/r/t/",
                          alarm=7))
        assert _Hook.received[-1]["to"] == "13700002222" and _Hook.received[-1]["alarm"] == 7
        _Hook.status = 500
        with pytest.raises(Exception, match="500"):
            hook.send(Message(to="", name="", kind="worker", text="", link="", alarm=7))
    finally:
        _Hook.status = 200
        server.shutdown()


def test_a_failing_gateway_keeps_the_notification_pending(county, alarm, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    monkeypatch.setattr(conf, "NOTIFY_BACKEND", "webhook")
    monkeypatch.setattr(conf, "NOTIFY_WEBHOOK_URL", "http://127.0.0.1:9/unreachable")
    with django_capture_on_commit_callbacks(execute=True):
        note = services.dispatch_helper(alarm.pk, actor=county.users["operator"], name="刘师傅",
                                        phone="13600003333")
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("pending", 1) and note.error
    assert timezone.now() >= note.created

"""Escalation ladders: validation, which ladder applies (own or inherited), who may
see and change them (role × region; outside the scope is a 404), the audit log, the
page and the API, and users' phone numbers for the community workers."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import translation

from tests.fixtures import API, county_fixture  # noqa: F401
from yiyang.alarms import escalation, ladders
from yiyang.alarms.forms import LadderForm
from yiyang.alarms.ladders import LadderData
from yiyang.alarms.models import EscalationLadder
from yiyang.core.choices import RegionLevel, Role
from yiyang.core.models import ApiToken, AuditLog, Region
from yiyang.core.testing import COUNTY, TOWN_A, TOWN_B, VILLAGE_A1, make_user

pytestmark = pytest.mark.django_db
OTHER_COUNTY = "372026000000"


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages asserted in English (zh-hans is the default language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def form(**values) -> LadderForm:
    data = {"ack_target_s": 60, "neighbours_after_s": 180, "family_after_s": 300,
            "supervisor_name": "主管王", "supervisor_phone": "13800001111", **values}
    return LadderForm(data)


def data(**values) -> LadderData:
    return LadderData(**{"ack_target_s": 30, "neighbours_after_s": 90, "family_after_s": 150,
                         "supervisor_name": "主管王", "supervisor_phone": "13800001111", **values})


def other_admin():
    Region.objects.get_or_create(code=OTHER_COUNTY, defaults={"name": "外县", "level": RegionLevel.COUNTY})
    return make_user("admin_other", Role.BUREAU_ADMIN, OTHER_COUNTY)


# --- validation ------------------------------------------------------------------------
def test_it_accepts_a_sound_ladder():
    assert form().is_valid()


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"ack_target_s": 0}, "ack_target_s", "greater than or equal to 1"),
    ({"ack_target_s": -5}, "ack_target_s", "greater than or equal to 1"),
    ({"family_after_s": "soon"}, "family_after_s", "whole number"),
    ({"neighbours_after_s": 30}, "neighbours_after_s", "at least 60 s"),
    ({"family_after_s": 120}, "family_after_s", "at least 180 s"),
    ({"family_after_s": 90_000}, "family_after_s", "less than or equal to 86400"),
    ({"supervisor_phone": "12345"}, "supervisor_phone", "11-digit mobile number"),
    ({"supervisor_name": ""}, "supervisor_name", "name with the phone"),
    ({"supervisor_phone": ""}, "supervisor_phone", "needs a phone number"),
])
def test_it_refuses_a_bad_ladder_with_a_clear_message(values, field, message):
    bad = form(**values)
    assert not bad.is_valid()
    assert message in " ".join(bad.errors[field])


def test_a_stored_phone_is_kept_when_the_field_is_left_empty():
    kept = LadderForm({"ack_target_s": 60, "neighbours_after_s": 60, "family_after_s": 60,
                       "supervisor_name": "主管王", "supervisor_phone": ""}, has_phone=True)
    assert kept.is_valid()  # equal times are allowed: the steps then run together


# --- inheritance -------------------------------------------------------------------------
def test_a_region_follows_its_nearest_ancestor_and_inherits_again_after_a_delete(county):
    admin = county.users["admin"]
    village = county.regions[VILLAGE_A1]
    assert ladders.applied(village).source is None  # the defaults
    ladders.save_ladder(COUNTY, data(), actor=admin)
    ladders.save_ladder(TOWN_A, data(ack_target_s=20, neighbours_after_s=40, family_after_s=80), actor=admin)
    now = ladders.applied(village)
    assert now.inherited and now.source.code == TOWN_A and now.ladder.ack_target_s == 20
    assert escalation.ladder_for(VILLAGE_A1).ack_target_s == 20
    assert escalation.ladder_for("372025101201").ack_target_s == 30  # town B: the county's
    after = ladders.delete_ladder(TOWN_A, actor=admin)
    assert after.source.code == COUNTY and after.ladder.ack_target_s == 30
    assert escalation.ladder_for(VILLAGE_A1).ack_target_s == 30
    children = ladders.applied_to_children(county.regions[COUNTY], ladders.applied(county.regions[COUNTY]),
                                           [county.regions[TOWN_A], county.regions[TOWN_B]])
    assert [(c.inherited, c.source.code) for c in children] == [(True, COUNTY), (True, COUNTY)]


# --- scoping ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("user", "code", "status"), [
    ("admin", COUNTY, 200), ("admin", VILLAGE_A1, 200),
    ("operator", COUNTY, 200), ("town", TOWN_A, 200), ("town", VILLAGE_A1, 200),
    ("town", TOWN_B, 404), ("town", COUNTY, 404), ("village", VILLAGE_A1, 200), ("village", TOWN_A, 404),
    ("provider", COUNTY, 404), ("caregiver", COUNTY, 404), ("family", COUNTY, 404),
    ("volunteer", COUNTY, 404), ("admin_other", COUNTY, 404), ("admin_other", VILLAGE_A1, 404),
])
def test_who_sees_which_ladder_page(county, client, user, code, status):
    client.force_login(other_admin() if user == "admin_other" else county.users[user])
    assert client.get(f"/alarms/ladders/{code}/").status_code == status


@pytest.mark.parametrize("user", ["operator", "town", "village", "provider", "admin_other"])
def test_only_the_bureau_admin_of_the_area_changes_a_ladder(county, client, user):
    actor = other_admin() if user == "admin_other" else county.users[user]
    client.force_login(actor)
    posted = client.post(f"/alarms/ladders/{VILLAGE_A1}/", {
        "ack_target_s": 10, "neighbours_after_s": 20, "family_after_s": 30})
    assert posted.status_code == 404
    assert not EscalationLadder.objects.exists()
    with pytest.raises(Http404):
        ladders.save_ladder(VILLAGE_A1, data(), actor=actor)


# --- the page ------------------------------------------------------------------------------
def test_the_page_creates_edits_and_deletes_a_ladder(county, client):
    client.force_login(county.users["admin"])
    page = client.get(f"/alarms/ladders/{TOWN_A}/").content.decode()
    assert "ladder-form" in page and "东岭村" in page
    bad = client.post(f"/alarms/ladders/{TOWN_A}/", {
        "ack_target_s": 120, "neighbours_after_s": 60, "family_after_s": 300,
        "supervisor_name": "主管李", "supervisor_phone": "13900002222"})
    assert bad.status_code == 200 and "at least 120 s" in bad.content.decode()
    assert not EscalationLadder.objects.exists()  # nothing half-written
    good = client.post(f"/alarms/ladders/{TOWN_A}/", {
        "ack_target_s": 45, "neighbours_after_s": 120, "family_after_s": 240,
        "supervisor_name": "主管李", "supervisor_phone": "13900002222"}, follow=True)
    shown = good.content.decode()
    assert "139****2222" in shown and "13900002222" not in shown
    row = EscalationLadder.objects.get(region_id=TOWN_A)
    assert (row.ack_target_s, row.supervisor_phone) == (45, "13900002222")
    client.post(f"/alarms/ladders/{TOWN_A}/delete/")
    assert not EscalationLadder.objects.exists()


def test_changes_and_reveals_are_audited_with_the_phone_masked(county, client):
    admin = county.users["admin"]
    row, created = ladders.save_ladder(COUNTY, data(), actor=admin)
    entry = AuditLog.objects.get(action="create", object_type="alarms.escalationladder")
    assert created and entry.actor == admin and entry.region_code == COUNTY
    assert entry.changes["supervisor_phone"] == [None, "138****1111"]
    ladders.save_ladder(COUNTY, data(ack_target_s=40, supervisor_phone=None), actor=admin)
    change = AuditLog.objects.get(action="update", object_id=str(row.pk))
    assert change.changes == {"ack_target_s": [30, 40]}  # the phone was kept
    assert EscalationLadder.objects.get().supervisor_phone == "13800001111"
    client.force_login(county.users["operator"])
    revealed = client.post(f"/alarms/ladders/{COUNTY}/reveal/")
    assert "13800001111" in revealed.content.decode()
    assert AuditLog.objects.filter(action="reveal", actor=county.users["operator"],
                                   detail="supervisor_phone").count() == 1
    ladders.delete_ladder(COUNTY, actor=admin)
    assert AuditLog.objects.filter(detail="escalation ladder deleted", object_id=str(row.pk)).exists()


def test_a_community_workers_phone_is_set_masked_and_audited(county, client):
    client.force_login(county.users["admin"])
    village_worker = county.users["village"]
    bad = client.post(f"/alarms/ladders/{VILLAGE_A1}/workers/{village_worker.pk}/phone/",
                      {"worker-phone": "555"}, follow=True)
    assert "11-digit mobile number" in bad.content.decode()
    client.post(f"/alarms/ladders/{VILLAGE_A1}/workers/{village_worker.pk}/phone/",
                {"worker-phone": "13611112222"})
    village_worker.refresh_from_db()
    assert village_worker.phone == "13611112222" and village_worker.phone_masked == "136****2222"
    assert AuditLog.objects.get(object_type="core.user", action="update").changes == {
        "phone": ["", "136****2222"]}
    page = client.get(f"/alarms/ladders/{VILLAGE_A1}/").content.decode()
    assert "136****2222" in page and "13611112222" not in page
    # Another county's admin cannot touch this county's workers.
    client.force_login(other_admin())
    assert client.post(f"/alarms/ladders/{OTHER_COUNTY}/workers/{village_worker.pk}/phone/",
                       {"worker-phone": "13611113333"}).status_code == 404


# --- the API -------------------------------------------------------------------------------
def bearer(user) -> dict:
    return {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"}


def test_the_api_lists_creates_updates_and_deletes(county, client):
    admin = bearer(county.users["admin"])
    listed = client.get(f"{API}/alarms/ladders", headers=admin).json()
    assert [(r["region"], r["own"], r["source"]) for r in listed] == [
        (COUNTY, False, None), (TOWN_A, False, None), (TOWN_B, False, None)]
    body = {"region": TOWN_A, "ack_target_s": 30, "neighbours_after_s": 90, "family_after_s": 150,
            "supervisor_name": "主管王", "supervisor_phone": "13800001111"}
    created = client.post(f"{API}/alarms/ladders", body, content_type="application/json", headers=admin)
    assert created.status_code == 201, created.content
    assert created.json()["supervisor_phone"] == "138****1111" and created.json()["own"] is True
    again = client.post(f"{API}/alarms/ladders", body, content_type="application/json", headers=admin)
    assert again.status_code == 409
    village = client.get(f"{API}/alarms/ladders/{VILLAGE_A1}", headers=admin).json()
    assert (village["own"], village["source"], village["ack_target_s"]) == (False, TOWN_A, 30)
    bad = client.put(f"{API}/alarms/ladders/{TOWN_A}", {**body, "family_after_s": 10},
                     content_type="application/json", headers=admin)
    assert bad.status_code == 400 and "at least 90 s" in bad.json()["errors"]["family_after_s"][0]
    keep_phone = {**body, "ack_target_s": 15, "supervisor_phone": ""}
    changed = client.put(f"{API}/alarms/ladders/{TOWN_A}", keep_phone,
                         content_type="application/json", headers=admin)
    assert changed.status_code == 200 and changed.json()["ack_target_s"] == 15
    assert EscalationLadder.objects.get().supervisor_phone == "13800001111"
    assert client.put(f"{API}/alarms/ladders/{TOWN_B}", body, content_type="application/json",
                      headers=admin).status_code == 404  # inherits: create it with POST
    deleted = client.delete(f"{API}/alarms/ladders/{TOWN_A}", headers=admin)
    assert deleted.status_code == 200 and deleted.json()["own"] is False
    assert AuditLog.objects.filter(object_type="alarms.escalationladder").count() == 3


@pytest.mark.parametrize("user", ["operator", "town", "provider", "admin_other"])
def test_the_api_is_scoped(county, client, user):
    actor = other_admin() if user == "admin_other" else county.users[user]
    headers = bearer(actor)
    ladders.save_ladder(TOWN_A, data(), actor=county.users["admin"])
    body = {"ack_target_s": 30, "neighbours_after_s": 90, "family_after_s": 150}
    assert client.put(f"{API}/alarms/ladders/{TOWN_A}", body, content_type="application/json",
                      headers=headers).status_code == 404
    assert client.delete(f"{API}/alarms/ladders/{TOWN_A}", headers=headers).status_code == 404
    seen = client.get(f"{API}/alarms/ladders/{TOWN_A}", headers=headers).status_code
    assert seen == (200 if user in ("operator", "town") else 404)
    assert EscalationLadder.objects.get().ack_target_s == 30

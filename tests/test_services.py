"""Registry writes: status changes, history of changes, scope re-checked inside services."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.http import Http404
from django.urls import reverse

from tests.fixtures import (  # noqa: F401
    api_fixture,
    county_fixture,
    db_state,
    fields_of,
    form_post,
    raw_text,
)
from yiyang.core.choices import AuditAction
from yiyang.core.models import AuditLog
from yiyang.core.testing import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, elder_data
from yiyang.elders import services, stats
from yiyang.elders.choices import ElderStatus
from yiyang.elders.models import Elder
from yiyang.elders.services import ContactData, ScopeError
from yiyang.lib import masking


def _data_of(elder: Elder, **changes) -> services.ElderData:
    fields = fields_of(elder)
    data = services.ElderData(
        name=fields["name"], id_number=fields["id_number"], sex=fields["sex"],
        birth_date=elder.birth_date, region_id=elder.region_id, phone=fields["phone"],
        address=fields["address"], economic_status=elder.economic_status,
        living_arrangement=elder.living_arrangement, capability_level=elder.capability_level,
        contacts=[ContactData(**c) for c in fields["contacts"]],
    )
    return dataclasses.replace(data, **changes)


def _list_names(client, **params) -> list[str]:
    response = client.get(reverse("elders:list"), params)
    assert response.status_code == 200
    return [e.name for e in response.context["page"].rows]


def _history(elder: Elder, action: str) -> AuditLog:
    return AuditLog.objects.filter(object_id=str(elder.pk), action=action).latest("id")


# --- moved away / deceased ---------------------------------------------------------------
def test_it_takes_a_deceased_elder_off_the_active_list_but_keeps_them(county, client):
    elder = county.elders["a1"]
    client.force_login(county.users["town"])
    day = dt.date.today() - dt.timedelta(days=3)
    response = client.post(reverse("elders:status", args=[elder.pk]), {
        "status": ElderStatus.DECEASED, "date": day.isoformat(), "reason": "病故",
    })
    assert response.status_code == 302
    assert response["Location"] == reverse("elders:detail", args=[elder.pk])

    assert _list_names(client) == ["张建国"]
    assert _list_names(client, status="deceased") == ["王秀英"]
    assert sorted(_list_names(client, status="all")) == sorted(["张建国", "王秀英"])
    assert _list_names(client, status="moved") == []
    assert _list_names(client, q="王秀英") == []
    assert _list_names(client, q="王秀英", status="all") == ["王秀英"]

    elder.refresh_from_db()
    assert (elder.status, elder.status_date, elder.status_reason) == ("deceased", day, "病故")
    detail = client.get(reverse("elders:detail", args=[elder.pk]))
    assert detail.status_code == 200
    entry = detail.context["history"][0]
    assert entry.action == AuditAction.STATUS
    assert entry.changes["status"] == ["active", "deceased"]
    assert entry.changes["status_date"] == [None, day.isoformat()]
    assert entry.changes["status_reason"] == ["", "病故"]
    assert "病故" in detail.content.decode()
    assert stats.summary(VILLAGE_A1[:9])["total"] == 1


def test_it_marks_an_elder_moved_through_the_api_and_back(county, api):
    elder = county.elders["b1"]
    caller = api(county.users["town_b"])
    today = dt.date.today()
    response = caller.post(f"/elders/{elder.pk}/status",
                           {"status": "moved", "date": today.isoformat(), "reason": "随子女迁往济南"})
    assert response.status_code == 200
    assert response.json()["status"] == "moved"
    assert [e["name"] for e in caller.get("/elders").json()["results"]] == ["赵德明"]
    assert [e["name"] for e in caller.get("/elders", status="moved").json()["results"]] == ["李桂兰"]
    assert caller.get("/elders", status="all").json()["count"] == 2
    assert caller.get(f"/elders/{elder.pk}").status_code == 200

    response = caller.post(f"/elders/{elder.pk}/status",
                           {"status": "active", "date": today.isoformat(), "reason": "迁回"})
    assert response.json()["status_date"] is None
    assert caller.get("/elders").json()["count"] == 2
    changes = [e.changes["status"] for e in AuditLog.objects.filter(
        object_id=str(elder.pk), action=AuditAction.STATUS).order_by("id")]
    assert changes == [["active", "moved"], ["moved", "active"]]


# --- history of changes ------------------------------------------------------------------
def test_it_records_each_change_with_personal_values_masked(county, client):
    elder = county.elders["a1"]
    old_id = elder.id_number
    client.force_login(county.users["town"])
    fields = fields_of(elder) | {
        "phone": "13900007777", "address": "石门村五组3号", "region": VILLAGE_A2,
        "economic_status": "dibao", "capability_level": "3",
    }
    fields["contacts"] = [{"name": "王芳", "relation": "daughter", "phone": "13655556666"}]
    response = client.post(reverse("elders:edit", args=[elder.pk]),
                           form_post(fields, initial_contacts=1))
    assert response.status_code == 302

    entry = _history(elder, AuditAction.UPDATE)
    assert entry.actor == county.users["town"] and entry.actor_name == "town"
    assert entry.ip_address == "127.0.0.1" and entry.request_id
    assert entry.changes == {
        "phone": ["138****5678", "139****7777"],
        "address": [masking.mask_address("东岭村三组12号"), masking.mask_address("石门村五组3号")],
        "region": [VILLAGE_A1, VILLAGE_A2],
        "economic_status": ["none", "dibao"],
        "capability_level": [None, 3],
        "contacts": [["李建国/son/139****1111"], ["王芳/daughter/136****6666"]],
    }
    audit_table = raw_text("core_auditlog")
    for plain in ("13900007777", "石门村五组3号", "13655556666", "13812345678", old_id):
        assert plain not in audit_table
    detail = client.get(reverse("elders:detail", args=[elder.pk])).content.decode()
    assert "139****7777" in detail and "13900007777" not in detail


def test_it_masks_a_changed_id_number_in_the_history(county):
    elder = county.elders["a2"]
    new_id = "110101194007010017"  # born 1940-07-01, male, like a2
    services.update_elder(elder, _data_of(elder, id_number=new_id), actor=county.users["town"])
    entry = _history(elder, AuditAction.UPDATE)
    assert entry.changes == {"id_number": [county.elders["a2"].id_number_masked,
                                           "110101********0017"]}
    assert new_id not in raw_text("core_auditlog")
    assert Elder.objects.get(pk=elder.pk).id_number == new_id


def test_it_writes_no_history_when_nothing_changed(county):
    elder = county.elders["a1"]
    before = AuditLog.objects.count()
    services.update_elder(elder, _data_of(elder), actor=county.users["town"])
    assert AuditLog.objects.count() == before


# --- scope re-checked inside the services -----------------------------------------------
def test_it_refuses_to_create_outside_the_actors_scope(county):
    before = db_state(*county.elders.values())
    with pytest.raises(ScopeError):
        services.create_elder(elder_data(VILLAGE_B1, name="孙玉兰"), actor=county.users["town"])
    assert db_state(*county.elders.values()) == before


def test_it_refuses_to_move_an_elder_out_of_the_actors_scope(county):
    elder = county.elders["a1"]
    before = db_state(*county.elders.values())
    with pytest.raises(ScopeError):
        services.update_elder(elder, _data_of(elder, region_id=VILLAGE_B1),
                              actor=county.users["town"])
    assert db_state(*county.elders.values()) == before


@pytest.mark.parametrize("role", ["town_b", "village"])
def test_it_refuses_to_change_an_elder_outside_the_actors_scope(county, role):
    elder = county.elders["a2"]  # town A, village A2
    before = db_state(*county.elders.values())
    with pytest.raises(ScopeError):
        services.update_elder(elder, _data_of(elder, notes="x"), actor=county.users[role])
    with pytest.raises(ScopeError):
        services.set_status(elder, "deceased", on=dt.date.today(), reason="x",
                            actor=county.users[role])
    assert db_state(*county.elders.values()) == before


@pytest.mark.parametrize("role", ["provider", "caregiver", "operator", "family", "volunteer"])
def test_it_refuses_writes_to_read_only_roles(county, role):
    user = county.users[role]
    elder = county.elders["a1"]
    before = db_state(*county.elders.values())
    with pytest.raises(Http404):
        services.create_elder(elder_data(VILLAGE_A1, name="孙玉兰"), actor=user)
    with pytest.raises(Http404):
        services.update_elder(elder, _data_of(elder, notes="x"), actor=user)
    with pytest.raises(Http404):
        services.set_status(elder, "moved", on=dt.date.today(), reason="x", actor=user)
    assert db_state(*county.elders.values()) == before


# --- reveal --------------------------------------------------------------------------------
def test_it_audits_every_reveal(county):
    elder = county.elders["a1"]
    user = county.users["caregiver"]
    assert services.reveal(elder, "phone", actor=user) == "13812345678"
    entry = _history(elder, AuditAction.REVEAL)
    assert (entry.actor, entry.detail, entry.region_code) == (user, "phone", VILLAGE_A1)


@pytest.mark.parametrize(("role", "field"), [
    ("caregiver", "id_number"), ("volunteer", "phone"), ("town", "notes"), ("town_b", "phone"),
])
def test_it_refuses_a_reveal_the_role_or_scope_does_not_allow(county, role, field):
    before = AuditLog.objects.count()
    with pytest.raises(Http404):
        services.reveal(county.elders["a1"], field, actor=county.users[role])
    assert AuditLog.objects.count() == before

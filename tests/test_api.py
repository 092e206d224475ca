"""The REST API v1: tokens, the registry with filters, masked details, writes, OpenAPI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from tests.fixtures import (  # noqa: F401
    API,
    Api,
    api_fixture,
    api_payload,
    county_fixture,
    elder_fields,
    fields_of,
    raw_text,
)
from yiyang.core.choices import AuditAction
from yiyang.core.models import ApiToken, AuditLog
from yiyang.core.testing import PASSWORD, TOWN_A, VILLAGE_A1, VILLAGE_A2, make_elder
from yiyang.elders.models import Elder


def _token(client, username: str, password: str):
    return client.post(f"{API}/auth/token", json.dumps({"username": username, "password": password}),
                       content_type="application/json")


# --- tokens --------------------------------------------------------------------------------
def test_it_issues_a_token_that_opens_the_api(county, client):
    response = _token(client, "town", PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    expires = dt.datetime.fromisoformat(response.json()["expires"])
    assert dt.timedelta(days=29) < expires - timezone.now() <= dt.timedelta(days=30)
    listed = client.get(f"{API}/elders", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200
    assert listed.json()["count"] == 2
    token = ApiToken.objects.get(user=county.users["town"])
    assert token.key_hash == ApiToken.hash_key(key) and token.last_used is not None
    assert key not in raw_text("core_apitoken")  # only its hash is stored
    entry = AuditLog.objects.get(action=AuditAction.TOKEN)
    assert entry.actor == county.users["town"] and entry.detail == key[:8]


@pytest.mark.parametrize(("username", "password"), [
    ("town", "wrong-password"), ("nobody", PASSWORD), ("town", ""),
])
def test_it_refuses_a_token_for_wrong_credentials(county, client, username, password):
    response = _token(client, username, password)
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password."}
    assert not ApiToken.objects.exists()
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 1


def test_it_refuses_an_expired_token_and_one_of_a_disabled_user(county, client):
    _, key = ApiToken.issue(county.users["town"], days=1)
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get(f"{API}/elders", headers=headers).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        assert client.get(f"{API}/elders", headers=headers).status_code == 401
    county.users["town"].is_active = False
    county.users["town"].save()
    assert client.get(f"{API}/elders", headers=headers).status_code == 401


# --- reading -------------------------------------------------------------------------------
@pytest.fixture
def registry(county):
    admin = county.users["admin"]
    make_elder(VILLAGE_A1, actor=admin, name="王建华", sex="M", birth_date=dt.date(1925, 5, 5),
               capability_level=3, living_arrangement="alone", phone="13700001234")
    make_elder(VILLAGE_A2, actor=admin, name="陈淑珍", birth_date=dt.date(1944, 4, 4),
               economic_status="tekun", is_gugua=True, capability_level=0)
    return county


@pytest.mark.parametrize(("params", "names"), [
    ({}, ["张建国", "王建华", "王秀英", "陈淑珍"]),
    ({"q": "王"}, ["王建华", "王秀英"]),
    ({"sex": "M"}, ["张建国", "王建华"]),
    ({"region": VILLAGE_A2}, ["张建国", "陈淑珍"]),
    ({"region": TOWN_A}, ["张建国", "王建华", "王秀英", "陈淑珍"]),
    ({"region": TOWN_A[:9]}, ["张建国", "王建华", "王秀英", "陈淑珍"]),
    ({"category": "alone"}, ["张建国", "王建华"]),
    ({"category": "tekun"}, ["陈淑珍"]),
    ({"category": "gugua"}, ["陈淑珍"]),
    ({"category": "centenarian"}, ["王建华"]),
    ({"category": "disabled"}, ["王建华"]),
    ({"living_arrangement": "alone"}, ["张建国", "王建华"]),
    ({"capability_level": "0"}, ["陈淑珍"]),
    ({"capability_level": "none"}, ["张建国", "王秀英"]),
    ({"age_band": "100+"}, ["王建华"]),
    ({"age_band": "80-89"}, ["张建国", "王秀英", "陈淑珍"]),
    ({"sex": "F", "category": "tekun"}, ["陈淑珍"]),
    ({"status": "deceased"}, []),
])
def test_it_lists_the_registry_with_filters(registry, api, params, names):
    with time_machine.travel(dt.datetime(2026, 11, 23, 12, 0), tick=False):
        body = api(registry.users["town"]).get("/elders", **params).json()
    assert sorted(e["name"] for e in body["results"]) == names
    assert body["count"] == len(names) and body["count_capped"] is False


def test_it_sorts_and_pages_the_list(registry, api, settings):
    settings.YIYANG_PAGE_SIZE = 3
    caller = api(registry.users["town"])
    first = caller.get("/elders", sort="birth_date").json()
    assert (first["count"], first["page"], first["page_size"]) == (4, 1, 3)
    assert [e["name"] for e in first["results"]] == ["王建华", "张建国", "陈淑珍"]
    second = caller.get("/elders", sort="birth_date", page=2).json()
    assert [e["name"] for e in second["results"]] == ["王秀英"]
    assert caller.get("/elders", page=99).json()["page"] == 2


@pytest.mark.parametrize(("params", "field"), [
    ({"region": "37x"}, "region"), ({"category": "rich"}, "category"),
    ({"status": "gone"}, "status"), ({"sort": "id_number"}, "sort"),
])
def test_it_refuses_a_bad_filter(county, api, params, field):
    response = api(county.users["town"]).get("/elders", **params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_it_shows_one_elder_with_personal_data_masked(county, api):
    elder = county.elders["a1"]
    response = api(county.users["town"]).get(f"/elders/{elder.pk}")
    body = response.json()
    assert response.status_code == 200
    assert body["id_number"] == elder.id_number_masked and "*" in body["id_number"]
    assert body["phone"] == "138****5678"
    assert body["address"] == elder.address_masked
    assert body["contacts"] == [{"id": elder.contacts.get().pk, "name": "李建国",
                                 "relation": "son", "phone": "139****1111"}]
    assert (body["name"], body["sex"], body["region"], body["region_name"]) == (
        "王秀英", "F", VILLAGE_A1, "东岭村")
    assert body["birth_date"] == "1946-03-02" and body["status"] == "active"
    text = response.content.decode()
    for plain in (elder.id_number, elder.phone, elder.address, "13900001111"):
        assert plain not in text
    listed = api(county.users["town"]).get("/elders").content.decode()
    assert elder.id_number not in listed and elder.phone not in listed


def test_it_reveals_a_field_only_on_request_and_audits_it(county, api):
    elder = county.elders["a1"]
    response = api(county.users["town"]).post(f"/elders/{elder.pk}/reveal/id_number")
    assert response.json() == {"field": "id_number", "value": elder.id_number}
    entry = AuditLog.objects.get(action=AuditAction.REVEAL)
    assert (entry.actor, entry.object_id, entry.detail) == (
        county.users["town"], str(elder.pk), "id_number")
    assert api(county.users["town"]).post(f"/elders/{elder.pk}/reveal/notes").status_code == 404


# --- writing -------------------------------------------------------------------------------
def test_it_creates_updates_and_changes_status(county, api):
    caller = api(county.users["village"])
    fields = elder_fields(VILLAGE_A1, name="孙玉兰", capability_level="1", is_sanlao=True)
    created = caller.post("/elders", api_payload(fields))
    assert created.status_code == 201, created.content
    body = created.json()
    elder = Elder.objects.get(pk=body["id"])
    assert elder.id_number == fields["id_number"] and elder.phone == "13812345678"
    assert (body["capability_level"], body["is_sanlao"]) == (1, True)
    assert body["categories"] == ["sanlao", "aged_80"]
    assert body["id_number"] == elder.id_number_masked
    assert AuditLog.objects.filter(action=AuditAction.CREATE, object_id=str(elder.pk)).exists()

    payload = api_payload(fields_of(elder)) | {"phone": "13611112222", "notes": "喜欢下棋"}
    updated = caller.put(f"/elders/{elder.pk}", payload)
    assert updated.status_code == 200, updated.content
    assert updated.json()["phone"] == "136****2222"
    elder.refresh_from_db()
    assert (elder.phone, elder.notes) == ("13611112222", "喜欢下棋")
    change = AuditLog.objects.get(action=AuditAction.UPDATE, object_id=str(elder.pk))
    assert change.changes == {"phone": ["138****5678", "136****2222"], "notes": ["", "喜欢下棋"]}

    moved = caller.post(f"/elders/{elder.pk}/status",
                        {"status": "moved", "date": "2026-11-01", "reason": "投靠子女"})
    assert moved.status_code == 200
    assert (moved.json()["status"], moved.json()["status_date"]) == ("moved", "2026-11-01")
    assert Elder.objects.filter(pk=elder.pk, status="moved").exists()


def test_it_answers_422_to_a_body_of_the_wrong_shape(county, api):
    response = api(county.users["town"]).post("/elders", {"name": "孙玉兰", "birth_date": "1946-13-45"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] and {"id_number", "birth_date", "sex", "region"} <= set(body["errors"])
    assert not Elder.objects.filter(name="孙玉兰").exists()


# --- OpenAPI -------------------------------------------------------------------------------
def test_it_publishes_an_openapi_document_of_every_endpoint(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    expected = {
        "/api/v1/auth/token": {"post"},
        "/api/v1/regions": {"get"},
        "/api/v1/regions/{code}": {"get"},
        "/api/v1/elders": {"get", "post"},
        "/api/v1/elders/stats": {"get"},
        "/api/v1/elders/{elder_id}": {"get", "put"},
        "/api/v1/elders/{elder_id}/status": {"post"},
        "/api/v1/elders/{elder_id}/reveal/{field}": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert "security" not in paths["/api/v1/auth/token"]["post"]
    assert paths["/api/v1/elders"]["get"]["security"]

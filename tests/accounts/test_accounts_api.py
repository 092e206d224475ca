"""Accounts through the REST API: the same rules as 账号管理, answers a tool can use."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend

from tests.fixtures import api_fixture, county_fixture  # noqa: F401
from yiyang.core.choices import Role
from yiyang.core.models import AuditLog, User
from yiyang.core.testing import TOWN_A, VILLAGE_A1, VILLAGE_B1, make_user

NEW = {"username": "chenxm", "full_name": "陈晓梅", "role": "village_worker", "region": VILLAGE_A1,
       "phone": "13912345678"}


def _logs_in(username: str, password: str) -> bool:
    return ModelBackend().authenticate(None, username=username, password=password) is not None


def test_an_account_is_created_and_its_password_shown_once(api, county):
    response = api(county.users["admin"]).post("/accounts", NEW)

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["account"]["phone"] == "139****5678"
    assert body["account"]["password_is_temporary"] is True
    assert _logs_in("chenxm", body["temporary_password"])
    entry = AuditLog.objects.get(action="create", object_type="core.user")
    assert body["temporary_password"] not in str(entry.changes) + entry.detail

    shown = api(county.users["admin"]).get(f"/accounts/{body['account']['id']}").json()
    assert "temporary_password" not in shown
    assert shown["username"] == "chenxm"


def test_refused_input_is_named_by_field(api, county):
    caller = api(county.users["admin"])
    taken = caller.post("/accounts", {**NEW, "username": "town"})
    assert taken.status_code == 400
    assert "username" in taken.json()["errors"]
    bad = caller.post("/accounts", {**NEW, "role": "caregiver", "phone": "12345"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"organisation", "phone"}
    assert not User.objects.filter(username="chenxm").exists()


def test_a_town_administrator_sees_and_changes_only_their_towns_accounts(api, county):
    town_admin = make_user("town-admin", Role.BUREAU_ADMIN, TOWN_A)
    caller = api(town_admin)

    listed = caller.get("/accounts").json()
    assert {a["username"] for a in listed["results"]} == {"town", "village", "town-admin"}
    assert listed["count"] == 3
    assert caller.get(f"/accounts/{county.users['town_b'].pk}").status_code == 404
    outside = caller.post("/accounts", {**NEW, "region": VILLAGE_B1})
    assert outside.status_code == 400 and "region" in outside.json()["errors"]


def test_an_account_is_changed_switched_off_and_its_password_reset(api, county):
    caller = api(county.users["admin"])
    village = county.users["village"]

    changed = caller.put(f"/accounts/{village.pk}", {
        "full_name": "刘芳", "role": "village_worker", "region": VILLAGE_A1, "is_active": False})
    assert changed.status_code == 200
    assert (changed.json()["full_name"], changed.json()["is_active"]) == ("刘芳", False)

    reset = caller.post(f"/accounts/{village.pk}/reset-password")
    assert reset.status_code == 200
    assert reset["Cache-Control"] == "no-store"
    assert reset.json()["account"]["password_is_temporary"] is True
    village.refresh_from_db()
    assert village.check_password(reset.json()["temporary_password"])


@pytest.mark.parametrize("who", ["town", "village", "operator", "family"])
def test_other_roles_do_not_manage_accounts(api, county, who):
    caller = api(county.users[who])
    assert caller.get("/accounts").status_code == 404
    assert caller.post("/accounts", NEW).status_code == 404
    assert not User.objects.filter(username="chenxm").exists()

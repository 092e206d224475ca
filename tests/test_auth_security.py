"""等保 2.0 basics: Argon2 passwords, login lockout, idle timeout, CSRF, CSP, login audit."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.fixtures import county_fixture, elder_fields, form_post  # noqa: F401
from yiyang.core.choices import AuditAction, Role
from yiyang.core.models import ApiToken, AuditLog
from yiyang.core.testing import PASSWORD, VILLAGE_A1, make_user
from yiyang.elders.models import Elder

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _login(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def _logged_in(client) -> bool:
    return client.get(reverse("elders:list")).status_code == 200


# --- passwords -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_it_stores_passwords_hashed_with_argon2():
    assert django_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    make_user("zhangsan", Role.TOWN_WORKER, None, password="Lao-Zhang-2026")
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM core_user WHERE username = %s", ["zhangsan"])
        (stored,) = cursor.fetchone()
    assert stored.startswith("argon2$argon2id$")
    assert "Lao-Zhang-2026" not in stored


def test_it_logs_in_with_the_right_password_only(county, client):
    response = _login(client, "town", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert _logged_in(client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM core_user WHERE username = 'town'")
        assert cursor.fetchone()[0].startswith("argon2")


# --- lockout -------------------------------------------------------------------------------
def test_it_locks_an_account_after_five_failed_logins(county, client):
    for _ in range(4):
        response = _login(client, "town", "wrong-password")
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
    assert _login(client, "town", "wrong-password").status_code == 429  # the fifth locks
    response = _login(client, "town", PASSWORD)  # the sixth attempt, right password
    assert response.status_code == 429
    assert not _logged_in(client)
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN).exists()
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, actor_name="town").count() >= 5


def test_it_locks_one_account_not_the_whole_office(county, client):
    for _ in range(5):
        _login(client, "town", "wrong-password")
    assert _login(Client(), "town_b", PASSWORD).status_code == 302


def test_it_unlocks_the_account_after_the_cool_off(county, client):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            _login(client, "town", "wrong-password")
        assert _login(client, "town", PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=django_settings.AXES_COOLOFF_TIME * 60 + 1))
        assert _login(client, "town", PASSWORD).status_code == 302
        assert _logged_in(client)


def test_it_resets_the_failure_count_after_a_good_login(county, client):
    for _ in range(4):
        _login(client, "town", "wrong-password")
    assert _login(client, "town", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        _login(client, "town", "wrong-password")
    assert _login(client, "town", PASSWORD).status_code == 302


def test_it_locks_the_token_endpoint_too(county, client):
    def token(password):
        return client.post("/api/v1/auth/token", {"username": "town", "password": password},
                           content_type="application/json")

    for _ in range(4):
        assert token("wrong-password").status_code == 401
    assert token("wrong-password").status_code == 429
    assert token(PASSWORD).status_code == 429
    assert not ApiToken.objects.exists()


# --- idle sessions -------------------------------------------------------------------------
def test_it_has_a_30_minute_idle_timeout():
    assert django_settings.SESSION_COOKIE_AGE <= 30 * 60
    assert django_settings.SESSION_SAVE_EVERY_REQUEST
    assert django_settings.SESSION_COOKIE_HTTPONLY


def test_it_logs_out_an_idle_session_but_not_a_busy_one(county, client):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(county.users["town"])
        assert _logged_in(client)
        for _ in range(3):  # 60 minutes of work, a request every 20 minutes
            traveller.shift(dt.timedelta(minutes=20))
            assert _logged_in(client)
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("elders:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- CSRF ----------------------------------------------------------------------------------
@pytest.fixture
def strict(county):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.users["town"])
    return client


def test_it_refuses_a_post_without_a_csrf_token(county, strict):
    elder = county.elders["a1"]
    before = (Elder.objects.count(), AuditLog.objects.count())
    posts = [
        (reverse("elders:create"), form_post(elder_fields(VILLAGE_A1, name="孙玉兰"))),
        (reverse("elders:status", args=[elder.pk]),
         {"status": "deceased", "date": "2026-01-01", "reason": "x"}),
        (reverse("elders:reveal", args=[elder.pk, "id_number"]), {}),
        (reverse("logout"), {}),
    ]
    for url, data in posts:
        assert strict.post(url, data).status_code == 403, url
    assert (Elder.objects.count(), AuditLog.objects.count()) == before
    assert Elder.objects.get(pk=elder.pk).status == "active"
    assert Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "town", "password": PASSWORD}).status_code == 403


def test_it_accepts_a_post_with_the_pages_csrf_token(county, strict):
    elder = county.elders["a1"]
    strict.get(reverse("elders:list"))
    token = strict.cookies["csrftoken"].value
    response = strict.post(reverse("elders:reveal", args=[elder.pk, "phone"]),
                           headers={"X-CSRFToken": token})  # as htmx sends it
    assert response.status_code == 200
    data = form_post(elder_fields(VILLAGE_A1, name="孙玉兰")) | {"csrfmiddlewaretoken": token}
    assert strict.post(reverse("elders:create"), data).status_code == 302


def test_it_does_not_let_a_browser_session_call_the_api(county, client):
    """The API takes bearer tokens only, so a forged cross-site request carries no rights."""
    client.force_login(county.users["admin"])
    assert client.get("/api/v1/elders").status_code == 401
    assert client.post("/api/v1/elders", {}, content_type="application/json").status_code == 401


# --- Content-Security-Policy ---------------------------------------------------------------
PAGES = [
    "/login/", "/elders/", "/elders/new/", "/elders/stats/", "/regions/", "/regions/{village}/",
    "/audit/", "/elders/{pk}/", "/elders/{pk}/edit/", "/elders/{pk}/status/", "/elders/999999/",
    "/api/v1/elders", "/api/v1/openapi.json",
]


def _directives(header: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("path", PAGES)
def test_it_sends_a_strict_content_security_policy(county, client, path):
    if path != "/login/":
        client.force_login(county.users["admin"])
    response = client.get(path.format(pk=county.elders["a1"].pk, village=VILLAGE_A1))
    assert response.status_code in (200, 401, 404)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    if response["Content-Type"].startswith("text/html"):
        html = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all("src=" in tag for tag in scripts), scripts  # nothing inline
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no inline event handlers
        assert not re.search(r"<[^>]+\sstyle\s*=", html)  # style-src forbids inline styles


# --- audit of logins and reveals -------------------------------------------------------------
def test_it_audits_logins_failed_logins_and_logouts(county, client):
    _login(client, "town", "wrong-password")
    _login(client, "nobody", "whatever")
    _login(client, "town", PASSWORD)
    client.post(reverse("logout"))
    entries = list(AuditLog.objects.order_by("id").values_list(
        "action", "actor_id", "actor_name", "ip_address", "region_code"))
    town = county.users["town"]
    assert entries[-4:] == [
        (AuditAction.LOGIN_FAILED, None, "town", "127.0.0.1", ""),
        (AuditAction.LOGIN_FAILED, None, "nobody", "127.0.0.1", ""),
        (AuditAction.LOGIN, town.pk, "town", "127.0.0.1", town.scope_prefix),
        (AuditAction.LOGOUT, town.pk, "town", "127.0.0.1", town.scope_prefix),
    ]
    assert all(PASSWORD not in str(e) and "wrong-password" not in str(e) for e in entries)


def test_it_audits_a_reveal_with_who_what_when_and_where(county, client):
    elder = county.elders["a1"]
    client.force_login(county.users["village"])
    with time_machine.travel(START, tick=False):
        response = client.post(reverse("elders:reveal", args=[elder.pk, "address"]),
                               REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert elder.address in response.content.decode()
    entry = AuditLog.objects.get(action=AuditAction.REVEAL)
    assert entry.actor == county.users["village"]
    assert (entry.object_type, entry.object_id, entry.detail) == ("elders.elder", str(elder.pk),
                                                                   "address")
    assert (entry.at, entry.ip_address, entry.region_code) == (START, "10.1.2.3", VILLAGE_A1)
    assert entry.request_id == response["X-Request-ID"]

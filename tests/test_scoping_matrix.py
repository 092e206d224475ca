"""Every role in build_county() against every page and every API endpoint.

Nobody sees an elder outside their scope: not by URL, not through the API, not in lists,
counts, exports or region totals. Out of scope (or a role without the right) answers 404,
never 403; anonymous callers are sent to the login page (pages) or get 401 (API).

The tables below are the specification: adding a role, a page or an endpoint is one line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.urls import reverse

from tests.fixtures import (  # noqa: F401
    api_fixture,
    api_payload,
    elder_fields,
    fields_of,
    form_post,
    shared_county_fixture,
)
from yiyang.core.choices import AuditAction
from yiyang.core.models import AuditLog
from yiyang.core.testing import (
    COUNTY,
    TOWN_A,
    TOWN_B,
    VILLAGE_A1,
    VILLAGE_A2,
    VILLAGE_B1,
    VILLAGE_B2,
)
from yiyang.elders.models import Elder

# The county as the tests know it, independent of the app's scoping code.
PARENT = {TOWN_A: COUNTY, TOWN_B: COUNTY, VILLAGE_A1: TOWN_A, VILLAGE_A2: TOWN_A,
          VILLAGE_B1: TOWN_B, VILLAGE_B2: TOWN_B}
REGIONS = [COUNTY, *PARENT]
HOME = {"a1": VILLAGE_A1, "a2": VILLAGE_A2, "b1": VILLAGE_B1, "b2": VILLAGE_B2}
ELDERS = list(HOME)


def _subtree(root: str) -> set[str]:
    found, grew = {root}, True
    while grew:
        more = {code for code, parent in PARENT.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return found


ALL, EVERY_FIELD, CONTACT_FIELDS = "a1 a2 b1 b2", "id_number phone address", "phone address"


@dataclass(frozen=True)
class Sees:
    """What one role may see and do in build_county()."""

    elders: str            # the elders in its scope
    root: str              # its scope region
    write: bool = False    # add, change, mark moved/deceased, export
    counts: bool = False   # statistics and region totals
    reveals: str = ""      # personal fields it may unmask
    audit: bool = False    # browse the audit log

    @property
    def elder_keys(self) -> set[str]:
        return set(self.elders.split())

    @property
    def regions(self) -> set[str]:
        return _subtree(self.root)

    def count_in(self, code: str) -> int:
        return sum(1 for key in self.elder_keys if HOME[key] in _subtree(code))


ROLES = {
    "admin": Sees(ALL, COUNTY, write=True, counts=True, reveals=EVERY_FIELD, audit=True),
    "town": Sees("a1 a2", TOWN_A, write=True, counts=True, reveals=EVERY_FIELD),
    "town_b": Sees("b1 b2", TOWN_B, write=True, counts=True, reveals=EVERY_FIELD),
    "village": Sees("a1", VILLAGE_A1, write=True, counts=True, reveals=EVERY_FIELD),
    "provider": Sees("a1 b1", COUNTY, reveals=CONTACT_FIELDS),
    "caregiver": Sees("a1", COUNTY, reveals=CONTACT_FIELDS),
    "operator": Sees(ALL, COUNTY, counts=True, reveals=CONTACT_FIELDS),
    "family": Sees("a2", COUNTY, reveals=EVERY_FIELD),
    "volunteer": Sees("b1", COUNTY),
}
ROLE = pytest.mark.parametrize("role", list(ROLES))


@pytest.fixture
def county(shared_county, db):
    """The module's county; each test's writes are rolled back after it."""
    return shared_county


@dataclass(frozen=True)
class Call:
    """One request about one elder, and which roles may make it (for elders in scope)."""

    method: str
    url: object                 # elder -> URL (pages) or path (API)
    allowed: object             # Sees -> bool
    data: object = None         # elder -> body
    ok: int = 200               # the status code when allowed and in scope
    kind: str = "page"          # what a success shows: "page", "reveal", "write"
    reveals: bool = False       # a page showing personal data unmasked is audited as a reveal


def _url(name, *extra):
    return lambda e: reverse(name, args=[e.pk, *extra])


def _reveals(field):
    return lambda s: field in s.reveals


_STATUS = {"status": "moved", "date": dt.date(2026, 1, 5).isoformat(), "reason": "迁出"}


def _edit_post(elder):
    return form_post(fields_of(elder) | {"notes": "矩阵测试"}, initial_contacts=1)


def _contact_reveal(elder):
    return reverse("elders:contact_reveal", args=[elder.contacts.get().pk])


# Pages about one elder.
ELDER_PAGES = {
    "detail": Call("get", _url("elders:detail"), lambda s: True),
    "edit": Call("get", _url("elders:edit"), lambda s: s.write, reveals=True),
    "edit (save)": Call("post", _url("elders:edit"), lambda s: s.write, _edit_post, 302, "write"),
    "status": Call("get", _url("elders:status"), lambda s: s.write),
    "status (save)": Call("post", _url("elders:status"), lambda s: s.write, lambda e: _STATUS,
                          302, "write"),
    "reveal id_number": Call("post", _url("elders:reveal", "id_number"), _reveals("id_number"),
                             kind="reveal"),
    "reveal phone": Call("post", _url("elders:reveal", "phone"), _reveals("phone"), kind="reveal"),
    "reveal address": Call("post", _url("elders:reveal", "address"), _reveals("address"),
                           kind="reveal"),
    "reveal contact phone": Call("post", _contact_reveal, _reveals("phone"), kind="reveal"),
}

# API calls about one elder.
ELDER_API = {
    "GET /elders/{id}": Call("get", "/elders/{pk}", lambda s: True),
    "PUT /elders/{id}": Call("put", "/elders/{pk}", lambda s: s.write,
                             lambda e: api_payload(fields_of(e) | {"notes": "矩阵测试"}),
                             kind="write"),
    "POST /elders/{id}/status": Call("post", "/elders/{pk}/status", lambda s: s.write,
                                     lambda e: _STATUS, kind="write"),
    "POST reveal id_number": Call("post", "/elders/{pk}/reveal/id_number",
                                  _reveals("id_number"), kind="reveal"),
    "POST reveal phone": Call("post", "/elders/{pk}/reveal/phone", _reveals("phone"),
                              kind="reveal"),
    "POST reveal address": Call("post", "/elders/{pk}/reveal/address", _reveals("address"),
                                kind="reveal"),
}

# Pages that are not about one elder: (url, may this role open it?)
PAGES = {
    "elders:list": ("/elders/", lambda s: True),
    "elders:create": ("/elders/new/", lambda s: s.write),
    "elders:stats": ("/elders/stats/", lambda s: s.counts),
    "elders:export": ("/elders/export.csv", lambda s: s.write),
    "regions": ("/regions/", lambda s: True),
    "audit": ("/audit/", lambda s: s.audit),
}


def _expected(sees: Sees, call: Call) -> dict[str, int]:
    return {key: call.ok if key in sees.elder_keys and call.allowed(sees) else 404
            for key in ELDERS}


def _unchanged_unless_written(county, responses, call: Call) -> None:
    """A refused write leaves the elder as it was; an allowed one changed it."""
    for key, response in responses.items():
        elder = Elder.objects.get(pk=county.elders[key].pk)
        changed = elder.notes == "矩阵测试" or elder.status == "moved"
        assert changed == (call.kind == "write" and response.status_code == call.ok), key


def _audited_reveals(county, role, responses, call: Call) -> None:
    reveals = AuditLog.objects.filter(action=AuditAction.REVEAL, actor=county.users[role])
    shown = sum(1 for r in responses.values() if r.status_code == 200)
    assert reveals.count() == (shown if call.kind == "reveal" or call.reveals else 0)


# --- pages ---------------------------------------------------------------------------------
@ROLE
@pytest.mark.parametrize("screen", list(ELDER_PAGES))
def test_it_scopes_each_elder_page(county, client, role, screen):
    sees, call = ROLES[role], ELDER_PAGES[screen]
    client.force_login(county.users[role])
    responses = {}
    for key in ELDERS:
        elder = county.elders[key]
        data = call.data(elder) if call.data else {}
        responses[key] = getattr(client, call.method)(call.url(elder), data)
    assert {key: r.status_code for key, r in responses.items()} == _expected(sees, call)
    for key, response in responses.items():
        elder = county.elders[key]
        if response.status_code == 302:
            assert response["Location"] == reverse("elders:detail", args=[elder.pk])
        elif response.status_code == 200 and call.kind == "page":
            assert response.context["elder"].pk == elder.pk
            assert elder.name in response.content.decode()
        elif response.status_code == 200:
            field = screen.removeprefix("reveal ")
            value = elder.contacts.get().phone if field == "contact phone" else getattr(
                elder, field)
            assert value in response.content.decode()
    _unchanged_unless_written(county, responses, call)
    _audited_reveals(county, role, responses, call)


@ROLE
@pytest.mark.parametrize("screen", list(PAGES))
def test_it_scopes_each_page(county, client, role, screen):
    sees, (url, allowed) = ROLES[role], PAGES[screen]
    client.force_login(county.users[role])
    response = client.get(url)
    assert response.status_code == (200 if allowed(sees) else 404)
    if response.status_code != 200:
        return
    visible = {county.elders[key].name for key in sees.elder_keys}
    hidden = {e.name for key, e in county.elders.items() if key not in sees.elder_keys}
    if screen == "elders:export":
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        names = {row[0] for row in list(csv.reader(io.StringIO(body)))[1:]}
        assert names == visible
        return
    content = response.content.decode()
    assert not any(name in content for name in hidden), screen
    if screen == "elders:list":
        assert {e.name for e in response.context["page"].rows} == visible
        assert response.context["page"].total == len(visible)
        assert all(name in content for name in visible)
    elif screen == "elders:stats":
        assert response.context["summary"]["total"] == len(visible)
    elif screen == "regions":
        assert response.context["region"].code == sees.root
        if sees.counts:
            assert response.context["region"].elder_count == len(visible)
        else:
            assert not response.context["counted"]


@ROLE
def test_it_scopes_each_region_page(county, client, role):
    sees = ROLES[role]
    client.force_login(county.users[role])
    responses = {code: client.get(reverse("region", args=[code])) for code in REGIONS}
    assert {c: r.status_code for c, r in responses.items()} == {
        c: 200 if c in sees.regions else 404 for c in REGIONS}
    for code, response in responses.items():
        if response.status_code == 200 and sees.counts:
            assert response.context["region"].elder_count == sees.count_in(code)
            assert {ch.code: ch.elder_count for ch in response.context["children"]} == {
                ch: sees.count_in(ch) for ch, parent in PARENT.items() if parent == code}


# --- API -----------------------------------------------------------------------------------
@ROLE
@pytest.mark.parametrize("endpoint", list(ELDER_API))
def test_it_scopes_each_elder_endpoint(county, api, role, endpoint):
    sees, call = ROLES[role], ELDER_API[endpoint]
    caller = api(county.users[role])
    responses = {}
    for key in ELDERS:
        elder = county.elders[key]
        args = [call.url.format(pk=elder.pk)] + ([call.data(elder)] if call.data else [])
        responses[key] = getattr(caller, call.method)(*args)
    assert {k: r.status_code for k, r in responses.items()} == _expected(sees, call)
    for key, response in responses.items():
        if response.status_code == 200 and call.kind == "reveal":
            field = endpoint.rsplit(" ", 1)[1]
            assert response.json()["value"] == getattr(county.elders[key], field)
        elif response.status_code == 200:
            assert response.json()["id"] == county.elders[key].pk
        else:
            assert response.json() == {"detail": "Not found."}
    _unchanged_unless_written(county, responses, call)
    _audited_reveals(county, role, responses, call)


@ROLE
def test_it_scopes_the_elder_list_endpoint(county, api, role):
    sees = ROLES[role]
    caller = api(county.users[role])
    for status in ("active", "all"):
        body = caller.get("/elders", status=status).json()
        assert {e["id"] for e in body["results"]} == {
            county.elders[k].pk for k in sees.elder_keys}
        assert body["count"] == len(sees.elder_keys)
    for code in REGIONS:  # a region filter outside the scope finds nothing, not everything
        body = caller.get("/elders", region=code).json()
        assert body["count"] == sees.count_in(code)


@ROLE
def test_it_scopes_creating_through_the_api(county, api, role):
    sees = ROLES[role]
    region = sorted(c for c in sees.regions if len(c) == 12 and c in HOME.values())[0]
    before = Elder.objects.count()
    response = api(county.users[role]).post("/elders", api_payload(elder_fields(region, name="孙玉兰")))
    assert response.status_code == (201 if sees.write else 404)
    assert Elder.objects.count() == before + (1 if sees.write else 0)
    if not sees.write:
        return
    outside = [c for c in HOME.values() if c not in sees.regions]
    for code in outside:
        response = api(county.users[role]).post("/elders", api_payload(elder_fields(code)))
        assert response.status_code == 400
        assert "region" in response.json()["errors"]
    assert Elder.objects.count() == before + 1


@ROLE
def test_it_scopes_the_region_endpoints(county, api, role):
    sees = ROLES[role]
    caller = api(county.users[role])
    children = caller.get("/regions").json()
    expected = {c: (sees.count_in(c) if sees.counts else None)
                for c, parent in PARENT.items() if parent == sees.root}
    assert {r["code"]: r["elders"] for r in children} == expected
    responses = {code: caller.get(f"/regions/{code}") for code in REGIONS}
    assert {c: r.status_code for c, r in responses.items()} == {
        c: 200 if c in sees.regions else 404 for c in REGIONS}
    for code, response in responses.items():
        if response.status_code == 200:
            assert response.json()["elders"] == (sees.count_in(code) if sees.counts else None)
    for code in REGIONS:
        status = caller.get("/regions", parent=code).status_code
        assert status == (200 if code in sees.regions else 404), code


@ROLE
def test_it_scopes_the_stats_endpoint(county, api, role):
    sees = ROLES[role]
    response = api(county.users[role]).get("/elders/stats")
    assert response.status_code == (200 if sees.counts else 404)
    if sees.counts:
        assert response.json()["total"] == len(sees.elder_keys)
        assert response.json()["region"] == sees.root
        for code in REGIONS:
            status = api(county.users[role]).get("/elders/stats", region=code).status_code
            assert status == (200 if code in sees.regions else 404), code


# --- anonymous -----------------------------------------------------------------------------
ANONYMOUS_PAGES = [
    ("get", "/elders/"), ("get", "/elders/new/"), ("get", "/elders/stats/"),
    ("get", "/elders/export.csv"), ("get", "/regions/"), ("get", f"/regions/{COUNTY}/"),
    ("get", "/audit/"), ("get", "/elders/{pk}/"), ("get", "/elders/{pk}/edit/"),
    ("get", "/elders/{pk}/status/"), ("post", "/elders/{pk}/status/"),
    ("post", "/elders/{pk}/edit/"), ("post", "/elders/new/"),
    ("post", "/elders/{pk}/reveal/id_number/"), ("post", "/elders/{pk}/reveal/phone/"),
    ("get", "/"),
]
ANONYMOUS_API = [
    ("get", "/elders"), ("post", "/elders"), ("get", "/elders/{pk}"), ("put", "/elders/{pk}"),
    ("post", "/elders/{pk}/status"), ("post", "/elders/{pk}/reveal/phone"),
    ("get", "/elders/stats"), ("get", "/regions"), ("get", f"/regions/{COUNTY}"),
]


@pytest.mark.parametrize(("method", "path"), ANONYMOUS_PAGES)
def test_it_sends_anonymous_visitors_to_the_login_page(county, client, method, path):
    url = path.format(pk=county.elders["a1"].pk)
    before = (Elder.objects.count(), AuditLog.objects.count())
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert (Elder.objects.count(), AuditLog.objects.count()) == before


@pytest.mark.parametrize(("method", "path"), ANONYMOUS_API)
def test_it_answers_401_to_anonymous_api_calls(county, api, method, path):
    caller = api()
    url = path.format(pk=county.elders["a1"].pk)
    args = [url] + ([{}] if method in ("post", "put") else [])
    response = getattr(caller, method)(*args)
    assert response.status_code == 401
    bad_token = api()
    bad_token.headers = {"Authorization": "Bearer yy_not-a-token"}
    assert getattr(bad_token, method)(*args).status_code == 401

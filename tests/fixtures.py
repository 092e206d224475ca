"""Fixtures and helpers for the layered (non-browser) tests.

A test module imports the fixtures it uses by their *_fixture names (pytest registers
them under the short name: `county`, `api`, `fast_hashing`) and the helpers by name.
Nothing here is autouse, so the browser flows are not affected.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from html.parser import HTMLParser

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection, transaction
from django.utils import translation
from django.utils.html import escape

from yiyang.core.models import ApiToken, AuditLog
from yiyang.core.testing import build_county, new_id_number
from yiyang.elders.models import Elder, ElderCount, EmergencyContact

API = "/api/v1"


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with tiny costs: the same algorithm and hash format as production
    (hashes still start with "argon2"), about 1 ms instead of 250 ms per user."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1


def use_fast_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = [
        "tests.fixtures.FastArgon2PasswordHasher", *settings.PASSWORD_HASHERS
    ]


@pytest.fixture(name="fast_hashing")
def fast_hashing_fixture(settings):
    use_fast_hashing(settings)


@pytest.fixture(name="county")
def county_fixture(db, settings):
    """build_county(): a county, two towns of two villages, one user per role, 4 elders."""
    use_fast_hashing(settings)
    return build_county()


@contextmanager
def module_transaction(django_db_blocker):
    """Data built inside is rolled back when the block ends (at the end of a module).

    Each test still runs in its own savepoint when it requests `db`, so what one test
    writes is gone before the next; building the data once keeps large matrices fast.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(name="shared_county", scope="module")
def shared_county_fixture(django_db_setup, django_db_blocker):
    """build_county() once per module (see module_transaction); request `db` with it, and
    do not mix it with `county` in one module (the region codes would clash)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            county = build_county()
        yield county


# --- the REST API as a caller sees it --------------------------------------------------
class Api:
    """Calls /api/v1 with a bearer token for `user` (or anonymously)."""

    def __init__(self, client, user=None):
        self.client = client
        self.headers = {}
        if user is not None:
            _, key = ApiToken.issue(user)
            self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path: str, **params):
        return self.client.get(API + path, params, headers=self.headers)

    def post(self, path: str, payload: dict | None = None):
        return self.client.post(API + path, json.dumps(payload or {}, default=str),
                                content_type="application/json", headers=self.headers)

    def put(self, path: str, payload: dict):
        return self.client.put(API + path, json.dumps(payload, default=str),
                               content_type="application/json", headers=self.headers)

    def delete(self, path: str):
        return self.client.delete(API + path, headers=self.headers)


@pytest.fixture(name="api")
def api_fixture(client):
    """api(user) -> Api; api() is anonymous."""
    return lambda user=None: Api(client, user)


# --- input as the pages and the API receive it ------------------------------------------
CONTACT = {"name": "李建国", "relation": "son", "phone": "13900001111"}


def elder_fields(region: str, **overrides) -> dict:
    """A valid elder as field values (a female born 1946-03-02 with a fresh ID number)."""
    birth_date = overrides.pop("birth_date", dt.date(1946, 3, 2))
    sex = overrides.get("sex", "F")
    fields = {
        "name": "王秀英", "sex": sex,
        "id_number": overrides.get("id_number") or new_id_number(birth_date, sex),
        "birth_date": birth_date.isoformat() if birth_date else "", "ethnicity": "汉族",
        "phone": "13812345678", "address": "东岭村三组12号", "region": region, "economic_status": "none",
        "living_arrangement": "with_family", "capability_level": "", "notes": "",
        "contacts": [dict(CONTACT)],
    }
    fields.update(overrides)
    return fields


def fields_of(elder: Elder) -> dict:
    """An existing elder as field values, the way the edit page shows it."""
    return {
        "name": elder.name, "id_number": elder.id_number, "sex": elder.sex,
        "birth_date": elder.birth_date.isoformat(), "ethnicity": elder.ethnicity,
        "phone": elder.phone, "address": elder.address, "region": elder.region_id,
        "economic_status": elder.economic_status,
        "living_arrangement": elder.living_arrangement,
        "capability_level": "" if elder.capability_level is None else elder.capability_level,
        "notes": elder.notes,
        **{flag: getattr(elder, flag) for flag in FLAGS},
        "contacts": [
            {"name": c.name, "relation": c.relation, "phone": c.phone}
            for c in elder.contacts.all()
        ],
    }


FLAGS = ("is_gugua", "is_sanlao", "is_youfu", "is_jisheng_special", "is_left_behind")


def form_post(fields: dict, *, initial_contacts: int = 0) -> dict:
    """Field values as the elder form page posts them (with the contacts formset)."""
    data = {k: v for k, v in fields.items() if k != "contacts" and k not in FLAGS}
    data = {k: "" if v is None else str(v) for k, v in data.items()}
    data.update({flag: "on" for flag in FLAGS if fields.get(flag)})
    contacts = fields.get("contacts", [])
    data.update({
        "contacts-TOTAL_FORMS": "3", "contacts-INITIAL_FORMS": str(initial_contacts),
        "contacts-MIN_NUM_FORMS": "0", "contacts-MAX_NUM_FORMS": "3",
    })
    for i in range(3):
        contact = contacts[i] if i < len(contacts) else {"name": "", "relation": "", "phone": ""}
        data.update({f"contacts-{i}-{k}": v for k, v in contact.items()})
    return data


def api_payload(fields: dict) -> dict:
    """Field values as an API client sends them (JSON types, no empty strings)."""
    payload = dict(fields)
    payload["birth_date"] = payload.get("birth_date") or None
    payload["capability_level"] = (
        None if payload.get("capability_level") in ("", None) else int(payload["capability_level"])
    )
    for flag in FLAGS:
        payload[flag] = bool(payload.get(flag))
    return payload


# --- reading what a page shows ---------------------------------------------------------
class _FormReader(HTMLParser):
    """The values a browser would submit from the first form holding `marker`."""

    def __init__(self, marker: str):
        super().__init__(convert_charrefs=True)
        self.marker, self.forms, self._form = marker, [], None
        self._select = self._textarea = None
        self._first_option = self._chosen = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                value = a.get("value") or ""
                if kind == "date" and value and not _is_iso_date(value):
                    value = ""  # a browser drops a date value it cannot read
                self._form.append((a["name"], value))
        elif tag == "select":
            self._select, self._first_option = a.get("name"), None
            self._chosen = None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._chosen = value
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select:
            chosen = self._chosen if self._chosen is not None else self._first_option
            self._form.append((self._select, chosen or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._form.append(tuple(self._textarea))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data.lstrip("\n") if not self._textarea[1] else data

    def values(self) -> dict:
        for form in self.forms:
            names = [name for name, _ in form]
            if self.marker in names:
                return {name: value for name, value in form if name != "csrfmiddlewaretoken"}
        raise AssertionError(f"no form with a field named {self.marker!r}")


def _is_iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def page_form(response, marker: str) -> dict:
    """What submitting the page's form unchanged would post."""
    reader = _FormReader(marker)
    reader.feed(response.content.decode())
    return reader.values()


# --- checking errors and that nothing was written --------------------------------------
def message(text: str, **params) -> str:
    """A message as the app shows it (zh-hans is the default language)."""
    with translation.override("zh-hans"):
        translated = str(translation.gettext(text))
    return translated % params if params else translated


def assert_page_error(response, field: str, text: str, form: str = "form") -> None:
    """The page re-rendered with `text` on `field`, visibly."""
    assert response.status_code == 200, response.status_code
    errors = response.context[form].errors
    assert field in errors, f"{field} not in {dict(errors)}"
    assert any(text in str(m) for m in errors[field]), errors[field]
    assert escape(text) in response.content.decode()


def assert_api_error(response, field: str, text: str) -> None:
    assert response.status_code == 400, (response.status_code, response.content)
    body = response.json()
    assert body["detail"]
    assert field in body["errors"], body
    assert any(text in m for m in body["errors"][field]), body["errors"][field]


def db_state(*elders: Elder) -> dict:
    """Everything a failed write must leave untouched."""
    return {
        "elders": Elder.objects.count(),
        "contacts": sorted(EmergencyContact.objects.values_list("elder_id", "name", "phone_hash")),
        "audit": AuditLog.objects.count(),
        "counts": sorted(ElderCount.objects.values_list("region_id", "key", "count")),
        "rows": [Elder.objects.filter(pk=e.pk).values().get() for e in elders],
    }


def raw_rows(table: str) -> list[tuple]:
    """Every row of a table read with plain SQL, bypassing the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        return cursor.fetchall()


def raw_text(table: str) -> str:
    return "\n".join(" | ".join(str(v) for v in row) for row in raw_rows(table))

"""Create and edit validation, through the pages and through the API.

Every bad input the issue names gets a case: its message must be on the right field,
and nothing may be written (no elder, no contact, no count, no audit entry).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.fixtures import (  # noqa: F401
    api_fixture,
    api_payload,
    assert_api_error,
    assert_page_error,
    county_fixture,
    db_state,
    elder_fields,
    fields_of,
    form_post,
    message,
    page_form,
)
from yiyang.core.choices import AuditAction
from yiyang.core.models import AuditLog
from yiyang.core.testing import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from yiyang.elders.choices import ElderStatus, Sex
from yiyang.elders.models import Elder
from yiyang.lib import idcard


def _other_check_digit(number: str) -> str:
    right = number[17]
    return number[:17] + ("0" if right != "0" else "1")


def _young_id(sex: str) -> str:
    return idcard.make("372025", dt.date(1990, 3, 7), 2 if sex == "F" else 1)


# name: (field, changes(county, fields) -> dict, expected message(fields) -> str)
BAD_INPUT = {
    "wrong check digit": (
        "id_number",
        lambda county, f: {"id_number": _other_check_digit(f["id_number"])},
        lambda f: "check digit",
    ),
    "birth date not matching the ID": (
        "birth_date",
        lambda county, f: {"birth_date": (dt.date.fromisoformat(f["birth_date"])
                                          + dt.timedelta(days=1)).isoformat()},
        lambda f: message("Does not match the birth date in the ID number (%(date)s).",
                          date=f["birth_date"]),
    ),
    "sex not matching the ID": (
        "sex",
        lambda county, f: {"sex": "M" if f["sex"] == "F" else "F"},
        lambda f: message("Does not match the ID number, which says %(sex)s.",
                          sex=str(Sex(f["sex"]).label)),
    ),
    "aged under 60": (
        "birth_date",
        lambda county, f: {"id_number": _young_id(f["sex"]), "birth_date": ""},
        lambda f: message("The registry holds residents aged %(age)s or over.", age=60),
    ),
    "region outside the user's scope": (
        "region",
        lambda county, f: {"region": VILLAGE_B1},
        lambda f: message("Select a valid choice. %(value)s is not one of the available "
                          "choices.", value=VILLAGE_B1),
    ),
    "duplicate ID number": (
        "id_number",
        lambda county, f: {"id_number": county.elders["b1"].id_number},
        lambda f: message("This ID number is already registered."),
    ),
    "bad phone": (
        "phone",
        lambda county, f: {"phone": "1381234567"},
        lambda f: message("Enter an 11-digit mobile number (e.g. 13812345678) or a landline "
                          "with area code."),
    ),
}
CASES = pytest.mark.parametrize("case", list(BAD_INPUT))


def _bad(county, fields: dict, case: str) -> tuple[dict, str, str]:
    field, changes, expected = BAD_INPUT[case]
    return {**fields, **changes(county, fields)}, field, expected(fields)


# --- create ------------------------------------------------------------------------------
@CASES
def test_it_refuses_bad_input_on_the_create_page(county, client, case):
    client.force_login(county.users["town"])
    fields, field, expected = _bad(county, elder_fields(VILLAGE_A1, name="孙玉兰"), case)
    before = db_state(*county.elders.values())
    response = client.post(reverse("elders:create"), form_post(fields))
    assert_page_error(response, field, expected)
    assert db_state(*county.elders.values()) == before
    assert not Elder.objects.filter(name="孙玉兰").exists()


@CASES
def test_it_refuses_bad_input_to_the_create_api(county, api, case):
    fields, field, expected = _bad(county, elder_fields(VILLAGE_A1, name="孙玉兰"), case)
    caller = api(county.users["town"])
    before = db_state(*county.elders.values())
    response = caller.post("/elders", api_payload(fields))
    assert_api_error(response, field, expected)
    assert db_state(*county.elders.values()) == before


# --- edit --------------------------------------------------------------------------------
@CASES
def test_it_refuses_bad_input_on_the_edit_page(county, client, case):
    elder = county.elders["a1"]
    client.force_login(county.users["town"])
    fields, field, expected = _bad(county, fields_of(elder), case)
    before = db_state(*county.elders.values())
    response = client.post(reverse("elders:edit", args=[elder.pk]),
                           form_post(fields, initial_contacts=1))
    assert_page_error(response, field, expected)
    assert db_state(*county.elders.values()) == before


@CASES
def test_it_refuses_bad_input_to_the_update_api(county, api, case):
    elder = county.elders["a1"]
    fields, field, expected = _bad(county, fields_of(elder), case)
    caller = api(county.users["town"])
    before = db_state(*county.elders.values())
    response = caller.put(f"/elders/{elder.pk}", api_payload(fields))
    assert_api_error(response, field, expected)
    assert db_state(*county.elders.values()) == before


def test_it_names_every_problem_at_once(county, api):
    fields = elder_fields(VILLAGE_A1, name="孙", phone="12",
                          contacts=[{"name": "", "relation": "son", "phone": "abc"}])
    response = api(county.users["town"]).post("/elders", api_payload(fields) | {"sex": "M"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"name", "sex", "phone", "contacts[0].name", "contacts[0].phone"} <= set(errors)


def test_it_refuses_a_bad_contact_phone_on_the_create_page(county, client):
    client.force_login(county.users["town"])
    fields = elder_fields(VILLAGE_A1, contacts=[{"name": "李建国", "relation": "son",
                                                 "phone": "12345"}])
    before = db_state()
    response = client.post(reverse("elders:create"), form_post(fields))
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["phone"]
    assert db_state() == before


# --- good input --------------------------------------------------------------------------
def test_it_creates_an_elder_from_the_page(county, client):
    client.force_login(county.users["town"])
    fields = elder_fields(VILLAGE_A2, name="孙 玉兰", id_number="11010519491231002x",
                          birth_date="", phone="138 1111-2222", living_arrangement="alone",
                          capability_level="2", is_gugua=True)
    response = client.post(reverse("elders:create"), form_post(fields))
    elder = Elder.objects.get(name="孙玉兰")
    assert response.status_code == 302
    assert response["Location"] == reverse("elders:detail", args=[elder.pk])
    assert elder.region_id == VILLAGE_A2 and elder.town_code == VILLAGE_A2[:9]
    assert elder.birth_date == dt.date(1949, 12, 31)  # taken from the ID number
    assert elder.phone == "13811112222"
    assert elder.id_number == "11010519491231002X"
    assert (elder.living_arrangement, elder.capability_level, elder.is_gugua) == ("alone", 2, True)
    assert [(c.name, c.phone) for c in elder.contacts.all()] == [("李建国", "13900001111")]
    entry = AuditLog.objects.get(action=AuditAction.CREATE, object_id=str(elder.pk))
    assert entry.actor == county.users["town"]
    assert entry.changes["phone"] == "138****2222"


def test_it_accepts_full_width_and_legacy_id_numbers(county, api):
    caller = api(county.users["town"])
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    response = caller.post("/elders", api_payload(elder_fields(
        VILLAGE_A1, name="周淑芬", id_number=full_width, birth_date=dt.date(1949, 12, 31))))
    assert response.status_code == 201, response.content
    assert response.json()["id_number"] == "110105********002X"
    legacy = "110101400307447"  # 15 digits, born 1940-03-07, male
    response = caller.post("/elders", api_payload(elder_fields(
        VILLAGE_A1, name="吴国华", sex="M", id_number=legacy, birth_date="")))
    assert response.status_code == 201, response.content
    elder = Elder.objects.get(name="吴国华")
    assert elder.id_number == idcard.upgrade_legacy(legacy)
    assert elder.birth_date == dt.date(1940, 3, 7)
    # the same person again under the 18-digit form is a duplicate
    response = caller.post("/elders", api_payload(elder_fields(
        VILLAGE_A1, name="吴国华", sex="M", id_number=idcard.upgrade_legacy(legacy))))
    assert_api_error(response, "id_number", message("This ID number is already registered."))


def test_it_keeps_an_elders_own_id_number_on_edit(county, client):
    """Saving an elder with their own ID number is not a duplicate."""
    elder = county.elders["a1"]
    client.force_login(county.users["town"])
    fields = fields_of(elder) | {"notes": "每周三上门"}
    response = client.post(reverse("elders:edit", args=[elder.pk]),
                           form_post(fields, initial_contacts=1))
    assert response.status_code == 302
    elder.refresh_from_db()
    assert elder.notes == "每周三上门"


def test_it_keeps_the_contacts_when_the_edit_page_leaves_them_alone(county, client):
    elder = county.elders["a1"]
    client.force_login(county.users["town"])
    fields = fields_of(elder) | {"notes": "独居, 子女在外地"}
    response = client.post(reverse("elders:edit", args=[elder.pk]),
                           form_post(fields, initial_contacts=1))
    assert response.status_code == 302
    assert [(c.name, c.phone) for c in elder.contacts.all()] == [("李建国", "13900001111")]


def test_it_adds_a_second_contact_on_the_edit_page(county, client):
    elder = county.elders["a1"]
    client.force_login(county.users["town"])
    fields = fields_of(elder)
    fields["contacts"].append({"name": "王芳", "relation": "daughter", "phone": "13655556666"})
    response = client.post(reverse("elders:edit", args=[elder.pk]),
                           form_post(fields, initial_contacts=1))
    assert response.status_code == 302
    assert [c.name for c in elder.contacts.all()] == ["李建国", "王芳"]


def test_it_removes_a_contact_ticked_for_removal_on_the_edit_page(county, client):
    elder = county.elders["a1"]
    client.force_login(county.users["town"])
    fields = fields_of(elder)
    fields["contacts"].append({"name": "王芳", "relation": "daughter", "phone": "13655556666"})
    client.post(reverse("elders:edit", args=[elder.pk]), form_post(fields, initial_contacts=1))
    posted = form_post(fields_of(elder), initial_contacts=2) | {"contacts-0-DELETE": "on"}
    response = client.post(reverse("elders:edit", args=[elder.pk]), posted)
    assert response.status_code == 302
    assert [c.name for c in elder.contacts.all()] == ["王芳"]
    change = AuditLog.objects.filter(action="update", object_id=str(elder.pk)).latest("id")
    assert change.changes["contacts"][1] == ["王芳/daughter/136****6666"]


def test_it_saves_the_edit_page_unchanged_without_changing_anything(county, client):
    """Open the edit page and press Save: the elder, contacts and history stay as they are."""
    elder = county.elders["a1"]
    client.force_login(county.users["town"])
    page = client.get(reverse("elders:edit", args=[elder.pk]))
    assert page.status_code == 200
    posted = page_form(page, "id_number")
    assert posted["birth_date"] == "1946-03-02"  # a value <input type="date"> can show
    assert posted["region"] == VILLAGE_A1
    before = db_state(elder)
    response = client.post(reverse("elders:edit", args=[elder.pk]), posted)
    assert response.status_code == 302, response.context and response.context["form"].errors
    after = db_state(elder)
    for row in (before["rows"][0], after["rows"][0]):
        for volatile in ("last_updated", "phone_enc", "address_enc"):
            row.pop(volatile)  # re-sealed with a fresh nonce; the values are the same
    assert after["rows"] == before["rows"]
    assert after["contacts"] == before["contacts"]
    assert after["audit"] == before["audit"]


# --- status ------------------------------------------------------------------------------
def test_it_refuses_a_status_date_in_the_future_on_the_page(county, client):
    elder = county.elders["a1"]
    client.force_login(county.users["town"])
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    before = db_state(*county.elders.values())
    response = client.post(reverse("elders:status", args=[elder.pk]), {
        "status": ElderStatus.DECEASED, "date": tomorrow.isoformat(), "reason": "病故",
    })
    assert_page_error(response, "date", message("The date cannot be in the future."))
    assert db_state(*county.elders.values()) == before


def test_it_refuses_a_status_date_in_the_future_through_the_api(county, api):
    elder = county.elders["a1"]
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    before = db_state(*county.elders.values())
    response = api(county.users["town"]).post(f"/elders/{elder.pk}/status", {
        "status": ElderStatus.DECEASED, "date": tomorrow.isoformat(), "reason": "病故",
    })
    assert_api_error(response, "date", message("The date cannot be in the future."))
    assert db_state(*county.elders.values()) == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"status": "gone"}, "status"),
    ({"reason": ""}, "reason"),
])
def test_it_refuses_an_incomplete_status_change(county, api, changes, field):
    elder = county.elders["a1"]
    payload = {"status": ElderStatus.MOVED, "date": dt.date.today().isoformat(), "reason": "迁出"}
    before = db_state(elder)
    response = api(county.users["town"]).post(f"/elders/{elder.pk}/status", payload | changes)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert db_state(elder) == before

"""One search box: names (1-3 characters), pinyin initials, phone numbers, exact ID numbers,
always inside the searcher's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.fixtures import api_fixture, module_transaction  # noqa: F401
from yiyang.core.testing import VILLAGE_A1, VILLAGE_A2, VILLAGE_B2, build_county, make_elder
from yiyang.lib import idcard

ID_X = "11010519491231002X"


@pytest.fixture(scope="module")
def searchable_county(django_db_setup, django_db_blocker):
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            county = build_county()
            _add_elders(county)
        yield county


@pytest.fixture
def searchable(searchable_county, db):
    return searchable_county


def _add_elders(county):
    admin = county.users["admin"]
    make_elder(VILLAGE_A1, actor=admin, name="王建华", sex="M", birth_date=dt.date(1950, 8, 8),
               phone="13700001234")
    make_elder(VILLAGE_A2, actor=admin, name="买买提·艾力", sex="M",
               birth_date=dt.date(1952, 1, 1), phone="13700005678")
    make_elder(VILLAGE_A2, actor=admin, name="周淑芬", id_number=ID_X,
               birth_date=dt.date(1949, 12, 31), phone="13700009999")
    make_elder(VILLAGE_B2, actor=admin, name="王秀兰", phone="13511112222")


def _search(client, user, term: str, **params) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("elders:list"), {"q": term, **params})
    assert response.status_code == 200
    names = sorted(e.name for e in response.context["page"].rows)
    assert response.context["page"].total == len(names)
    return names


@pytest.mark.parametrize(("term", "names"), [
    ("秀英", ["王秀英"]),                      # a two-character given name
    ("王秀英", ["王秀英"]),                    # the full name
    ("王秀兰", ["王秀兰"]),
    ("王", ["王建华", "王秀兰", "王秀英"]),     # one character: a surname
    ("建", ["张建国", "王建华"]),              # one character inside a name
    ("建国", ["张建国"]),
    ("秀", ["王秀兰", "王秀英"]),
    ("王秀", ["王秀兰", "王秀英"]),
    ("秀芬", []),
    ("王英", []),                              # not a substring of 王秀英
    (" 王秀英 ", ["王秀英"]),
    ("买买提·艾力", ["买买提·艾力"]),          # a name with a middle dot
    ("艾力", ["买买提·艾力"]),
    ("wxy", ["王秀英"]),                       # pinyin initials
    ("WXY", ["王秀英"]),
    ("wx", ["王秀兰", "王秀英"]),
    ("wjh", ["王建华"]),
    ("zjg", ["张建国"]),
    ("zsf", ["周淑芬"]),
    ("xyz", []),
    ("13700001234", ["王建华"]),               # full phone
    ("137 0000 1234", ["王建华"]),
    ("13812345678", ["张建国", "李桂兰", "王秀英", "赵德明"]),
    ("1370000123", []),                        # part of a phone finds nothing
    (ID_X, ["周淑芬"]),                        # exact ID number
    (ID_X.lower(), ["周淑芬"]),
    ("１１０１０５１９４９１２３１００２Ｘ", ["周淑芬"]),
    ("110105194912310021", []),                # wrong check digit
    ("11010519491231002", []),                 # part of an ID number
    ("110105", []),
])
def test_it_finds_elders_by_what_a_worker_types(searchable, client, term, names):
    assert _search(client, searchable.users["admin"], term) == names


@pytest.mark.parametrize("term", ['"', '王"', '"王秀英"', "*", "王*", "(", "OR", "王 OR 李", "-", "'",
                                  "%", "_", "\\", "王%"])
def test_it_takes_punctuation_in_the_search_box_without_failing(searchable, client, term):
    names = _search(client, searchable.users["admin"], term)
    assert set(names) <= {"王秀英", "王建华", "王秀兰"}


def test_it_finds_by_a_legacy_15_digit_id_number(searchable, client):
    legacy = "110101400307447"  # born 1940-03-07, male
    admin = searchable.users["admin"]
    make_elder(VILLAGE_A1, actor=admin, name="吴国华", sex="M",
               id_number=idcard.upgrade_legacy(legacy), birth_date=dt.date(1940, 3, 7))
    assert _search(client, admin, legacy) == ["吴国华"]
    assert _search(client, admin, idcard.upgrade_legacy(legacy)) == ["吴国华"]


def test_it_forgets_what_the_previous_test_wrote(searchable, client):
    """The module's data is shared; each test's own writes are rolled back."""
    assert _search(client, searchable.users["admin"], "吴国华") == []


@pytest.mark.parametrize(("role", "term"), [
    ("town", "李桂兰"), ("town", "lgl"), ("town", "王秀兰"), ("town", "13511112222"),
    ("town", "b1:id"), ("town", "桂"), ("village", "张建国"), ("village", "zjg"),
    ("village", "13700005678"), ("caregiver", "张建国"), ("family", "王秀英"),
    ("volunteer", "wxy"), ("provider", "赵德明"), ("town_b", ID_X),
])
def test_it_never_finds_elders_outside_the_searchers_scope(searchable, client, api, role, term):
    if term == "b1:id":
        term = searchable.elders["b1"].id_number
    user = searchable.users[role]
    assert _search(client, user, term) == []
    assert _search(client, user, term, status="all") == []
    body = api(user).get("/elders", q=term, status="all").json()
    assert (body["count"], body["results"]) == (0, [])


def test_it_searches_only_inside_the_scope_through_the_api(searchable, api):
    town = api(searchable.users["town"])
    assert sorted(e["name"] for e in town.get("/elders", q="王").json()["results"]) == [
        "王建华", "王秀英"]
    assert sorted(e["name"] for e in town.get("/elders", q="13812345678").json()["results"]) == [
        "张建国", "王秀英"]
    caregiver = api(searchable.users["caregiver"])
    assert [e["name"] for e in caregiver.get("/elders", q="wxy").json()["results"]] == ["王秀英"]
    assert caregiver.get("/elders", q="wjh").json()["count"] == 0

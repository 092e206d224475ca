"""Searching by an ID or phone number keeps the number out of URLs and the audit log."""

import pytest
from django.test import Client
from django.urls import reverse

from yiyang.core.models import AuditLog
from yiyang.core.testing import build_county

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    return build_county()


def _lookup(client, **data):
    return client.post(reverse("elders:lookup"), data)


def test_a_posted_id_number_comes_back_as_a_session_token(client, county):
    li = county.elders["b1"]
    client.force_login(county.users["admin"])
    response = _lookup(client, q=f" {li.id_number} ", category="dibao")
    assert response.status_code == 302
    location = response["Location"]
    assert li.id_number not in location and "find=" in location and "category=dibao" in location
    page = client.get(location).content.decode()
    assert "李桂兰" in page and "王秀英" not in page
    assert li.id_number_masked in page and li.id_number not in page


def test_a_phone_number_is_looked_up_the_same_way(client, county):
    wang = county.elders["a1"]
    client.force_login(county.users["town"])
    location = _lookup(client, q=wang.phone)["Location"]
    assert wang.phone not in location
    assert "王秀英" in client.get(location).content.decode()


def test_a_token_is_worthless_in_another_session(client, county):
    client.force_login(county.users["admin"])
    location = _lookup(client, q=county.elders["b1"].id_number)["Location"]
    other = Client()
    other.force_login(county.users["admin"])
    page = other.get(location).content.decode()
    assert 'data-testid="lookup-expired"' in page and "李桂兰" in page  # the whole list, no lookup


def test_a_name_is_not_worth_hiding(client, county):
    client.force_login(county.users["admin"])
    location = _lookup(client, q="秀英", sex="F")["Location"]
    assert "find=" not in location and "sex=F" in location and "q=" in location


def test_an_export_of_a_number_search_audits_the_number_masked(client, county):
    li = county.elders["b1"]
    client.force_login(county.users["admin"])
    location = _lookup(client, q=li.id_number)["Location"]
    query = location.split("?", 1)[1]
    response = client.get(f"{reverse('elders:export')}?{query}")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.count("\n") == 2 and "李桂兰" in body
    entry = AuditLog.objects.get(action="export")
    assert entry.changes["filters"]["q"] == li.id_number_masked
    assert li.id_number not in str(entry.changes)


def test_only_a_post_looks_up(client, county):
    client.force_login(county.users["admin"])
    assert client.get(reverse("elders:lookup"), {"q": county.elders["b1"].id_number}).status_code == 405

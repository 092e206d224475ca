"""Family members' and volunteers' accounts linked to an elder from the elder's page:
who may link, what the linked person then sees, what is refused and why, the history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.fixtures import api_fixture, county_fixture  # noqa: F401
from yiyang.core.choices import AuditAction, Role
from yiyang.core.models import AuditLog
from yiyang.core.testing import COUNTY, TOWN_B, make_user
from yiyang.elders.choices import GrantKind
from yiyang.elders.models import Elder, ElderGrant


def _link(client, elder, username):
    return client.post(reverse("elders:link_account", args=[elder.pk]), {"username": username})


def _history(elder):
    return list(AuditLog.objects.filter(object_type="elders.elder", object_id=str(elder.pk),
                                        action=AuditAction.UPDATE).order_by("pk"))


def _sees(user, elder) -> bool:
    return Elder.objects.restrict(user).filter(pk=elder.pk).exists()


def test_a_village_worker_links_a_family_account_which_then_sees_the_elder(client, county):
    elder, family = county.elders["a1"], county.users["family"]
    assert not _sees(family, elder)
    client.force_login(county.users["village"])

    response = _link(client, elder, " family ")

    assert response.status_code == 302
    assert response["Location"].endswith("#linked-accounts")
    assert _sees(family, elder)
    assert ElderGrant.objects.get(elder=elder, user=family).kind == GrantKind.FAMILY
    entry = _history(elder)[-1]
    assert entry.actor_name == "village"
    assert entry.changes == {"access": [None, {"kind": "family", "username": "family",
                                               "name": "family"}]}
    page = client.get(response["Location"]).content.decode()
    assert 'data-username="family"' in page
    assert "family (family, 家属)" in page  # the history entry in words


def test_a_volunteer_is_linked_as_a_volunteer(client, county):
    elder = county.elders["a1"]
    client.force_login(county.users["village"])
    _link(client, elder, "volunteer")
    assert ElderGrant.objects.get(elder=elder, user=county.users["volunteer"]).kind == "volunteer"


@pytest.mark.parametrize(("username", "reason"), [
    ("nobody", "没有可以登录的账号“nobody”"),
    ("town", "“town”是乡镇（街道）专干账号：只有家属和志愿者的账号可以关联到老年人。"),
    ("switched-off", "没有可以登录的账号“switched-off”"),
    ("", "此项为必填项。"),
    ("family-b", "“family-b”的账号区域（西河镇）不包含王秀英所在的村（社区）"),
])
def test_a_link_that_cannot_be_made_says_why_and_writes_nothing(client, county, username,
                                                                 reason):
    switched_off = make_user("switched-off", Role.FAMILY, COUNTY)
    switched_off.is_active = False
    switched_off.save()
    make_user("family-b", Role.FAMILY, TOWN_B)  # an area without the elder's village
    elder = county.elders["a1"]
    grants, history = ElderGrant.objects.count(), len(_history(elder))
    client.force_login(county.users["village"])

    response = _link(client, elder, username)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="error-username"' in page
    assert reason in page
    assert ElderGrant.objects.count() == grants
    assert len(_history(elder)) == history


def test_an_account_already_linked_is_not_linked_twice(client, county):
    elder = county.elders["a2"]  # the family account is linked to it already
    client.force_login(county.users["admin"])
    response = _link(client, elder, "family")
    assert "“family”已关联到张建国。" in response.content.decode()
    assert ElderGrant.objects.filter(elder=elder, user=county.users["family"]).count() == 1


@pytest.mark.parametrize("who", ["village", "family", "operator", "provider"])
def test_only_workers_who_may_change_the_elder_link_accounts(client, county, who):
    elder = county.elders["b1"]  # outside the village worker's village
    client.force_login(county.users[who])
    assert _link(client, elder, "family").status_code == 404
    assert not ElderGrant.objects.filter(elder=elder, user=county.users["family"]).exists()


def test_removing_a_link_ends_the_persons_access_and_is_in_the_history(client, county):
    elder, family = county.elders["a2"], county.users["family"]
    grant = ElderGrant.objects.get(elder=elder, user=family)
    client.force_login(county.users["town"])

    response = client.post(reverse("elders:unlink_account", args=[elder.pk, grant.pk]))

    assert response.status_code == 302
    assert not _sees(family, elder)
    assert _history(elder)[-1].changes["access"][1] is None
    assert _history(elder)[-1].changes["access"][0]["username"] == "family"


def test_provider_and_caregiver_grants_are_not_removed_here(client, county):
    elder = county.elders["a1"]
    caregiver_grant = ElderGrant.objects.get(elder=elder, kind=GrantKind.CAREGIVER)
    client.force_login(county.users["admin"])
    url = reverse("elders:unlink_account", args=[elder.pk, caregiver_grant.pk])
    assert client.post(url).status_code == 404
    assert ElderGrant.objects.filter(pk=caregiver_grant.pk).exists()


def test_the_linked_accounts_show_to_the_regions_workers_not_to_the_linked(client, county):
    elder = county.elders["a2"]
    client.force_login(county.users["operator"])  # sees the list, may not change it
    page = client.get(reverse("elders:detail", args=[elder.pk])).content.decode()
    assert 'data-testid="linked-accounts"' in page
    assert 'data-username="family"' in page
    assert 'data-testid="link-form"' not in page
    assert 'data-testid="unlink-account"' not in page

    client.force_login(county.users["family"])
    page = client.get(reverse("elders:detail", args=[elder.pk])).content.decode()
    assert 'data-testid="linked-accounts"' not in page


def test_the_api_lists_links_and_unlinks_accounts(api, county):
    elder, family = county.elders["a1"], county.users["family"]
    worker = api(county.users["village"])

    created = worker.post(f"/elders/{elder.pk}/accounts", {"username": "family"})
    assert created.status_code == 201
    assert created.json()["username"] == "family" and created.json()["kind"] == "family"
    assert _sees(family, elder)
    listed = worker.get(f"/elders/{elder.pk}/accounts").json()
    assert [(a["username"], a["kind"]) for a in listed] == [("family", "family")]

    refused = worker.post(f"/elders/{elder.pk}/accounts", {"username": "operator"})
    assert refused.status_code == 400
    assert "只有家属和志愿者的账号可以关联到老年人" in refused.json()["errors"]["username"][0]

    assert worker.delete(f"/elders/{elder.pk}/accounts/{created.json()['id']}").status_code == 204
    assert not _sees(family, elder)
    assert worker.get(f"/elders/{elder.pk}/accounts").json() == []


def test_the_api_keeps_links_to_the_workers_of_the_elders_region(api, county):
    elder = county.elders["a2"]
    grant = ElderGrant.objects.get(elder=elder, user=county.users["family"])
    assert api(county.users["family"]).get(f"/elders/{elder.pk}/accounts").status_code == 404
    assert api(county.users["operator"]).post(
        f"/elders/{elder.pk}/accounts", {"username": "volunteer"}).status_code == 404
    assert api(county.users["town_b"]).delete(
        f"/elders/{elder.pk}/accounts/{grant.pk}").status_code == 404
    assert ElderGrant.objects.filter(pk=grant.pk).exists()

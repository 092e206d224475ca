"""Account management: scoped to the administrator's area, validated by field, audited
without any password, never deleted; everyone changes their own password and phone."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.http import Http404

from yiyang.accounts import services
from yiyang.accounts.services import AccountData, AccountError
from yiyang.core.choices import Role
from yiyang.core.models import AuditLog, User
from yiyang.core.testing import COUNTY, PASSWORD, TOWN_A, TOWN_B, VILLAGE_A1, build_county, make_user

pytestmark = pytest.mark.django_db


def authenticate(*, username: str, password: str):
    """The password check of the login page (without its rate limiter)."""
    return ModelBackend().authenticate(None, username=username, password=password)


@pytest.fixture
def county():
    return build_county()


def _data(**changes) -> AccountData:
    return AccountData(**{"full_name": "陈晓梅", "role": Role.VILLAGE_WORKER, "region": VILLAGE_A1,
                          "phone": "13912345678", **changes})


def test_an_account_is_created_with_a_temporary_password_and_audited(county):
    user, password = services.create_account("chenxm", _data(), actor=county.users["admin"])
    assert authenticate(username="chenxm", password=password) == user
    assert (user.role, user.scope_region_id, user.phone_masked) == (Role.VILLAGE_WORKER, VILLAGE_A1,
                                                                     "139****5678")
    assert "13912345678" not in str(User.objects.filter(pk=user.pk).values().get())
    entry = AuditLog.objects.get(action="create", object_type="core.user")
    assert entry.changes["phone"] == "139****5678" and password not in str(entry.changes) + entry.detail


def test_bad_input_is_named_by_field(county):
    admin = county.users["admin"]
    with pytest.raises(AccountError) as refused:
        services.create_account("town", _data(), actor=admin)  # taken
    assert "username" in refused.value.errors
    with pytest.raises(AccountError) as refused:
        services.create_account("new one", _data(), actor=admin)
    assert "username" in refused.value.errors
    with pytest.raises(AccountError) as refused:
        services.create_account("zhang", _data(role=Role.CAREGIVER, region="110101000000", phone="123"),
                                actor=admin)
    assert set(refused.value.errors) == {"region", "organisation", "phone"}
    assert not User.objects.filter(username="zhang").exists()


def test_an_administrator_manages_only_the_accounts_of_their_area(county):
    town_admin = make_user("town_admin", Role.BUREAU_ADMIN, TOWN_A)
    listed = set(services.manageable(town_admin).values_list("username", flat=True))
    assert listed == {"town", "village", "town_admin"}
    with pytest.raises(Http404):
        services.update_account(county.users["town_b"], _data(region=TOWN_B), actor=town_admin)
    with pytest.raises(AccountError) as refused:  # nor give anyone a wider area than their own
        services.create_account("wide", _data(region=COUNTY), actor=town_admin)
    assert "region" in refused.value.errors
    with pytest.raises(Http404):
        services.create_account("x", _data(), actor=county.users["town"])  # not an administrator


def test_a_deactivated_account_cannot_log_in_and_its_password_can_be_reset(county):
    admin, town = county.users["admin"], county.users["town"]
    services.update_account(town, _data(role=Role.TOWN_WORKER, region=TOWN_A, is_active=False),
                            actor=admin)
    assert authenticate(username="town", password=PASSWORD) is None
    services.update_account(town, _data(role=Role.TOWN_WORKER, region=TOWN_A), actor=admin)
    password = services.reset_password(town, actor=admin)
    assert authenticate(username="town", password=PASSWORD) is None
    assert authenticate(username="town", password=password) is not None
    changes = AuditLog.objects.filter(object_type="core.user", action="update").values_list(
        "changes", "detail")
    assert any(c.get("active") == [True, False] for c, _d in changes)
    assert all(password not in str(c) + d for c, d in changes)


def test_an_administrator_cannot_lock_themselves_out(county):
    admin = county.users["admin"]
    with pytest.raises(AccountError):
        services.update_account(admin, _data(role=Role.BUREAU_ADMIN, region=COUNTY, is_active=False),
                                actor=admin)
    with pytest.raises(AccountError):
        services.update_account(admin, _data(role=Role.TOWN_WORKER, region=COUNTY), actor=admin)


def test_the_masked_phone_shown_in_the_form_means_unchanged(county):
    admin, town = county.users["admin"], county.users["town"]
    services.update_account(town, _data(role=Role.TOWN_WORKER, region=TOWN_A), actor=admin)
    town.refresh_from_db()
    services.update_account(town, _data(role=Role.TOWN_WORKER, region=TOWN_A, phone="139****5678",
                                        full_name="改名"), actor=admin)
    town.refresh_from_db()
    assert (town.phone, town.full_name) == ("13912345678", "改名")


def test_the_pages_for_an_administrator_and_for_everyone(client, county):
    client.force_login(county.users["admin"])
    page = client.get("/accounts/").content.decode()
    assert 'data-username="village"' in page and 'data-username="provider"' in page
    created = client.post("/accounts/new/", {"username": "liwei", "full_name": "李伟", "role": "town_worker",
                                             "region": TOWN_A, "phone": ""})
    assert created.status_code == 200 and b'data-testid="temporary-password"' in created.content
    assert User.objects.get(username="liwei").scope_region_id == TOWN_A
    refused = client.post("/accounts/new/", {"username": "liwei", "role": "town_worker", "region": TOWN_A})
    assert 'data-testid="error-username"' in refused.content.decode()
    client.force_login(county.users["town"])
    assert client.get("/accounts/").status_code == 404
    assert client.get(f"/accounts/{county.users['village'].pk}/").status_code == 404
    assert client.get("/accounts/me/").status_code == 200
    client.post("/accounts/me/", {"phone": "0539-1234567"})
    assert User.objects.get(username="town").phone == "05391234567"
    changed = client.post("/accounts/me/", {"old_password": PASSWORD, "new_password1": "Hui-an-2027",
                                            "new_password2": "Hui-an-2027"})
    assert changed.status_code == 302 and authenticate(username="town", password="Hui-an-2027")
    assert client.get("/accounts/me/").status_code == 200  # still logged in after the change


def test_a_temporary_password_is_never_cached(client, county):
    client.force_login(county.users["admin"])
    answer = client.post(f"/accounts/{county.users['town'].pk}/reset-password/")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]


def test_a_temporary_password_leads_to_my_account_until_it_is_changed(client, county):
    admin = county.users["admin"]
    user, password = services.create_account("chenxm", _data(), actor=admin)
    client.force_login(user)
    for path in ("/", "/elders/", "/ledgers/", "/accounts/new/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/me/", path
    page = client.get("/accounts/me/")
    assert page.status_code == 200 and b'data-testid="temporary-password-notice"' in page.content
    assert client.get("/api/v1/elders").status_code != 302  # the API never redirects
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 302

    new = "Xihe-cun-2027"
    response = client.post("/accounts/me/", {"old_password": password, "new_password1": new,
                                             "new_password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.password_is_temporary and user.check_password(new)
    assert client.get("/elders/").status_code == 200
    assert b"temporary-password-notice" not in client.get("/accounts/me/").content

    services.reset_password(user, actor=admin)  # a reset makes it temporary again
    user.refresh_from_db()
    assert user.password_is_temporary


"""Accounts in the browser: the bureau administrator creates a village worker (a wrong
input first), the worker logs in with the temporary password and must change it first, and an
account switched off can no longer log in."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_out, zh
from yiyang.core.models import User
from yiyang.core.testing import VILLAGE_A1

pytestmark = pytest.mark.browser


def _open_my_account(page) -> None:
    toggle = page.locator(".navbar-toggler")
    if toggle.is_visible():
        toggle.click()
    page.get_by_test_id("whoami").click()


def test_an_account_is_made_used_and_switched_off(page, county, login, url, shot):
    login("admin")
    _open_my_account(page)
    page.get_by_test_id("manage-accounts").click()
    expect(page.get_by_test_id("account-row")).to_have_count(len(county.users))
    page.get_by_test_id("account-new").click()
    form = page.get_by_test_id("account-form")
    form.locator("#id_username").fill("chenxm")
    form.locator("#id_full_name").fill("陈晓梅")
    form.locator("#id_role").select_option("caregiver")  # needs a provider: none chosen
    form.locator("#id_region").select_option(VILLAGE_A1)
    form.locator("#id_phone").fill("1391234")
    page.get_by_test_id("save-account").click()
    expect(page.get_by_test_id("error-organisation")).to_contain_text(
        zh("This role works for a service provider: choose it."))
    expect(page.get_by_test_id("error-phone")).to_be_visible()
    expect(form.locator("#id_username")).to_have_value("chenxm")  # nothing typed is lost
    form.locator("#id_role").select_option("village_worker")
    form.locator("#id_phone").fill("13912345678")
    page.get_by_test_id("save-account").click()
    password = page.get_by_test_id("temporary-password").inner_text().strip()
    assert len(password) == 12
    shot("80-account-created")
    page.get_by_test_id("back-to-accounts").click()
    row = page.locator("[data-testid=account-row][data-username=chenxm]")
    expect(row).to_contain_text("139****5678")
    expect(row).to_contain_text("东岭村")
    log_out(page)

    # The new worker logs in with the temporary password and chooses their own.
    page.get_by_test_id("login-username").fill("chenxm")
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("whoami")).to_contain_text("陈晓梅")
    # A temporary password leads to 我的账号 first, whatever page is asked for.
    expect(page).to_have_url(url("/accounts/me/"))
    expect(page.get_by_test_id("temporary-password-notice")).to_be_visible()
    shot("80b-temporary-password")
    page.goto(url("/elders/"))
    expect(page).to_have_url(url("/accounts/me/"))
    expect(page.get_by_test_id("me-summary")).to_contain_text(zh("Village / community worker"))
    expect(page.get_by_test_id("manage-accounts")).to_have_count(0)
    form = page.get_by_test_id("password-form")
    form.locator("#id_old_password").fill(password)
    form.locator("#id_new_password1").fill("12345678")
    form.locator("#id_new_password2").fill("12345678")
    page.get_by_test_id("change-password").click()
    expect(page.get_by_test_id("error-new_password2")).to_be_visible()  # all digits, too common
    form.locator("#id_old_password").fill(password)
    form.locator("#id_new_password1").fill("Xihe-cun-2027")
    form.locator("#id_new_password2").fill("Xihe-cun-2027")
    page.get_by_test_id("change-password").click()
    expect(page.get_by_test_id("message")).to_contain_text(zh("Your password was changed."))
    expect(page.get_by_test_id("temporary-password-notice")).to_have_count(0)
    shot("81-my-account")
    page.goto(url("/elders/"))
    expect(page).to_have_url(url("/elders/"))
    log_out(page)

    # The administrator switches the account off: the password no longer opens it.
    login("admin")
    page.goto(url(f"/accounts/{User.objects.get(username='chenxm').pk}/"))
    page.get_by_test_id("account-form").locator("#id_is_active").uncheck()
    page.get_by_test_id("save-account").click()
    expect(page.locator("[data-testid=account-row][data-username=chenxm] [data-testid=account-active]")
           ).to_contain_text(zh("No"))
    log_out(page)
    page.get_by_test_id("login-username").fill("chenxm")
    page.get_by_test_id("login-password").fill("Xihe-cun-2027")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_test_id("whoami")).to_have_count(0)

"""Logging in, a wrong password, the language switch, the lockout."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from yiyang.core.models import AuditLog
from yiyang.core.testing import PASSWORD

pytestmark = pytest.mark.browser


def test_it_refuses_a_wrong_password_then_lets_the_worker_in(page, url, county, shot):
    page.goto(url("/elders/"))
    # Not logged in: sent to the login form, which keeps where the worker was going.
    expect(page).to_have_url(re.compile(r"/login/\?next=/elders/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    form = page.get_by_test_id("login-form")
    expect(form.get_by_test_id("login-username")).to_be_visible()
    expect(form.get_by_test_id("login-password")).to_have_attribute("type", "password")
    expect(form.get_by_test_id("login-submit")).to_be_enabled()
    expect(page.get_by_test_id("menu")).to_have_count(0)  # no menu before logging in
    shot("01-login")

    page.get_by_test_id("login-username").fill("town")
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()

    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.get_by_test_id("login-username")).to_have_value("town")
    expect(page.get_by_test_id("login-password")).to_have_value("")
    shot("02-login-wrong-password")

    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"/elders/$"))
    expect(page.get_by_test_id("whoami")).to_contain_text("town")
    expect(page.get_by_test_id("whoami")).to_contain_text("东岭镇")
    actions = list(AuditLog.objects.filter(actor_name="town").values_list("action", flat=True))
    assert sorted(actions) == ["login", "login_failed"]


def test_it_switches_the_interface_to_english_and_back(page, url, county, login, shot):
    page.goto(url("/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("lang-zh-hans")).to_have_attribute("aria-pressed", "true")

    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/login/$"))  # stays on the same page
    expect(page.get_by_test_id("lang-en")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("login-submit")).to_have_text("Log in")
    shot("03-login-english")

    # The choice survives logging in and moving between pages.
    login("admin")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Elder registry")).to_be_visible()
    page.get_by_test_id("menu").get_by_role("link", name="Regions").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_test_id("lang-zh-hans").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("region-name")).to_have_text("颐阳县")  # back on the same page


def test_it_locks_an_account_after_repeated_wrong_passwords(page, url, county, shot):
    page.goto(url("/login/"))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_test_id("login-username").fill("village")
        page.get_by_test_id("login-password").fill("wrong-password")
        page.get_by_test_id("login-submit").click()
        if page.get_by_test_id("locked-out").count():
            break
    expect(page.get_by_test_id("locked-out")).to_be_visible()
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    expect(page.get_by_test_id("locked-out")).to_contain_text(f" {minutes} ")
    shot("04-locked-out")

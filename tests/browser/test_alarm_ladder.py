"""The escalation ladder page: a bureau admin opens it from the device register, gives
a town its own ladder (a bad value first, with its message), sees the new values and
a village below inheriting them, reveals the supervisor's phone, and deletes the
ladder again. A town worker sees their town's ladder read-only."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import zh
from yiyang.core.testing import TOWN_A, VILLAGE_A1

pytestmark = pytest.mark.browser


def child(page, code):
    return page.locator(f"[data-testid=ladder-child][data-code='{code}']")


def test_an_admin_gives_a_town_its_own_ladder(page, url, login, shot):
    login("admin")
    page.goto(url("/alarms/devices/"))
    page.get_by_test_id("ladders-link").click()
    expect(page.get_by_test_id("ladder-region")).to_contain_text("颐阳县")
    expect(page.get_by_test_id("ladder-source")).to_have_text(zh("the defaults"))
    child(page, TOWN_A).get_by_role("link", name="东岭镇").click()
    expect(page.get_by_test_id("ladder-region")).to_contain_text("东岭镇")

    form = page.get_by_test_id("ladder-form")
    form.locator("[name=ack_target_s]").fill("90")
    form.locator("[name=neighbours_after_s]").fill("60")  # before the acknowledge target: refused
    form.locator("[name=family_after_s]").fill("300")
    form.locator("[name=supervisor_name]").fill("主管李")
    form.locator("[name=supervisor_phone]").fill("13900002222")
    page.get_by_test_id("ladder-save").click()
    expect(page.get_by_test_id("error-neighbours_after_s")).to_contain_text("90")
    expect(page.get_by_test_id("ladder-source")).to_have_text(zh("the defaults"))  # nothing saved
    shot("ladder-error")

    page.get_by_test_id("ladder-form").locator("[name=neighbours_after_s]").fill("150")
    page.get_by_test_id("ladder-save").click()
    expect(page.get_by_test_id("ladder-source")).to_have_text(zh("own ladder"))
    expect(page.get_by_test_id("ladder-ack")).to_have_text("90")
    expect(page.get_by_test_id("ladder-neighbours")).to_have_text("150")
    expect(page.get_by_test_id("ladder-family")).to_have_text("300")
    expect(page.get_by_test_id("masked-supervisor_phone")).to_have_text("139****2222")
    page.get_by_test_id("reveal-supervisor_phone").click()
    expect(page.get_by_test_id("personal-supervisor_phone")).to_contain_text("13900002222")
    shot("ladder-town")

    child(page, VILLAGE_A1).get_by_role("link", name="东岭村").click()
    expect(page.get_by_test_id("ladder-source")).to_have_text(zh("inherited from %(region)s") % {
        "region": "东岭镇"})
    expect(page.get_by_test_id("ladder-ack")).to_have_text("90")
    expect(page.get_by_test_id("ladder-worker")).to_have_count(1)  # the village worker
    shot("ladder-village")

    page.get_by_test_id("breadcrumb").get_by_role("link", name="东岭镇").click()
    page.get_by_test_id("ladder-delete").click()
    expect(page.get_by_test_id("ladder-source")).to_have_text(zh("the defaults"))


def test_a_town_worker_sees_their_towns_ladder_read_only(page, url, login):
    login("town")
    page.goto(url("/alarms/devices/"))
    page.get_by_test_id("ladders-link").click()
    expect(page.get_by_test_id("ladder-region")).to_contain_text("东岭镇")
    expect(page.get_by_test_id("ladder-current")).to_be_visible()
    expect(page.get_by_test_id("ladder-form")).to_have_count(0)
    response = page.goto(url("/alarms/ladders/372025101000/"))  # the other town
    assert response.status == 404

"""The regions drill-down and the audit log."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import count_of, listed_names, zh
from yiyang.core.choices import AuditAction
from yiyang.core.testing import COUNTY, TOWN_A, VILLAGE_A1

pytestmark = pytest.mark.browser


def row(page, code):
    return page.locator(f"[data-testid=region-row][data-code='{code}']")


def test_it_drills_down_from_county_to_village_with_counts(page, county, login, shot):
    login("admin")
    page.get_by_test_id("menu").get_by_role("link", name=zh("Regions")).click()
    expect(page.get_by_test_id("region-name")).to_have_text("颐阳县")
    expect(page.get_by_test_id("region-count")).to_have_text("4")
    expect(page.get_by_test_id("region-row")).to_have_count(2)
    expect(row(page, TOWN_A).get_by_test_id("region-row-count")).to_have_text("2")
    expect(row(page, "372025101000").get_by_test_id("region-row-count")).to_have_text("2")
    shot("30-regions-county")

    row(page, TOWN_A).get_by_role("link", name="东岭镇").click()
    expect(page.get_by_test_id("region-name")).to_have_text("东岭镇")
    expect(page.get_by_test_id("region-count")).to_have_text("2")
    expect(page.get_by_test_id("region-row")).to_have_count(2)
    expect(row(page, VILLAGE_A1).get_by_test_id("region-row-count")).to_have_text("1")
    expect(row(page, "372025100202").get_by_test_id("region-row-count")).to_have_text("1")
    expect(page.get_by_test_id("breadcrumb")).to_contain_text("颐阳县")
    shot("31-regions-town")

    row(page, VILLAGE_A1).get_by_role("link", name="东岭村").click()
    expect(page.get_by_test_id("region-name")).to_have_text("东岭村")
    expect(page.get_by_test_id("region-count")).to_have_text("1")
    expect(page.get_by_test_id("region-row")).to_have_count(0)
    expect(page.get_by_test_id("region-leaf")).to_be_visible()
    expect(page.get_by_test_id("breadcrumb")).to_contain_text("东岭镇")
    shot("32-regions-village")

    # From a village to its elders in the registry.
    page.get_by_test_id("open-registry").click()
    expect(page).to_have_url(re.compile(rf"region={VILLAGE_A1}"))
    expect(listed_names(page)).to_have_text(["王秀英"])
    expect(count_of(page)).to_have_attribute("data-count", "1")

    # And back up through the breadcrumb.
    page.go_back()
    page.get_by_test_id("breadcrumb").get_by_role("link", name="颐阳县").click()
    expect(page).to_have_url(re.compile(rf"/regions/{COUNTY}/$"))
    expect(page.get_by_test_id("region-count")).to_have_text("4")


def test_it_starts_a_town_worker_at_their_town(page, url, county, login):
    login("town")
    page.get_by_test_id("menu").get_by_role("link", name=zh("Regions")).click()
    expect(page.get_by_test_id("region-name")).to_have_text("东岭镇")
    expect(page.get_by_test_id("breadcrumb").get_by_role("link")).to_have_count(0)
    assert page.goto(url(f"/regions/{COUNTY}/")).status == 404
    assert page.goto(url("/regions/372025101000/")).status == 404


def test_it_shows_the_admins_login_and_reveal_in_the_audit_log(page, county, login, shot):
    wang = county.elders["a1"]
    login("admin")
    page.get_by_role("link", name="王秀英").click()
    page.get_by_test_id("reveal-phone").click()
    expect(page.get_by_test_id("personal-phone")).to_have_text(wang.phone)

    page.get_by_test_id("menu").get_by_role("link", name=zh("Audit log")).click()
    table = page.get_by_test_id("audit-table")
    reveal = table.locator("[data-testid=audit-row][data-action=reveal]")
    expect(reveal).to_have_count(1)
    expect(reveal).to_contain_text("admin")
    expect(reveal).to_contain_text(zh(AuditAction.REVEAL.label))
    expect(reveal).to_contain_text("王秀英")
    expect(reveal).to_contain_text(zh("Phone"))
    expect(reveal).not_to_contain_text(wang.phone)  # the log names the field, not the value
    login_row = table.locator("[data-testid=audit-row][data-action=login][data-actor=admin]")
    expect(login_row).to_have_count(1)
    expect(login_row).to_contain_text(zh(AuditAction.LOGIN.label))
    expect(login_row).to_contain_text("127.0.0.1")
    # Newest first: the reveal came after the login.
    actions = table.locator("[data-testid=audit-row]").evaluate_all(
        "rows => rows.map(r => r.dataset.action)")
    assert actions.index("reveal") < actions.index("login")
    shot("33-audit")

    # Filter to reveals only.
    with page.expect_navigation():
        page.locator("#id_action").select_option("reveal")
    expect(table.locator("[data-testid=audit-row]")).to_have_count(1)

    # The object link leads back to the elder.
    reveal.get_by_role("link", name=re.compile("王秀英")).click()
    expect(page.get_by_test_id("elder-name")).to_have_text("王秀英")


def test_it_hides_the_audit_log_from_a_town_worker(page, url, county, login):
    login("town")
    expect(page.get_by_test_id("menu").get_by_role("link", name=zh("Audit log"))).to_have_count(0)
    assert page.goto(url("/audit/")).status == 404

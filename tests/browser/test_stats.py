"""The statistics page of a region."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import choose, count_of, in_list_order, listed_names, zh
from yiyang.core.testing import TOWN_A

pytestmark = pytest.mark.browser


def test_it_counts_the_county_then_a_town_and_links_to_the_list(page, county, login, shot):
    login("admin")
    page.get_by_test_id("menu").get_by_role("link", name=zh("Statistics")).click()
    expect(page.get_by_test_id("stat-total")).to_have_text("4")
    expect(page.locator("[data-testid=stat-categories] [data-category=dibao]")).to_have_text("1")
    expect(page.locator("[data-testid=stat-categories] [data-category=aged_80]")).to_have_text("3")
    shot("40-stats")

    choose(page, "#stats-region", TOWN_A)
    expect(page.get_by_test_id("stat-total")).to_have_text("2")
    expect(page.locator("[data-testid=stat-categories] [data-category=alone]")).to_have_text("1")

    # A category's name opens the registry with that filter, in that town.
    page.locator("[data-testid=stat-categories] a[href*='category=alone']").click()
    expect(page).to_have_url(re.compile(r"category=alone"))
    expect(listed_names(page)).to_have_text(in_list_order(["张建国"]))
    expect(count_of(page)).to_have_attribute("data-count", "1")

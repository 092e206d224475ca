"""The registry list: filters, result count, search."""

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import choose, count_of, in_list_order, listed_names
from yiyang.core.models import AuditLog
from yiyang.elders import services
from yiyang.elders.categories import age_band_q
from yiyang.elders.models import Elder

pytestmark = pytest.mark.browser

EVERYONE = ["张建国", "李桂兰", "王秀英", "赵德明"]


def test_it_narrows_the_registry_with_filters_and_the_count_follows(page, county, login, shot):
    admin = county.users["admin"]
    services.set_status(county.elders["b2"], "moved", on=dt.date(2026, 1, 5),
                        reason="随子女迁往市区", actor=admin)
    login("admin")
    expect(listed_names(page)).to_have_text(in_list_order(["张建国", "李桂兰", "王秀英"]))
    expect(count_of(page)).to_have_attribute("data-count", "3")
    expect(count_of(page)).to_contain_text("3")
    shot("10-registry")

    # Category: 低保 (dibao). Choosing an option applies it, no button needed.
    choose(page, "#id_category", "dibao")
    expect(page).to_have_url(re.compile(r"category=dibao"))
    expect(listed_names(page)).to_have_text(["李桂兰"])
    expect(count_of(page)).to_have_attribute("data-count", "1")
    shot("11-registry-category")

    # Category back to all, then sex: male.
    choose(page, "#id_category", "")
    expect(count_of(page)).to_have_attribute("data-count", "3")
    choose(page, "#id_sex", "M")
    expect(page).to_have_url(re.compile(r"sex=M"))
    expect(listed_names(page)).to_have_text(["张建国"])  # 赵德明 moved away

    # Status: moved away, still male: the one who left.
    choose(page, "#id_status", "moved")
    expect(listed_names(page)).to_have_text(["赵德明"])
    expect(page.locator("[data-testid=elder-row] .yy-badge")).to_have_class(re.compile("yy-badge-moved"))
    # Status: all, both sexes: everyone, the moved one included.
    choose(page, "#id_status", "all")
    choose(page, "#id_sex", "")
    expect(listed_names(page)).to_have_text(in_list_order(EVERYONE))
    expect(count_of(page)).to_have_attribute("data-count", "4")

    # Age band 80–89, computed from today's date as the server does.
    band = Elder.objects.filter(age_band_q("80-89", dt.date.today()))
    expected = list(band.values_list("name", flat=True))
    assert expected  # the personas cover the band
    choose(page, "#id_age_band", "80-89")
    expect(page).to_have_url(re.compile(r"age_band=80-89"))
    expect(listed_names(page)).to_have_text(in_list_order(expected))
    expect(count_of(page)).to_have_attribute("data-count", str(len(expected)))

    # A combination that matches nobody says so.
    choose(page, "#id_category", "dibao")
    choose(page, "#id_sex", "M")
    expect(page.get_by_test_id("no-results")).to_be_visible()
    expect(count_of(page)).to_have_attribute("data-count", "0")
    shot("12-registry-no-results")

    page.get_by_test_id("clear-filters").click()
    expect(listed_names(page)).to_have_text(in_list_order(["张建国", "李桂兰", "王秀英"]))


def test_it_finds_elders_by_name_pinyin_initials_and_exact_id_number(page, county, login, shot):
    login("admin")
    box = page.get_by_test_id("search-input")

    box.fill("秀英")
    box.press("Enter")
    expect(listed_names(page)).to_have_text(["王秀英"])
    expect(box).to_have_value("秀英")  # the term stays in the box
    shot("13-search-name")

    box.fill("zjg")
    page.get_by_test_id("search-submit").click()
    expect(listed_names(page)).to_have_text(["张建国"])

    # A single initial matches every name starting with it: 张建国 and 赵德明.
    box.fill("z")
    box.press("Enter")
    expect(listed_names(page)).to_have_text(in_list_order(["张建国", "赵德明"]))

    li = county.elders["b1"]
    box.fill(li.id_number)
    box.press("Enter")
    expect(listed_names(page)).to_have_text(["李桂兰"])
    expect(count_of(page)).to_have_attribute("data-count", "1")
    # The list still shows the number masked, never what was typed.
    row = page.get_by_test_id("elder-row")
    expect(row).to_contain_text(li.id_number_masked)
    expect(row).not_to_contain_text(li.id_number)
    # The number never reaches the address bar (history, logs, Referer): a session token does.
    assert li.id_number not in page.url and "find=" in page.url
    expect(page.get_by_test_id("lookup")).to_contain_text(li.id_number_masked)
    expect(box).to_have_value("")
    choose(page, "#id_category", "dibao")  # another filter keeps the number search
    expect(listed_names(page)).to_have_text(["李桂兰"])
    assert li.id_number not in page.url
    shot("14-search-id-number")

    box.fill(li.phone)
    box.press("Enter")
    expect(listed_names(page)).to_have_text(["李桂兰"])
    assert li.phone not in page.url

    # One wrong digit: an exact-number search finds no one (no partial matches).
    wrong = li.id_number[:-2] + ("1" if li.id_number[-2] != "1" else "2") + li.id_number[-1]
    box.fill(wrong)
    box.press("Enter")
    expect(page.get_by_test_id("no-results")).to_be_visible()


def test_it_shows_a_town_worker_only_their_town(page, county, login):
    login("town")
    expect(listed_names(page)).to_have_text(in_list_order(["张建国", "王秀英"]))
    box = page.get_by_test_id("search-input")
    box.fill(county.elders["b1"].id_number)  # 李桂兰 lives in the other town
    box.press("Enter")
    expect(page.get_by_test_id("no-results")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("李桂兰")


def test_it_exports_the_filtered_list_masked_and_audited(page, county, login):
    login("admin")
    choose(page, "#id_category", "dibao")
    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    download = download_info.value
    assert download.suggested_filename == "elders.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    li = county.elders["b1"]
    assert len(lines) == 2  # the header and 李桂兰, the only 低保 elder
    assert "李桂兰" in lines[1] and li.id_number_masked in lines[1]
    assert li.id_number not in text and li.phone not in text
    export = AuditLog.objects.get(action="export")
    assert export.actor_name == "admin" and export.changes["rows"] == 1

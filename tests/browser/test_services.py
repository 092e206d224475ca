"""Home care, the whole loop in the browser, on a phone and on a desktop screen: a family
orders a bath, the provider assigns it, the caregiver checks in (geolocation granted),
logs and checks out, the family confirms with the code and rates the visit, the bureau
reviews the flagged short visit, settles the month and finds the amount in the export."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.helpers import zh
from tests.services.helpers import HOME, build_world
from yiyang.core.testing import PASSWORD
from yiyang.services import notify
from yiyang.services.models import Order

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 800}


def _as(page, url, username):
    page.context.clear_cookies()
    page.goto(url("/login/"))
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-password").press("Enter")
    expect(page.get_by_test_id("whoami")).to_contain_text(username)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_it_runs_a_bath_from_order_to_settlement(page, county, url, shot, viewport, tmp_path):
    world = build_world(county)
    elder = county.elders["a2"]  # granted to the family member
    page.set_viewport_size(viewport)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": HOME[0] + 0.0003, "longitude": HOME[1], "accuracy": 10})
    size = "phone" if viewport is PHONE else "desktop"

    # The family orders a bath for today.
    _as(page, url, "family")
    page.goto(url("/services/orders/new/"))
    page.get_by_test_id("find-elder-input").fill(elder.name)
    page.get_by_test_id("find-elder-submit").click()
    page.get_by_test_id(f"order-for-{elder.pk}").click()
    expect(page.get_by_test_id("balances")).to_contain_text(
        zh("No government-paid entitlement: services are self-paid."))
    page.get_by_test_id("item-ZY01").check()
    now = timezone.localtime()  # a window around now, within today (whenever the test runs)
    start = max(now - dt.timedelta(hours=1), now.replace(hour=0, minute=0))
    end = min(start + dt.timedelta(hours=11), now.replace(hour=23, minute=59))
    page.locator("#id_day").fill(now.date().isoformat())
    page.locator("#id_start").fill(start.strftime("%H:%M"))
    page.locator("#id_end").fill(end.strftime("%H:%M"))
    shot(f"svc-{size}-01-order")
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "created")
    order = Order.objects.get(elder=elder)
    expect(page.get_by_test_id("self-amount")).to_contain_text("80.00")

    # The provider accepts and assigns the caregiver.
    _as(page, url, "provider")
    page.goto(url(f"/services/orders/{order.pk}/"))
    page.get_by_test_id("accept").click()
    page.locator("#id_caregiver").select_option(str(world.caregiver.pk))
    page.get_by_test_id("assign").click()
    expect(page.get_by_test_id("caregiver")).to_contain_text("周护理")
    shot(f"svc-{size}-02-assigned")

    # The caregiver's phone page: check in where the elder lives, log, check out.
    _as(page, url, "caregiver")
    page.goto(url("/services/"))
    card = page.get_by_test_id("visit-card")
    expect(card).to_contain_text(elder.name)
    expect(card.get_by_test_id("map-link")).to_have_attribute("href", re.compile("uri.amap.com"))
    shot(f"svc-{size}-03-today")
    card.get_by_test_id("open-visit").click()
    expect(page.get_by_test_id("risks")).to_contain_text("防跌倒")
    page.get_by_test_id("set-out").click()
    page.get_by_test_id("checkin").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "in_service")
    page.locator("textarea[name=notes]").fill("协助洗澡，皮肤无异常")
    shot(f"svc-{size}-04-in-service")
    page.get_by_test_id("checkout").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "done")
    order.refresh_from_db()
    assert order.checkin_distance_m is not None and order.checkin_distance_m < 60
    assert order.log_notes == "协助洗澡，皮肤无异常"
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("message")).to_contain_text("139****1111")
    code = re.search(r"\b(\d{6})\b", notify.last_to("13900001111").text).group(1)
    shot(f"svc-{size}-05-confirm")

    # The family confirms with the code and rates the visit.
    _as(page, url, "family")
    page.goto(url(f"/services/orders/{order.pk}/"))
    page.locator("#id_code").fill("000000" if code != "000000" else "111111")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("message")).to_contain_text(zh("The code is wrong."))
    page.locator("#id_code").fill(code)
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "confirmed")
    page.get_by_test_id("rating-form").locator("input[name=score][value='5']").check()
    page.locator("#id_comment").fill("护理员很耐心")
    page.get_by_test_id("rate").click()
    expect(page.get_by_test_id("rating")).to_contain_text("护理员很耐心")
    shot(f"svc-{size}-06-rated")

    # The bureau: the visit was short (seconds), so it waits for review; then settle.
    _as(page, url, "admin")
    page.goto(url("/services/review/"))
    row = page.get_by_test_id("review-row")
    expect(row).to_contain_text(elder.name)
    row.locator("input[name=reason]").fill("电话回访，老人确认已洗浴")
    row.get_by_test_id("review-accept").click()
    expect(page.get_by_test_id("review-list")).to_contain_text(zh("Nothing to review."))
    page.goto(url("/services/settlements/"))
    page.locator("#id_month").fill(timezone.localdate().strftime("%Y-%m"))
    page.get_by_test_id("generate").click()
    page.get_by_test_id("settlement-row").filter(has_text="康乐").locator("a").click()
    expect(page.get_by_test_id("total-visits")).to_have_text("1")
    expect(page.get_by_test_id("total-self")).to_have_text("80.00")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("settlement-status")).to_contain_text(zh("Approved (locked)"))
    expect(page.get_by_test_id("approve")).to_have_count(0)
    shot(f"svc-{size}-07-settlement")
    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    path = tmp_path / "settlement.xlsx"
    download.value.save_as(path)
    book = load_workbook(path, read_only=True)
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True) if len(row) > 1}
    assert summary["合计(元)"] == 80 and summary["服务次数"] == 1
    visits = list(book["服务明细"].iter_rows(values_only=True))
    assert visits[1][0] == order.pk and visits[1][11] == 80

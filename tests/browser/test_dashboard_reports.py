"""The statistical reports and population pages in a browser: a bureau admin enters a
town's population (the dashboard's ageing rate follows), prepares the monthly report of
the county and downloads it; the workbook's totals equal counts made here."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.cache import cache
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.dashboard.helpers import counted
from yiyang.core.testing import COUNTY, TOWN_A

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The live server shares this process's cache: services and alarms figures are
    cached for 30 s, so one test's county must not show in the next one's."""
    cache.clear()


def test_a_population_figure_sets_the_ageing_rate(page, county, login, url):
    login("admin")
    page.goto(url("/dashboard/population/"))
    page.get_by_test_id("population-region").select_option(TOWN_A)
    page.get_by_test_id("population-year").fill(str(dt.date.today().year))
    page.get_by_test_id("population-population").fill("20")
    page.get_by_test_id("population-source").fill("县统计局")
    page.get_by_test_id("population-save").click()
    expect(page.get_by_test_id("message")).to_be_visible()
    expect(page.locator(f"[data-testid=population-table] tr[data-region='{TOWN_A}'] "
                        "[data-testid=population-value]")).to_have_text("20")
    page.goto(url(f"/dashboard/?region={TOWN_A}"))
    aged = counted(TOWN_A[:9], dt.date.today())["aged_60"]
    expect(page.get_by_test_id("kpi-ageing-rate")).to_have_text(f"{100 * aged / 20:.2f}%")


def test_the_monthly_report_is_prepared_and_downloaded(page, county, login, url, shot):
    login("admin")
    page.goto(url("/dashboard/"))
    page.get_by_test_id("dash-reports").click()
    page.get_by_test_id("report-period").fill(f"{dt.date.today():%Y-%m}")
    page.get_by_test_id("report-submit").click()
    expect(page.get_by_test_id("message")).to_be_visible()
    row = page.get_by_test_id("report-row").first
    expect(row.get_by_test_id("report-download")).to_be_visible()
    shot("62-dashboard-reports")
    with page.expect_download() as info:
        row.get_by_test_id("report-download").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    rows = list(book["年龄性别结构"].iter_rows(values_only=True))
    totals = next(r for r in rows if r[0] == "合计")
    assert totals[3] == counted(COUNTY[:6], dt.date.today())["aged_60"]

"""The dashboard in a browser: a bureau admin and a town worker open it, read figures
that equal counts made here from the database, click a town in the ranked table, switch
the period and open the wall display."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.browser.helpers import zh
from tests.dashboard.helpers import counted
from yiyang.core.models import Region
from yiyang.core.testing import COUNTY, TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_A2, make_elder
from yiyang.dashboard import services

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The live server shares this process's cache: services and alarms figures are
    cached for 30 s, so one test's county must not show in the next one's."""
    cache.clear()


def _more_elders(county) -> None:
    admin = county.users["admin"]
    for i, (village, born, sex, extra) in enumerate([
        (VILLAGE_A1, dt.date(1922, 5, 1), "F", {"living_arrangement": "alone"}),
        (VILLAGE_A1, dt.date(1944, 8, 9), "M", {"capability_level": 3}),
        (VILLAGE_A2, dt.date(1950, 1, 3), "F", {"economic_status": "tekun"}),
        (VILLAGE_A2, dt.date(1931, 12, 30), "M", {"capability_level": 2}),
    ]):
        make_elder(village, actor=admin, name="测试" + "甲乙丙丁"[i], sex=sex, birth_date=born,
                   **extra)


def _number(n: int) -> str:
    return f"{n:,}"


def _expect_registry(page, prefix: str, day: dt.date) -> dict:
    expected = counted(prefix, day)
    expect(page.get_by_test_id("dashboard")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("kpi-aged-60")).to_have_text(_number(expected["aged_60"]))
    expect(page.get_by_test_id("kpi-aged-80")).to_have_text(_number(expected["aged_80"]))
    expect(page.get_by_test_id("kpi-aged-100")).to_have_text(_number(expected["aged_100"]))
    expect(page.get_by_test_id("kpi-total")).to_have_text(_number(expected["total"]))
    expect(page.get_by_test_id("kpi-disabled")).to_have_text(_number(expected["disabled"]))
    for band, sexes in expected["pyramid"].items():
        for sex, n in sexes.items():
            expect(page.locator(f"[data-testid=pyramid-table] tr[data-band='{band}'] "
                                f"td[data-sex={sex}]")).to_have_text(_number(n))
    return expected


def test_the_bureau_sees_the_county_drills_down_and_switches_the_period(page, county, login,
                                                                       url, shot):
    _more_elders(county)
    town = Region.objects.get(code=TOWN_A)
    services.set_population(town, dt.date.today().year, 40, actor=county.users["admin"])
    login("admin")
    page.get_by_test_id("nav-dashboard").click()
    expect(page.get_by_test_id("dash-region")).to_have_text("颐阳县")
    today = dt.date.today()
    _expect_registry(page, COUNTY[:6], today)
    rows = page.get_by_test_id("child-row")
    expect(rows).to_have_count(2)
    # ranked by elders aged 60+: 东岭镇 (6 of them) above 西河镇
    a, b = counted(TOWN_A[:9], today), counted(TOWN_B[:9], today)
    expect(rows.nth(0).locator("[data-col=name]")).to_have_text("东岭镇")
    expect(rows.nth(0).locator("[data-col=aged_60]")).to_have_text(_number(a["aged_60"]))
    expect(rows.nth(1).locator("[data-col=aged_60]")).to_have_text(_number(b["aged_60"]))
    expect(rows.nth(0).locator("[data-col=ageing_rate]")).to_have_text(
        f"{100 * a['aged_60'] / 40:.2f}%")
    expect(page.get_by_test_id("panel-services")).to_be_visible()
    shot("60-dashboard-county")

    rows.nth(0).get_by_role("link", name="东岭镇").click()
    expect(page).to_have_url(re.compile(rf"region={TOWN_A}"))
    expect(page.get_by_test_id("dash-region")).to_have_text("东岭镇")
    _expect_registry(page, TOWN_A[:9], today)
    expect(page.get_by_test_id("kpi-ageing-rate")).to_have_text(f"{100 * a['aged_60'] / 40:.2f}%")
    expect(page.get_by_test_id("dash-path")).to_contain_text("颐阳县")
    expect(page.get_by_test_id("child-row")).to_have_count(2)  # its villages

    # Last year: the ages are counted on 31 December.
    last_year = str(today.year - 1)
    with page.expect_navigation():
        page.get_by_test_id("dash-period").select_option(last_year)
    expect(page).to_have_url(re.compile(rf"period={last_year}"))
    _expect_registry(page, TOWN_A[:9], dt.date(today.year - 1, 12, 31))


def test_a_town_worker_sees_only_their_town(page, county, login, url):
    _more_elders(county)
    login("town")
    page.get_by_test_id("nav-dashboard").click()
    expect(page.get_by_test_id("dash-region")).to_have_text("东岭镇")
    _expect_registry(page, TOWN_A[:9], dt.date.today())
    names = page.locator("[data-testid=child-row] [data-col=name]")
    expect(names).to_have_text(["东岭村", "石门村"])
    response = page.goto(url(f"/dashboard/?region={TOWN_B}"))
    assert response.status == 404
    page.goto(url(f"/dashboard/?region={VILLAGE_A1}"))
    _expect_registry(page, VILLAGE_A1, dt.date.today())
    expect(page.get_by_test_id("child-row")).to_have_count(0)


def test_the_wall_display_and_the_empty_modules(page, county, login, url, shot):
    login("admin")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(url("/dashboard/"))
    page.get_by_test_id("dash-wall").click()
    expect(page).to_have_url(re.compile(r"wall=1"))
    expect(page.locator("body")).to_have_class(re.compile("yy-wall"))
    expect(page.get_by_test_id("menu")).to_be_hidden()
    expect(page.get_by_test_id("dashboard")).to_have_attribute("data-refresh", "60")
    _expect_registry(page, COUNTY[:6], dt.date.today())
    # nothing recorded by the services and alarms apps in this county: they say so
    expect(page.get_by_test_id("services-empty")).to_have_text(
        zh("No home-care service data for this period yet."))
    expect(page.get_by_test_id("alarms-empty")).to_have_text(
        zh("No alarms or devices recorded here yet."))
    shot("61-dashboard-wall")
    page.get_by_test_id("dash-exit-wall").click()
    expect(page.get_by_test_id("menu")).to_be_visible()


def test_the_services_and_alarms_panels_show_what_the_database_holds(page, county, login,
                                                                      client):
    """Orders, a visit, a rating and an alarm made through the apps' own services appear on
    the dashboard as the numbers counted here from their tables."""
    services_helpers = pytest.importorskip("tests.services.helpers")
    alarms_helpers = pytest.importorskip("tests.alarms.helpers")
    from yiyang.alarms import services as alarm_services
    from yiyang.alarms.models import Alarm, Device
    from yiyang.services import services as home_care
    from yiyang.services.choices import OrderStatus
    from yiyang.services.models import Order, Rating

    world = services_helpers.build_world(county)
    done = services_helpers.deliver(world, services_helpers.order(world), minutes=90)
    home_care.rate_order(done, 4, actor=county.users["town"])
    services_helpers.order(world, elder="b1", by="admin", hour=16)
    _, key = alarms_helpers.make_device(county, elder="a1")
    alarms_helpers.make_device(county, elder="b1", kind="smoke")
    # The intake pushes to the channel layer with async_to_sync, which cannot run in the
    # thread that holds Playwright's event loop (TESTING-NOTES): post from another thread.
    answers = []

    def raise_and_acknowledge():
        answers.append(alarms_helpers.post_event(client, key, alarms_helpers.event("sos")))
        alarm_services.acknowledge(Alarm.objects.get().pk, actor=county.users["admin"])

    worker = threading.Thread(target=raise_and_acknowledge)
    worker.start()
    worker.join()
    assert answers and answers[0].status_code < 300, answers

    login("admin")
    page.get_by_test_id("nav-dashboard").click()
    expect(page.get_by_test_id("dashboard")).to_have_attribute("data-state", "ready")
    today = dt.date.today()
    month = today.replace(day=1)
    orders = Order.objects.filter(service_date__gte=month, service_date__lte=today).exclude(
        status=OrderStatus.CANCELLED)
    expect(page.get_by_test_id("svc-orders")).to_have_text(_number(orders.count()))
    expect(page.get_by_test_id("svc-satisfaction")).to_have_text(
        f"{sum(r.score for r in Rating.objects.all()) / Rating.objects.count():.2f}")
    expect(page.get_by_test_id("alm-period")).to_have_text(_number(Alarm.objects.count()))
    expect(page.get_by_test_id("alm-today")).to_have_text(_number(Alarm.objects.count()))
    # "online" is every device in service that is not offline (the alarms app's definition)
    expect(page.get_by_test_id("alm-online")).to_have_text(
        _number(Device.objects.exclude(status__in=["retired", "offline"]).count()))
    expect(page.get_by_test_id("alm-offline")).to_have_text(
        _number(Device.objects.filter(status="offline").count()))
    rows = page.get_by_test_id("child-row")
    town_a = rows.filter(has_text="东岭镇")
    expect(town_a.locator("[data-col=orders]")).to_have_text(
        _number(orders.filter(region_code__startswith=TOWN_A[:9]).count()))
    expect(town_a.locator("[data-col=alarms]")).to_have_text("1")


def test_the_last_twelve_months_come_from_the_snapshots(page, county, login):
    _more_elders(county)
    today = dt.date.today()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    services.take_snapshot(Region.objects.get(code=COUNTY), last_month_end)
    login("admin")
    page.get_by_test_id("nav-dashboard").click()
    root = page.get_by_test_id("dashboard")
    expect(root).to_have_attribute("data-trend", "ready")
    chart = page.get_by_test_id("chart-trend")
    months = chart.get_attribute("data-months").split(",")
    assert len(months) == 12 and months[-1] == f"{today:%Y-%m}" and months[-2] == f"{last_month_end:%Y-%m}"
    aged_60 = page.evaluate("""() => echarts.getInstanceByDom(
        document.querySelector("[data-chart=trend]")).getOption().series[0].data""")
    assert aged_60[-1] == counted(COUNTY[:6], today)["aged_60"]  # the running month, live
    assert aged_60[-2] == counted(COUNTY[:6], last_month_end)["aged_60"]  # its snapshot
    assert aged_60[:-2] == [None] * 10  # no snapshot: a gap, not a zero

    page.goto(page.url + ("&" if "?" in page.url else "?") + "wall=1")
    expect(root).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("panel-trend")).to_be_hidden()

"""The operator console in the browser, served over ASGI (HTTP and WebSocket): an
alarm arrives without reloading, is acknowledged (a second operator sees it live),
a neighbour accepts on the phone page, the operator closes it with an outcome; an
operator of another town never sees it; a push that never came is caught by the
console's re-sync. And the device register: Excel import, a device's page, figures.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import time

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.alarms.helpers import event, make_device, town_b_operator
from tests.asgi import serving
from tests.browser.conftest import PASSWORD
from tests.browser.helpers import zh
from yiyang.alarms import intake
from yiyang.alarms.choices import AlarmStatus
from yiyang.alarms.models import Alarm, Device, Notification
from yiyang.core.choices import Role
from yiyang.core.testing import COUNTY, make_user
from yiyang.elders.models import EmergencyContact

pytestmark = pytest.mark.browser


@pytest.fixture
def asgi_url(county):
    """yiyang.asgi.application under uvicorn (tests/asgi.py): pytest-django's live
    server speaks HTTP only."""
    with serving() as base:
        yield base


def sign_in(page, base: str, username: str):
    page.goto(base + "/login/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-password").press("Enter")
    expect(page.get_by_test_id("whoami")).to_contain_text(username)
    page.goto(base + "/alarms/")
    expect(page.get_by_test_id("ws-state")).to_have_attribute("data-state", "live")
    return page


def send_event(base: str, key: str, body: dict) -> dict:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("POST", "/api/v1/device-events", json.dumps(body),
                 {"Authorization": f"Device {key}", "Content-Type": "application/json"})
    answer = conn.getresponse()
    assert answer.status == 200
    return json.loads(answer.read())


def test_an_alarm_from_the_button_to_its_outcome(page, browser, county, asgi_url, shot):
    elder = county.elders["a1"]
    neighbour = EmergencyContact(elder=elder, name="邻居张大妈", relation="neighbour", position=0)
    neighbour.set_phone("13700002222")
    neighbour.save()
    _, key = make_device(county)
    make_user("operator2", Role.OPERATOR, COUNTY)
    town_b_operator()
    sign_in(page, asgi_url, "operator")
    second = sign_in(browser.new_context(locale="zh-CN").new_page(), asgi_url, "operator2")
    other_town = sign_in(browser.new_context(locale="zh-CN").new_page(), asgi_url, "operator_b")
    expect(page.get_by_test_id("queue-empty")).to_be_visible()

    alarm_id = send_event(asgi_url, key, event("sos"))["alarm"]
    item = page.locator(f"[data-testid=alarm-item][data-id='{alarm_id}']")
    expect(item).to_contain_text("王秀英")
    expect(page.get_by_test_id("new-banner")).to_be_visible()
    expect(second.locator(f"[data-testid=alarm-item][data-id='{alarm_id}']")).to_be_visible()
    shot("alarms-console-new")

    item.click()
    expect(page.get_by_test_id("elder-card")).to_contain_text("13812345678")  # revealed, audited
    expect(page.get_by_test_id("card-contacts")).to_contain_text("13700002222")
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("alarm-status")).to_have_text(zh(AlarmStatus.ACKNOWLEDGED.label))
    expect(second.locator(f"[data-testid=alarm-item][data-id='{alarm_id}']")).to_have_attribute(
        "data-status", "acknowledged")
    expect(second.locator(f"[data-testid=alarm-item][data-id='{alarm_id}']")).to_contain_text("operator")

    page.locator("#id_dispatch-contact").select_option(str(neighbour.pk))
    page.get_by_test_id("dispatch-submit").click()
    expect(page.get_by_test_id("notifications")).to_contain_text("邻居张大妈")
    token = Notification.objects.get(alarm_id=alarm_id).token
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 780}).new_page()
    phone.goto(f"{asgi_url}/alarms/r/{token}/")
    phone.get_by_test_id("respond-accept").click()
    expect(phone.get_by_test_id("respond-state")).to_be_visible()
    expect(page.get_by_test_id("responder")).to_contain_text("邻居张大妈")  # live, no reload
    shot("alarms-console-responder")

    page.locator("#id_close-outcome").select_option("helper_attended")
    page.locator("#id_close-note").fill("邻居已到场, 老人无大碍")
    page.get_by_test_id("close-submit").click()
    expect(page.get_by_test_id("closed-outcome")).to_be_visible()
    expect(item).to_have_count(0)
    expect(second.locator(f"[data-testid=alarm-item][data-id='{alarm_id}']")).to_have_count(0)
    assert Alarm.objects.get(pk=alarm_id).outcome == "helper_attended"

    # A change stored without any push (as when the channel layer drops one) shows up
    # through the console's re-sync within seconds.
    quiet = intake.receive(f"Device {key}", json.dumps(event("fall")).encode())
    assert quiet.status == 200 and quiet.pushes
    expect(page.locator(f"[data-testid=alarm-item][data-id='{quiet.body['alarm']}']")).to_be_visible(
        timeout=8_000)
    expect(other_town.get_by_test_id("queue-count")).to_have_text("0")
    shot("alarms-console-other-town")


def test_devices_import_page_and_figures(page, county, asgi_url, shot, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序列号", "类型", "厂商", "型号", "IMEI", "SIM", "老人身份证号", "安装人", "安装日期"])
    sheet.append(["IMP-0001", "smoke", "安睿", "AR-SD1", "", "", county.elders["a1"].id_number, "刘工",
                  dt.date(2026, 3, 1)])
    sheet.append(["IMP-0002", "call_button", "颐联", "YL-4G", "860000000000001", "", "110101194603020000",
                  "刘工", ""])
    bad, good = tmp_path / "bad.xlsx", tmp_path / "good.xlsx"
    book.save(bad)
    sheet.delete_rows(3)
    book.save(good)

    page.goto(asgi_url + "/login/")
    page.get_by_test_id("login-username").fill("town")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-password").press("Enter")
    page.goto(asgi_url + "/alarms/")
    expect(page).to_have_url(asgi_url + "/alarms/devices/")
    page.get_by_test_id("device-import-link").click()
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-error")).to_contain_text("3")  # the row with the bad ID
    assert not Device.objects.exists()  # all or nothing
    page.locator("input[type=file]").set_input_files(str(good))
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("imported-device")).to_contain_text("IMP-0001")
    key = page.get_by_test_id("imported-device").locator("code").inner_text()
    shot("alarms-device-import")
    send_event(asgi_url, key, event("heartbeat", battery=77))
    device = Device.objects.get(serial="IMP-0001")
    deadline = time.monotonic() + 5  # heartbeats are written in batches, every 200 ms
    while Device.objects.get(pk=device.pk).battery != 77 and time.monotonic() < deadline:
        time.sleep(0.1)
    page.goto(f"{asgi_url}/alarms/devices/{device.pk}/")
    expect(page.get_by_test_id("device-title")).to_contain_text("IMP-0001")
    expect(page.get_by_test_id("device-state")).to_contain_text("77%")
    shot("alarms-device")
    page.goto(asgi_url + "/alarms/figures/")
    expect(page.get_by_test_id("figures")).to_be_visible()
    expect(page.get_by_test_id("fig-offline")).to_contain_text("0 / 1")
    shot("alarms-figures")

"""Home care's other pages: the bureau's scheme and catalogue, the provider's caregivers,
a care plan, a complaint followed to closure, satisfaction and the bad-input messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import zh
from tests.browser.test_services import _as
from tests.services.helpers import build_world, deliver, order
from yiyang.services import services
from yiyang.services.models import Caregiver, CarePlan, Complaint

pytestmark = pytest.mark.browser


def test_the_bureau_sets_up_a_scheme_and_the_catalogue(page, county, url, shot):
    build_world(county)
    _as(page, url, "admin")
    page.goto(url("/services/schemes/"))
    form = page.get_by_test_id("scheme-form")
    form.locator("#id_name").fill("低保老人居家服务")
    form.locator("input[name=economic_statuses][value=dibao]").check()
    form.locator("#id_monthly_quota").fill("0")
    form.evaluate("form => { form.noValidate = true; }")  # the server's check, not the browser's
    page.get_by_test_id("save-scheme").click()
    expect(page.get_by_test_id("error-monthly_quota")).to_be_visible()  # bad input, by field
    form.locator("#id_monthly_quota").fill("30")
    page.get_by_test_id("save-scheme").click()
    expect(page.get_by_test_id("entitled-count")).to_have_text("1")  # 李桂兰 is on 低保
    shot("svc-admin-01-schemes")
    page.get_by_role("link", name="低保老人居家服务").click()
    expect(page.get_by_test_id("entitlements")).to_contain_text("李桂兰")

    page.goto(url("/services/catalogue/"))
    form = page.get_by_test_id("item-form")
    form.locator("#id_code").fill("QT01")
    form.locator("#id_name").fill("上门理发")
    form.locator("#id_category").select_option("other")
    form.locator("#id_unit").select_option("visit")
    form.locator("#id_standard_minutes").fill("30")
    form.locator("#id_price").fill("25")
    page.get_by_test_id("add-item").click()
    expect(page.get_by_test_id("catalogue")).to_contain_text("上门理发")
    shot("svc-admin-02-catalogue")


def test_the_provider_adds_a_caregiver_with_a_certificate(page, county, url, shot):
    build_world(county)
    _as(page, url, "provider")
    page.goto(url("/services/caregivers/"))
    form = page.get_by_test_id("caregiver-form")
    form.locator("#id_name").fill("郑护理")
    form.locator("#id_phone").fill("12345")
    page.get_by_test_id("add-caregiver").click()
    expect(page.get_by_test_id("error-phone")).to_be_visible()
    form.locator("#id_phone").fill("13912345678")
    form.locator("input[name=skills][value=bathing]").check()
    form.locator("#id_certificate_expires").fill((timezone.localdate() + dt.timedelta(days=300)).isoformat())
    page.get_by_test_id("add-caregiver").click()
    expect(page.get_by_test_id("caregivers")).to_contain_text("郑护理")
    expect(page.get_by_test_id("caregiver-row").filter(has_text="郑护理").get_by_test_id(
        "caregiver-phone")).to_have_text("139****5678")  # personal data: masked
    assert Caregiver.objects.get(name="郑护理").certificates.count() == 1
    shot("svc-admin-03-caregivers")


def test_a_care_plan_makes_weekly_orders(page, county, url, shot):
    build_world(county)
    elder = county.elders["a1"]
    _as(page, url, "town")
    page.goto(url(f"/services/plans/new/{elder.pk}/"))
    form = page.get_by_test_id("plan-form")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    form.locator(f"input[name=weekdays][value='{tomorrow.weekday()}']").check()
    form.locator("#id_starts_on").fill(tomorrow.isoformat())
    page.get_by_test_id("save-plan").click()
    expect(page.get_by_test_id("plan-row")).to_contain_text(elder.name)
    plan = CarePlan.objects.get()
    assert plan.orders.count() == 4  # four weeks ahead
    shot("svc-admin-04-plans")

    # The elder wants afternoons: the window is changed (a wrong one first).
    page.get_by_test_id("plan-edit").click()
    form = page.get_by_test_id("plan-form")
    form.locator("#id_start_time").fill("15:00")
    form.locator("#id_end_time").fill("14:00")
    page.get_by_test_id("save-plan").click()
    expect(page.get_by_test_id("error-end_time")).to_contain_text(
        zh("The end of the time window must be after its start."))
    form.locator("#id_end_time").fill("17:00")
    page.get_by_test_id("save-plan").click()
    expect(page.get_by_test_id("message")).to_contain_text("新生成 4 张工单")
    afternoon = plan.orders.exclude(status="cancelled")
    assert {timezone.localtime(o.window_start).hour for o in afternoon} == {15}

    # Then the elder goes into hospital: the plan ends after the next visit.
    page.get_by_test_id("plan-edit").click()
    end = page.get_by_test_id("plan-end-form")
    end.locator("#id_last_day").fill(tomorrow.isoformat())
    end.locator("#id_reason").fill("老人住院")
    shot("svc-admin-05-plan-edit")
    page.get_by_test_id("end-plan").click()
    expect(page.get_by_test_id("message")).to_contain_text("3 张工单已取消")
    expect(page.get_by_test_id("plan-status")).to_contain_text(tomorrow.strftime("%Y-%m-%d"))
    assert plan.orders.exclude(status="cancelled").count() == 1


def test_a_complaint_is_followed_to_closure(page, county, url, shot):
    world = build_world(county)
    done = deliver(world, order(world, elder="a2", by="family"))
    services.confirm_with_signature(done, "data:image/png;base64," + "iVBORw0KGgo" * 30,
                                    actor=county.users["caregiver"])
    _as(page, url, "family")
    page.goto(url(f"/services/orders/{done.pk}/"))
    page.get_by_test_id("rating-form").locator("input[name=score][value='2']").check()
    page.locator("#id_complaint").fill("护理员迟到一小时")
    page.get_by_test_id("rate").click()
    expect(page.get_by_test_id("rating")).to_be_visible()
    complaint = Complaint.objects.get()

    _as(page, url, "admin")
    page.goto(url("/services/complaints/"))
    expect(page.get_by_test_id("complaint-row")).to_contain_text("护理员迟到一小时")
    page.goto(url(f"/services/complaints/{complaint.pk}/"))
    page.locator("#id_note").fill("已约谈服务机构")
    page.get_by_test_id("follow-up").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text(zh("Being handled"))
    page.locator("#id_note").fill("机构致歉并调整排班，家属满意")
    page.locator("#id_close").check()
    page.get_by_test_id("follow-up").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text(zh("Closed"))
    expect(page.get_by_test_id("follow-up-form")).to_have_count(0)
    shot("svc-admin-05-complaint")
    page.goto(url("/services/quality/"))
    expect(page.get_by_test_id("by-provider")).to_contain_text("康乐居家服务中心")
    expect(page.get_by_test_id("by-caregiver")).to_contain_text("周护理")
    shot("svc-admin-06-quality")


def test_a_worker_sets_an_elders_home_from_the_phone(page, county, url, shot):
    build_world(county)
    elder = county.elders["a1"]
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 36.2, "longitude": 118.3, "accuracy": 5})
    _as(page, url, "town")
    page.goto(url(f"/services/orders/new/?elder={elder.pk}"))
    page.get_by_test_id("set-home").click()
    page.get_by_test_id("use-here").click()
    expect(page.locator("#id_lat")).to_have_value("36.200000")
    page.locator("#id_care_notes").fill("独居，耳背")
    page.get_by_test_id("save-home").click()
    expect(page.get_by_test_id("home")).to_contain_text("独居，耳背")
    elder.home.refresh_from_db()
    assert (elder.home.lat, elder.home.lng) == (36.2, 118.3)
    shot("svc-admin-07-home")


def test_an_order_is_changed_before_the_visit(page, county, url, shot):
    world = build_world(county)
    placed = order(world, day_offset=1)
    services.accept_order(placed, actor=county.users["provider"])
    _as(page, url, "town")
    page.goto(url(f"/services/orders/{placed.pk}/"))
    page.get_by_test_id("change-order").click()
    form = page.get_by_test_id("order-form")
    expect(page.get_by_test_id("change-note")).to_contain_text("康乐")
    expect(form.get_by_test_id("item-ZY01")).to_be_checked()  # what was ordered, prefilled
    form.get_by_test_id("item-ZJ01").check()
    form.get_by_test_id("qty-ZJ01").fill("2")
    form.locator("#id_start").fill("15:00")
    form.locator("#id_end").fill("14:00")
    page.get_by_test_id("save-order").click()
    expect(page.get_by_test_id("error-end")).to_be_visible()
    expect(form.get_by_test_id("qty-ZJ01")).to_have_value("2")  # nothing typed is lost
    expect(form.get_by_test_id("item-ZJ01")).to_be_checked()
    form.locator("#id_end").fill("17:00")
    shot("svc-admin-07-order-change")
    page.get_by_test_id("save-order").click()
    expect(page.get_by_test_id("message")).to_contain_text("康乐")
    expect(page.get_by_test_id("lines")).to_contain_text("居室保洁")
    placed.refresh_from_db()
    assert placed.status == "created" and timezone.localtime(placed.window_start).hour == 15
    assert placed.total_amount == 160  # a bath ¥80 and two hours of cleaning at ¥40

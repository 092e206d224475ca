"""A capability assessment from start to approval, as the workers do it in the browser:
the one-page form on a tablet, live sub-totals, submit only when complete, approval by
the town, the level on the elder's page and in the printed report."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.assessment.helpers import GBT, best, pdf_text
from tests.browser.helpers import log_out, zh
from yiyang.assessment.models import Assessment
from yiyang.elders.choices import CapabilityLevel
from yiyang.elders.models import Elder

pytestmark = pytest.mark.browser

# 64 points: 自理能力 8 (six items at 0), 基础运动能力 14 (平地行走 3), 精神状态 27 (攻击行为 0):
# initial level 2, 能力中度受损（中度失能）.
ANSWERS = best(**{f"B_1_{n}": 0 for n in range(1, 7)}, B_2_3=3, B_3_7=0)
LEVEL_NAME = "能力中度受损（中度失能）"


def test_an_assessment_from_start_to_approval(page, url, county, login, shot):
    wang = county.elders["a1"]
    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet in landscape
    login("village")

    # Find the elder and start.
    page.goto(url("/assessment/"))
    page.get_by_test_id("find-elder-input").fill("王秀英")
    page.get_by_test_id("find-elder-submit").click()
    page.get_by_test_id(f"start-{wang.pk}").click()
    expect(page.get_by_test_id("scale-title")).to_contain_text("GB/T 42195-2022")

    page.locator("#id_reason").select_option("first")
    page.locator("#id_place").fill("东岭村老人家中")
    page.locator("#id_assessor_1").fill("刘芳")
    page.locator("#id_assessor_2").fill("陈明")
    page.locator("#id_informant").fill("李建国（儿子）")

    submit = page.get_by_test_id("submit")
    expect(submit).to_be_disabled()
    expect(page.get_by_test_id("unanswered")).to_have_text("26")
    expect(page.get_by_test_id("total")).to_have_text("0")

    items = list(ANSWERS.items())
    for code, points in items[:-1]:
        page.get_by_test_id(f"option-{code}-{points}").click()
    # One item left: the totals follow every choice, and Submit still waits.
    expect(page.get_by_test_id("unanswered")).to_have_text("1")
    expect(page.get_by_test_id("subtotal-B.1")).to_have_text("8")
    expect(page.get_by_test_id("total")).to_have_text(str(64 - ANSWERS["B.4.5"]))
    expect(submit).to_be_disabled()
    expect(page.get_by_test_id("preview-pending")).to_be_visible()
    shot("60-assessment-form-one-left")

    code, points = items[-1]
    page.get_by_test_id(f"option-{code}-{points}").click()
    expect(page.get_by_test_id("total")).to_have_text("64")
    expect(page.get_by_test_id("subtotal-B.3")).to_have_text("27")
    expect(page.get_by_test_id("unanswered-note")).to_be_hidden()
    expect(submit).to_be_enabled()
    expect(page.get_by_test_id("preview-level")).to_have_attribute("data-level", "2")
    expect(page.get_by_test_id("preview-level")).to_contain_text(LEVEL_NAME)
    shot("61-assessment-form-complete")

    submit.click()
    expect(page.get_by_test_id("assessment-status")).to_have_attribute("data-status", "submitted")
    expect(page.get_by_test_id("assessment-level")).to_have_attribute("data-level", "2")
    expect(page.get_by_test_id("assessment-total")).to_have_text("64 / 90")
    expect(page.get_by_test_id("approve")).to_have_count(0)  # the assessor does not approve
    assert Elder.objects.get(pk=wang.pk).capability_level is None

    # The town worker approves.
    log_out(page)
    login("town")
    page.goto(url("/assessment/"))
    awaiting = page.get_by_test_id("awaiting").get_by_test_id("assessment-row")
    expect(awaiting).to_have_count(1)
    awaiting.get_by_role("link", name="王秀英").click()
    expect(page.get_by_test_id("review")).to_be_visible()
    shot("62-assessment-review")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("message")).to_contain_text(LEVEL_NAME)
    expect(page.get_by_test_id("assessment-status")).to_have_attribute("data-status", "approved")
    history = page.get_by_test_id("elder-assessments").get_by_test_id("assessment-entry")
    expect(history).to_have_count(1)
    expect(history).to_have_attribute("data-level", "2")
    expect(history.get_by_test_id("entry-level")).to_contain_text(LEVEL_NAME)
    expect(page.get_by_test_id("assessment-due")).to_be_visible()
    shot("63-assessment-approved")

    # The printed report says the same.
    assessment = Assessment.objects.get()
    response = page.request.get(url(f"/assessment/{assessment.pk}/report.pdf"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert "王秀英" in text and wang.id_number_masked in text and wang.id_number not in text
    assert "64 / 90 分" in text
    assert f"最终等级：2 级 {LEVEL_NAME}" in text
    assert "已审核通过" in text and "town" in text

    # And the elder's page shows the new level.
    page.goto(url(f"/elders/{wang.pk}/"))
    expect(page.locator("main")).to_contain_text(zh(CapabilityLevel.MODERATE.label))
    assert Elder.objects.get(pk=wang.pk).capability_level == 2
    assert Assessment.objects.get().level == 2 and GBT.level(2).name == LEVEL_NAME


def test_a_returned_assessment_comes_back_to_the_assessor_with_the_reason(page, url, county, login):
    from yiyang.assessment import services

    wang = county.elders["a1"]
    details = services.AssessmentDetails(reason="first", assessed_on=wang.created.date(),
                                         place="家中", assessor_1="刘芳", assessor_2="陈明")
    assessment = services.start_assessment(wang, details, answers=best(), submit=True,
                                           actor=county.users["village"])
    login("town")
    page.goto(url(f"/assessment/{assessment.pk}/"))
    page.get_by_test_id("return").click()
    page.locator("#id_reason").fill("上下楼梯一项请到现场复核")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("assessment-status")).to_have_attribute("data-status", "returned")

    log_out(page)
    login("village")
    page.goto(url("/assessment/"))
    row = page.get_by_test_id("in-progress").get_by_test_id("assessment-row")
    expect(row).to_have_attribute("data-status", "returned")
    row.get_by_role("link", name="王秀英").click()
    page.get_by_test_id("edit-assessment").click()
    expect(page.get_by_test_id("return-reason")).to_contain_text("上下楼梯一项请到现场复核")
    expect(page.get_by_test_id("total")).to_have_text("90")
    page.get_by_test_id("option-B.2.4-2").click()
    expect(page.get_by_test_id("total")).to_have_text("89")
    expect(page.get_by_test_id("preview-level")).to_have_attribute("data-level", "1")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("assessment-status")).to_have_attribute("data-status", "submitted")
    expect(page.get_by_test_id("assessment-level")).to_have_attribute("data-level", "1")

"""The assessment statistics page and reporting a change of condition."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import zh
from yiyang.assessment.models import AssessmentSchedule

pytestmark = pytest.mark.browser


def test_it_shows_assessment_statistics_for_the_county(page, county, login, url, shot):
    login("admin")
    page.goto(url("/assessment/stats/"))
    expect(page.get_by_test_id("stat-total")).to_have_text("4")  # four active elders, none assessed
    expect(page.get_by_test_id("stat-not-assessed")).to_contain_text("4")
    expect(page.get_by_test_id("stat-children")).to_contain_text("东岭镇")
    expect(page.get_by_test_id("stat-children")).to_contain_text("西河镇")
    shot("50-assessment-stats")


def test_it_records_a_change_of_condition_from_the_elders_page(page, county, login, url, shot):
    wang = county.elders["a1"]
    login("town")
    page.goto(url(f"/elders/{wang.pk}/"))
    page.get_by_test_id("report-condition").click()
    form = page.get_by_test_id("condition-form")
    form.locator("input[name=note]").fill("中风出院回家")
    form.locator("input[name=date]").fill("2999-01-01")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("error-date")).to_contain_text(  # a date in the future is refused
        zh("The date cannot be in the future."))
    assert not AssessmentSchedule.objects.filter(elder=wang, condition_changed_on__isnull=False).exists()

    form.locator("input[name=date]").fill(dt.date.today().isoformat())
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("condition-change")).to_contain_text("中风出院回家")
    expect(page.get_by_test_id("message")).to_contain_text(
        zh("The change of condition was recorded; a re-assessment is now due sooner."))
    shot("51-condition-change")

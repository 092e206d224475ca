"""The assessment pages: who may open what, the one-page form (everything answered
before submitting, errors named by item), review, report, statistics."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.assessment.helpers import GBT, MZT, best, form_post, pdf_text
from tests.fixtures import county_fixture, db_state, message, page_form  # noqa: F401
from yiyang.assessment import services
from yiyang.assessment.forms import item_field
from yiyang.assessment.models import Assessment, AssessmentSchedule
from yiyang.core.models import AuditLog
from yiyang.elders.models import Elder

pytestmark = pytest.mark.django_db


def submitted(county, elder="a1", user="village", answers=None) -> Assessment:
    data = services.AssessmentDetails(reason="first", assessed_on=dt.date.today(), place="家中",
                                      assessor_1="刘芳", assessor_2="陈明")
    return services.start_assessment(county.elders[elder], data, answers=answers or best(),
                                     submit=True, actor=county.users[user])


def assert_csp_clean(response):
    """No inline script or style: the Content-Security-Policy would block them."""
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)


# --- who may open what ----------------------------------------------------------------------
@pytest.mark.parametrize(("user", "status"), [
    ("admin", 200), ("town", 200), ("village", 200), ("provider", 200), ("caregiver", 200),
    ("family", 200), ("operator", 404), ("volunteer", 404),
])
def test_the_worklist_by_role(county, client, user, status):
    client.force_login(county.users[user])
    assert client.get(reverse("assessment:worklist")).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(county, client):
    a = submitted(county)
    for url in (reverse("assessment:worklist"), reverse("assessment:detail", args=[a.pk]),
                reverse("assessment:new", args=[a.elder_id]), reverse("assessment:report", args=[a.pk]),
                reverse("assessment:stats")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


@pytest.mark.parametrize("user", ["town_b", "operator", "volunteer", "family"])
def test_an_assessment_outside_the_users_scope_is_404(county, client, user):
    a = submitted(county)
    client.force_login(county.users[user])
    for name in ("detail", "edit", "report", "return"):
        assert client.get(reverse(f"assessment:{name}", args=[a.pk])).status_code == 404, name
    assert client.post(reverse("assessment:approve", args=[a.pk])).status_code == 404
    assert client.get(reverse("assessment:new", args=[a.elder_id])).status_code == 404
    assert Assessment.objects.get().status == "submitted"


def test_those_who_only_see_cannot_start_approve_or_return(county, client):
    a = submitted(county)
    for user in ("provider", "caregiver"):
        client.force_login(county.users[user])
        assert client.get(reverse("assessment:detail", args=[a.pk])).status_code == 200
        assert client.get(reverse("assessment:new", args=[a.elder_id])).status_code == 404
        assert client.post(reverse("assessment:approve", args=[a.pk])).status_code == 404
        assert client.get(reverse("assessment:return", args=[a.pk])).status_code == 404
    client.force_login(county.users["village"])  # assesses, does not approve
    assert client.post(reverse("assessment:approve", args=[a.pk])).status_code == 404
    assert Assessment.objects.get().status == "submitted"


# --- the one-page form --------------------------------------------------------------------------
def test_the_form_shows_every_item_with_its_options_in_chinese_and_points(county, client):
    client.force_login(county.users["village"])
    response = client.get(reverse("assessment:new", args=[county.elders["a1"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for item in GBT.items:
        assert f'data-testid="item-{item.code}"' in html
        for option in item.options:
            assert f'name="{item_field(item.code)}" value="{option.points}"' in html
            assert escape(option.label) in html
    assert html.count('type="radio"') == sum(len(i.options) for i in GBT.items) + sum(
        len(c.choices) for c in GBT.conditions)
    assert "data-requires-complete" in html and 'data-total data-testid="total">0<' in html
    assert_csp_clean(response)
    assert 'src="/static/assessment/assessment.js"' in html


def test_the_reason_is_suggested_from_the_elders_history(county, client):
    client.force_login(county.users["town"])
    url = reverse("assessment:new", args=[county.elders["a1"].pk])
    assert client.get(url).context["details"].initial["reason"] == "first"
    services.approve_assessment(submitted(county), actor=county.users["town"])
    assert client.get(url).context["details"].initial["reason"] == "routine"
    services.report_condition_change(county.elders["a1"], on=dt.date.today(), note="跌倒",
                                     actor=county.users["town"])
    assert client.get(url).context["details"].initial["reason"] == "condition_change"


def test_the_form_can_use_the_mzt_scale(county, client):
    client.force_login(county.users["village"])
    response = client.get(reverse("assessment:new", args=[county.elders["a1"].pk]), {"scale": MZT.code})
    html = response.content.decode()
    assert 'data-testid="item-B.1.10"' in html and "认知功能" in html
    assert client.get(reverse("assessment:new", args=[county.elders["a1"].pk]),
                      {"scale": "nope"}).status_code == 404


def test_submitting_with_items_unanswered_names_them_and_saves_nothing(county, client):
    elder = county.elders["a1"]
    client.force_login(county.users["village"])
    answers = best()
    del answers["B.1.6"], answers["B.4.4"]
    before = db_state(elder)
    response = client.post(reverse("assessment:new", args=[elder.pk]), form_post(answers, action="submit"))
    assert response.status_code == 200
    errors = response.context["answers"].errors
    assert set(errors) == {item_field("B.1.6"), item_field("B.4.4")}
    html = response.content.decode()
    assert 'data-testid="form-errors"' in html
    assert message("%(item)s: not answered.", item="小便控制（B.1.6）") in html
    assert 'data-testid="error-B.4.4"' in html
    assert db_state(elder) == before
    assert not Assessment.objects.exists()
    # What was chosen is kept for finishing.
    assert page_form(response, item_field("B.1.1"))[item_field("B.1.1")] == "4"


def test_an_out_of_range_post_is_refused_by_item(county, client):
    client.force_login(county.users["village"])
    response = client.post(reverse("assessment:new", args=[county.elders["a1"].pk]),
                           form_post({**best(), "B.2.4": 4}, action="save"))
    assert response.status_code == 200
    assert "上下楼梯（B.2.4）" in str(response.context["answers"].errors[item_field("B.2.4")])
    assert not Assessment.objects.exists()


def test_a_draft_is_saved_half_done_and_finished_later(county, client):
    elder = county.elders["a1"]
    client.force_login(county.users["village"])
    response = client.post(reverse("assessment:new", args=[elder.pk]),
                           form_post({"B.1.1": 3, "B.1.2": 4}, {"risk_fall": 1}))
    a = Assessment.objects.get()
    assert response["Location"] == reverse("assessment:edit", args=[a.pk])
    assert (a.status, a.answers, a.conditions["risk_fall"]) == ("draft", {"B.1.1": 3, "B.1.2": 4}, 1)

    page = client.get(reverse("assessment:edit", args=[a.pk]))
    values = page_form(page, item_field("B.1.1"))
    assert (values[item_field("B.1.1")], values["cond_risk_fall"], values["assessor_1"]) == ("3", "1", "刘芳")
    assert item_field("B.1.3") not in values  # unanswered
    assert page.context["preview"]["unanswered"] == 24
    # Opening "new" again goes to the assessment in progress.
    assert client.get(reverse("assessment:new", args=[elder.pk]))["Location"] == reverse(
        "assessment:detail", args=[a.pk])

    response = client.post(reverse("assessment:edit", args=[a.pk]),
                           form_post(best(B_1_1=3), {"risk_fall": 1}, action="submit"))
    assert response["Location"] == reverse("assessment:detail", args=[a.pk])
    a.refresh_from_db()
    assert (a.status, a.total_score, a.level) == ("submitted", 89, 1)


def test_review_approves_and_the_elders_page_shows_the_new_level(county, client):
    a = submitted(county, answers=best(**{f"B_1_{n}": 0 for n in range(1, 7)}, B_3_7=0))  # 65
    client.force_login(county.users["town"])
    page = client.get(reverse("assessment:detail", args=[a.pk]))
    assert b'data-testid="approve"' in page.content
    assert_csp_clean(page)
    response = client.post(reverse("assessment:approve", args=[a.pk]))
    assert response["Location"] == reverse("assessment:detail", args=[a.pk])
    assert Elder.objects.get(pk=a.elder_id).capability_level == 2
    page = client.get(reverse("assessment:detail", args=[a.pk]))
    html = page.content.decode()
    assert 'data-testid="assessment-level" data-level="2"' in html
    assert "能力中度受损（中度失能）" in html
    assert b'data-testid="approve"' not in page.content
    elder_page = client.get(reverse("elders:detail", args=[a.elder_id])).content.decode()
    assert "中度失能" in elder_page


def test_return_asks_for_a_reason_then_the_assessor_corrects(county, client):
    a = submitted(county)
    client.force_login(county.users["town"])
    response = client.post(reverse("assessment:return", args=[a.pk]), {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors
    client.post(reverse("assessment:return", args=[a.pk]), {"reason": "评估地点请写具体"})
    assert Assessment.objects.get().status == "returned"
    client.force_login(county.users["village"])
    page = client.get(reverse("assessment:edit", args=[a.pk]))
    assert "评估地点请写具体" in page.content.decode()


def test_the_preview_shows_the_level_once_everything_is_answered(county, client):
    client.force_login(county.users["village"])
    url = reverse("assessment:preview", args=[GBT.code])
    partial = client.post(url, form_post({"B.1.1": 4}))
    assert b'data-testid="preview-pending"' in partial.content
    full = client.post(url, form_post(best(B_1_1=3), {"diagnosis": "dementia"}))
    assert b'data-testid="preview-level" data-level="2"' in full.content
    clash = client.post(url, form_post(best(), {"coma": "True"}))
    assert "意识水平（B.3.9）" in clash.content.decode()
    client.force_login(county.users["provider"])
    assert client.post(url, form_post(best())).status_code == 404


# --- the elder's page section, the report, statistics, changes of condition -----------------------
def test_the_history_shows_every_assessment_and_item_changes(county, client):
    first = submitted(county)
    services.approve_assessment(first, actor=county.users["town"])
    second = submitted(county, answers=best(B_1_1=1, B_4_1=1))
    client.force_login(county.users["town"])
    html = client.get(reverse("assessment:detail", args=[second.pk])).content.decode()
    panel = html[html.index('data-testid="elder-assessments"'):]
    assert panel.count('data-testid="assessment-entry"') == 2
    assert 'data-status="submitted"' in panel and 'data-status="approved"' in panel
    change = '<li data-item="B.1.1"><span class="yy-change-field">进食</span>: <del>4</del> → <ins>1</ins>'
    assert change in panel
    assert 'data-item="B.4.1"' in panel


def test_the_elder_page_section_renders_for_those_who_may_see_it(county):
    """The contract for the elder's page: {% include "assessment/_elder_assessments.html"
    with panel=assessments %}, assessments = queries.elder_panel(user, elder)."""
    from django.template import Context, Template

    from yiyang.assessment import queries

    services.approve_assessment(submitted(county), actor=county.users["town"])
    template = Template('{% load assessment_extras %}{{ user|may_view_assessments }}|'
                        '{% include "assessment/_elder_assessments.html" with panel=panel %}')
    elder = county.elders["a1"]
    for user, visible in (("town", True), ("caregiver", True), ("volunteer", False), ("operator", False)):
        panel = queries.elder_panel(county.users[user], elder)
        html = template.render(Context({"panel": panel, "user": county.users[user]}))
        assert html.startswith(f"{visible}|"), user
        assert ('data-testid="assessment-entry"' in html) is visible, user
    town_panel = queries.elder_panel(county.users["town"], elder)
    assert town_panel["can_assess"] and town_panel["schedule"].due_on
    assert not queries.elder_panel(county.users["caregiver"], elder)["can_assess"]
    assert queries.elder_panel(county.users["town_b"], elder) is None


def test_the_report_masks_personal_data_unless_asked_and_allowed(county, client):
    a = submitted(county)
    elder = county.elders["a1"]
    client.force_login(county.users["town"])
    response = client.get(reverse("assessment:report", args=[a.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in ("老年人能力评估报告", "王秀英", elder.id_number_masked, "进食（B.1.1）",
                     "90 / 90 分", "能力完好", "评估员签名", "刘芳", "陈明", "已提交，待审核"):
        assert expected in text, expected
    assert elder.id_number not in text
    full = pdf_text(client.get(reverse("assessment:report", args=[a.pk]), {"full": "1"}).content)
    assert elder.id_number in full and elder.phone in full
    assert AuditLog.objects.filter(action="reveal", object_id=str(elder.pk)).count() == 1
    client.force_login(county.users["provider"])  # may reveal contact details only
    masked = pdf_text(client.get(reverse("assessment:report", args=[a.pk]), {"full": "1"}).content)
    assert elder.id_number not in masked and elder.id_number_masked in masked
    assert AuditLog.objects.filter(action="export", object_id=str(a.pk)).count() == 3


@pytest.mark.parametrize(("user", "status"), [
    ("admin", 200), ("town", 200), ("village", 200), ("operator", 404), ("provider", 404),
    ("family", 404),
])
def test_the_statistics_page_by_role(county, client, user, status):
    client.force_login(county.users[user])
    assert client.get(reverse("assessment:stats")).status_code == status


def test_the_statistics_page_counts_levels(county, client):
    services.approve_assessment(submitted(county), actor=county.users["town"])
    client.force_login(county.users["admin"])
    response = client.get(reverse("assessment:stats"))
    data = response.context["stats"]
    assert data["levels"] == [1, 0, 0, 0, 0] and data["not_assessed"] == 3
    assert [row["region"].name for row in data["children"]] == ["东岭镇", "西河镇"]
    assert_csp_clean(response)
    client.force_login(county.users["town"])
    assert client.get(reverse("assessment:stats"), {"region": county.regions["372025101000"].code}
                      ).status_code == 404


def test_a_change_of_condition_is_reported_from_the_elders_page(county, client):
    elder = county.elders["a1"]
    client.force_login(county.users["village"])
    response = client.post(reverse("assessment:condition", args=[elder.pk]),
                           {"date": dt.date.today().isoformat(), "note": "骨折住院"})
    assert response["Location"] == reverse("elders:detail", args=[elder.pk])
    row = AssessmentSchedule.objects.get(elder=elder)
    assert row.due_on == dt.date.today() + dt.timedelta(days=30)
    response = client.post(reverse("assessment:condition", args=[elder.pk]),
                           {"date": (dt.date.today() + dt.timedelta(days=3)).isoformat(), "note": "x"})
    assert response.status_code == 200 and "date" in response.context["form"].errors
    client.force_login(county.users["town_b"])
    assert client.get(reverse("assessment:condition", args=[elder.pk])).status_code == 404


def test_the_worklist_shows_what_to_finish_approve_and_find(county, client):
    submitted(county)
    client.force_login(county.users["town"])
    response = client.get(reverse("assessment:worklist"), {"q": "王秀英"})
    html = response.content.decode()
    assert 'data-testid="awaiting"' in html and html.count('data-testid="assessment-row"') >= 1
    assert [e.name for e in response.context["found"]] == ["王秀英"]
    client.force_login(county.users["town_b"])
    response = client.get(reverse("assessment:worklist"), {"q": "王秀英"})
    assert response.context["found"] == [] and response.context["awaiting"] == []

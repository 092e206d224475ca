"""Assessments through the REST API: create, answer, submit, approve, read; the same
validation as the pages (400 with the item named), and the caller's scope (404)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.assessment.helpers import GBT, best, pdf_text
from tests.fixtures import api_fixture, assert_api_error, county_fixture, message  # noqa: F401
from yiyang.assessment.models import Assessment
from yiyang.core.models import AuditLog
from yiyang.elders.models import Elder

pytestmark = pytest.mark.django_db


def payload(elder, **overrides) -> dict:
    data = {"elder": elder.pk, "reason": "first", "assessed_on": dt.date.today().isoformat(),
            "place": "社区服务站", "assessor_1": "刘芳", "assessor_2": "陈明"}
    data.update(overrides)
    return data


def test_the_whole_workflow_through_the_api(county, api):
    elder = county.elders["a1"]
    village, town = api(county.users["village"]), api(county.users["town"])

    response = village.post("/assessments", payload(elder, answers={"B.1.1": 3}))
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert (body["status"], body["scale"], body["answers"]) == ("draft", GBT.code, {"B.1.1": 3})
    assert len(body["unanswered"]) == 25 and "B.1.2" in body["unanswered"]

    response = village.post(f"/assessments/{pk}/answers",
                            {"answers": {c: p for c, p in best().items() if c != "B.1.1"},
                             "conditions": {"risk_fall": 2}})
    assert response.status_code == 200, response.content
    assert response.json()["unanswered"] == []

    response = village.post(f"/assessments/{pk}/submit")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["total_score"], body["initial_level"], body["level"]) == (
        "submitted", 89, 1, 2)
    assert [r["id"] for r in body["rules_fired"]] == ["risk_events"]
    assert body["level_name"] == "能力中度受损（中度失能）"

    response = town.post(f"/assessments/{pk}/approve")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["reviewed_by"]) == ("approved", "town")
    assert Elder.objects.get(pk=elder.pk).capability_level == 2
    assert town.get(f"/elders/{elder.pk}").json()["capability_level"] == 2

    body = town.get(f"/assessments/{pk}").json()
    assert (body["status"], body["level"], body["registry_level"]) == ("approved", 2, 2)
    listed = town.get("/assessments", elder=elder.pk).json()
    assert [a["id"] for a in listed["results"]] == [pk]
    due = town.get("/assessments/due").json()
    assert due == []  # next one is a year away


def test_due_and_overdue_re_assessments_are_listed(county, api):
    town = api(county.users["town"])
    long_ago = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    pk = api(county.users["village"]).post("/assessments", payload(
        county.elders["a1"], assessed_on=long_ago, answers=best(), submit=True)).json()["id"]
    town.post(f"/assessments/{pk}/approve")
    due = town.get("/assessments/due").json()
    assert [(d["elder_name"], d["overdue"]) for d in due] == [("王秀英", True)]
    assert town.get("/assessments/due", overdue_only=True).json() == due
    assert api(county.users["town_b"]).get("/assessments/due").json() == []


def test_create_and_submit_in_one_call(county, api):
    response = api(county.users["town"]).post(
        "/assessments", payload(county.elders["a2"], answers=best(), submit=True))
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["level"]) == ("submitted", 0)


def test_an_unanswered_item_is_named_and_nothing_is_submitted(county, api):
    caller = api(county.users["village"])
    answers = best()
    del answers["B.3.2"]
    pk = caller.post("/assessments", payload(county.elders["a1"], answers=answers)).json()["id"]
    response = caller.post(f"/assessments/{pk}/submit")
    assert_api_error(response, "answers.B.3.2",
                     message("%(item)s: not answered.", item="空间定向（B.3.2）"))
    assert Assessment.objects.get().status == "draft"


@pytest.mark.parametrize(("answers", "field", "item"), [
    ({"B.2.4": 4}, "answers.B.2.4", "上下楼梯（B.2.4）"),
    ({"B.1.1": "很好"}, "answers.B.1.1", "进食（B.1.1）"),
    ({"B.9.9": 1}, "answers.B.9.9", "B.9.9"),
])
def test_a_bad_answer_is_a_400_naming_the_item(county, api, answers, field, item):
    caller = api(county.users["village"])
    response = caller.post("/assessments", payload(county.elders["a1"], answers=answers))
    assert_api_error(response, field, item)
    assert not Assessment.objects.exists()


def test_a_bad_condition_and_bad_details_are_400s(county, api):
    caller = api(county.users["village"])
    response = caller.post("/assessments", payload(county.elders["a1"], conditions={"risk_fall": 5}))
    assert_api_error(response, "conditions.risk_fall", "近30天跌倒")
    response = caller.post("/assessments", payload(county.elders["a1"], assessor_2="刘芳"))
    assert_api_error(response, "assessor_2", message("The standard asks for two different assessors."))
    response = caller.post("/assessments", payload(county.elders["a1"], reason="whim", place=""))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"reason", "place"}
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    response = caller.post("/assessments", payload(county.elders["a1"], assessed_on=future))
    assert_api_error(response, "assessed_on", message("The assessment date cannot be in the future."))
    response = caller.post("/assessments", payload(county.elders["a1"], scale="nope"))
    assert response.status_code == 400 and "scale" in response.json()["errors"]
    assert not Assessment.objects.exists()


def test_workflow_steps_out_of_order_are_400s(county, api):
    village, town = api(county.users["village"]), api(county.users["town"])
    pk = village.post("/assessments", payload(county.elders["a1"], answers=best())).json()["id"]
    assert_api_error(town.post(f"/assessments/{pk}/approve"), "status", "")
    village.post(f"/assessments/{pk}/submit")
    assert_api_error(village.post(f"/assessments/{pk}/answers", {"answers": {"B.1.1": 0}}), "status", "")
    response = town.post(f"/assessments/{pk}/return", {"reason": "地点请写完整"})
    assert response.json()["status"] == "returned"
    assert response.json()["return_reason"] == "地点请写完整"


@pytest.mark.parametrize("user", ["town_b", "provider", "family", "volunteer", "operator"])
def test_an_elder_outside_the_callers_scope_is_404(county, api, user):
    response = api(county.users[user]).post("/assessments", payload(county.elders["a1"]))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_reading_is_scoped(county, api):
    pk = api(county.users["town"]).post(
        "/assessments", payload(county.elders["a1"], answers=best(), submit=True)).json()["id"]
    for user in ("town_b", "volunteer", "operator", "family"):  # family is granted a2, not a1
        caller = api(county.users[user])
        assert caller.get(f"/assessments/{pk}").status_code == 404, user
        assert caller.post(f"/assessments/{pk}/approve").status_code == 404, user
        assert caller.get(f"/assessments/{pk}/report.pdf").status_code == 404, user
    assert api(county.users["town_b"]).get("/assessments").json()["count"] == 0
    for user in ("provider", "caregiver", "village", "admin"):
        assert api(county.users[user]).get(f"/assessments/{pk}").status_code == 200, user
    assert api(county.users["caregiver"]).post(f"/assessments/{pk}/approve").status_code == 404
    assert api().get(f"/assessments/{pk}").status_code == 401


def test_the_scales_endpoint_lists_items_with_chinese_options(county, api):
    body = api(county.users["village"]).get("/assessments/scales").json()
    gbt = next(s for s in body if s["code"] == GBT.code)
    items = [i for s in gbt["sections"] for i in s["items"]]
    assert len(items) == 26
    assert items[0]["name"] == "进食"
    assert items[0]["options"][0] == {"points": 4, "label": "独立使用器具将食物送进口中并咽下，没有呛咳"}
    assert gbt["max_total"] == 90
    assert api(county.users["volunteer"]).get("/assessments/scales").status_code == 404


def test_the_report_pdf_is_audited_and_masked(county, api):
    elder = county.elders["a1"]
    pk = api(county.users["village"]).post(
        "/assessments", payload(elder, answers=best(), submit=True)).json()["id"]
    response = api(county.users["town"]).get(f"/assessments/{pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "老年人能力评估报告" in text and elder.id_number_masked in text
    assert elder.id_number not in text
    assert AuditLog.objects.filter(action="export", object_id=str(pk)).count() == 1

"""The whole loop through the REST API, its refusals and its scope."""

import datetime as dt
import re

from django.utils import timezone

from tests.fixtures import api_fixture  # noqa: F401
from tests.services.helpers import NEAR, last_month_day, world_fixture  # noqa: F401
from yiyang.services import notify
from yiyang.services.models import Caregiver


def _window(days=1):
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=days)
    if days == 0:  # now, give or take an hour
        start = timezone.localtime().replace(microsecond=0) - dt.timedelta(hours=1)
    return {"window_start": start.isoformat(), "window_end": (start + dt.timedelta(hours=2)).isoformat()}


def test_the_loop_through_the_api(world, api):
    operator, provider = api(world.users["operator"]), api(world.users["provider"])
    caregiver, admin = api(world.users["caregiver"]), api(world.users["admin"])
    created = operator.post("/services/orders", {
        "elder": world.elders["a1"].pk, "items": [{"item": world.bath.pk}], **_window(0)})
    assert created.status_code == 201, created.content
    order = created.json()
    assert order["provider"] == world.county.provider.pk  # the nearest provider offering a bath
    assert order["channel"] == "api" and order["status"] == "created"
    oid = order["id"]
    assert provider.post(f"/services/orders/{oid}/accept").json()["status"] == "accepted"
    assigned = provider.post(f"/services/orders/{oid}/assign", {"caregiver": world.caregiver.pk}).json()
    assert assigned["caregiver_name"] == "周护理"
    assert [o["id"] for o in caregiver.get("/services/today", day=order["service_date"]).json()] == [oid]
    start = timezone.now() - dt.timedelta(minutes=70)
    early = caregiver.post(f"/services/orders/{oid}/check-out", {"lat": NEAR[0], "lng": NEAR[1]})
    assert early.status_code == 400 and "status" in early.json()["errors"]  # not checked in
    checked_in = caregiver.post(f"/services/orders/{oid}/check-in",
                                {"lat": NEAR[0], "lng": NEAR[1], "accuracy": 8, "at": start.isoformat()})
    assert checked_in.json()["status"] == "in_service"
    before = caregiver.post(f"/services/orders/{oid}/check-out",
                            {"lat": NEAR[0], "lng": NEAR[1],
                             "at": (start - dt.timedelta(minutes=1)).isoformat()})
    assert before.status_code == 400 and "at" in before.json()["errors"]
    done = caregiver.post(f"/services/orders/{oid}/check-out",
                          {"lat": NEAR[0], "lng": NEAR[1], "items": [world.bath.pk], "notes": "顺利"}).json()
    assert done["status"] == "done" and done["actual_minutes"] >= 69 and done["flags"] == []
    assert caregiver.post(f"/services/orders/{oid}/send-code").json()["sent_to"] == "139****1111"
    code = re.search(r"\b(\d{6})\b", notify.last_to("13900001111").text).group(1)
    assert caregiver.post(f"/services/orders/{oid}/confirm", {"code": code}).json()["status"] == "confirmed"
    rated = operator.post(f"/services/orders/{oid}/rating", {"score": 2, "comment": "迟到",
                                                             "complaint": "护理员迟到半小时"}).json()
    assert rated["rating"] == 2
    [complaint] = admin.get("/services/complaints").json()
    closed = admin.post(f"/services/complaints/{complaint['id']}/follow-up",
                        {"note": "已约谈机构，扣减当月评分", "close": True}).json()
    assert closed["status"] == "closed"
    assert admin.get("/services/satisfaction").json()["providers"][0]["mean"] == 2


def test_refusals_are_400_by_field_and_scope_is_404(world, api):
    town = api(world.users["town"])
    bad = town.post("/services/orders", {"elder": world.elders["a1"].pk, "provider": world.county.provider.pk,
                                         "items": [], **_window()})
    assert bad.status_code == 400 and "items" in bad.json()["errors"]
    outside = town.post("/services/orders", {"elder": world.elders["b1"].pk,
                                             "items": [{"item": world.bath.pk}], **_window()})
    assert outside.status_code == 404
    wrong_provider = town.post("/services/orders", {"elder": world.elders["a1"].pk,
                                                    "provider": world.county.other_provider.pk,
                                                    "items": [{"item": world.bath.pk}], **_window()})
    assert wrong_provider.status_code == 400 and "provider" in wrong_provider.json()["errors"]
    order = town.post("/services/orders", {"elder": world.elders["a1"].pk,
                                           "items": [{"item": world.bath.pk}], **_window()}).json()
    assert api(world.users["town_b"]).get(f"/services/orders/{order['id']}").status_code == 404
    assert api(world.users["volunteer"]).get("/services/orders").json()["results"] == []
    assert api().get("/services/orders").status_code == 401
    assert api(world.users["caregiver"]).post(f"/services/orders/{order['id']}/accept").status_code == 404


def test_catalogue_schemes_plans_and_settlement_through_the_api(world, api):
    admin, provider = api(world.users["admin"]), api(world.users["provider"])
    items = admin.get("/services/items").json()
    assert {i["code"] for i in items} == {"ZY01", "ZJ01"}
    made = admin.post("/services/items", {"code": "ZC01", "name": "助餐送餐", "category": "meal",
                                          "unit": "meal", "standard_minutes": 20, "price": "12.00"})
    assert made.status_code == 201
    assert admin.post("/services/items", {"code": "ZC01", "name": "重复", "category": "meal", "unit": "meal",
                                          "standard_minutes": 20, "price": "12.00"}).status_code == 400
    assert provider.post("/services/items", {"code": "X", "name": "x", "category": "meal", "unit": "meal",
                                             "standard_minutes": 20, "price": "1"}).status_code == 404
    scheme = admin.post("/services/schemes", {"name": "低保老人", "basis": "hours", "monthly_quota": "4",
                                              "economic_statuses": ["dibao"]}).json()
    assert scheme["entitled"] == 1
    balance = admin.get(f"/services/elders/{world.elders['b1'].pk}/balance").json()
    assert balance[0]["remaining"] == "4.00" or float(balance[0]["remaining"]) == 4
    refused = provider.post("/services/caregivers", {"name": "郑护理", "phone": "12345",
                                                     "skills": ["bathing"]})
    assert refused.status_code == 400 and "phone" in refused.json()["errors"]
    cg = provider.post("/services/caregivers", {"name": "郑护理", "phone": "139 1234 5678",
                                                "skills": ["bathing"]}).json()
    assert provider.post(f"/services/caregivers/{cg['id']}/certificates",
                         {"name": "健康证", "expires_on": "2099-01-01"}).status_code == 201
    listed = {c["name"]: c for c in provider.get("/services/caregivers").json()}
    assert len(listed) == 3 and listed["郑护理"]["phone_masked"] == "139****5678"
    assert Caregiver.objects.get(pk=cg["id"]).phone == "13912345678"  # sealed, not stored in clear
    assert "13912345678" not in str(Caregiver.objects.filter(pk=cg["id"]).values().get())
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    plan = admin.post("/services/plans", {
        "elder": world.elders["b1"].pk, "provider": world.county.provider.pk, "item": world.bath.pk,
        "weekdays": [tomorrow.weekday()], "start_time": "09:00", "end_time": "11:00",
        "starts_on": tomorrow.isoformat()}).json()
    made = admin.post(f"/services/plans/{plan['id']}/generate",
                      {"until": (tomorrow + dt.timedelta(days=14)).isoformat()}).json()
    assert len(made) == 3  # tomorrow and the same weekday in one and two weeks
    assert admin.post(f"/services/plans/{plan['id']}/generate",
                      {"until": (tomorrow + dt.timedelta(days=14)).isoformat()}).json() == []
    settled = admin.post("/services/settlements/generate", {"month": last_month_day(1).isoformat()})
    assert settled.status_code == 200 and settled.json() == []
    assert provider.get("/services/settlements").json() == []


def test_the_order_list_costs_a_few_queries_for_many_orders(world, api, django_assert_max_num_queries):
    admin = api(world.users["admin"])
    for hour in (8, 10, 12, 14, 16):
        admin.post("/services/orders", {"elder": world.elders["a1"].pk, "items": [{"item": world.bath.pk}],
                                        **_window(1), "note": str(hour)})
    with django_assert_max_num_queries(8):
        assert len(admin.get("/services/orders").json()["results"]) == 5

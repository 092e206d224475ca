"""Care plans changed and ended: waiting orders are cancelled with a reason, new ones
made by the new plan, nothing half-written, all in scope and audited."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from tests.fixtures import api_fixture  # noqa: F401
from tests.services.helpers import world_fixture  # noqa: F401
from yiyang.core.models import AuditLog
from yiyang.services import catalogue
from yiyang.services.choices import OrderStatus
from yiyang.services.services import InvalidOrder

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def _plan_data(world, **changes) -> catalogue.PlanData:
    data = {"elder_id": world.elders["a1"].pk, "provider_id": world.county.provider.pk,
            "item_id": world.bath.pk, "weekdays": [TOMORROW.weekday()], "start_time": dt.time(9),
            "end_time": dt.time(11), "starts_on": TOMORROW}
    return catalogue.PlanData(**{**data, **changes})


def _running_plan(world):
    town = world.users["town"]
    plan = catalogue.create_plan(_plan_data(world), actor=town)
    made = catalogue.generate_plan_orders(plan, until=timezone.localdate() + catalogue.PLAN_HORIZON,
                                          actor=town)
    assert len(made) == 4
    return plan


def test_a_changed_plan_cancels_its_waiting_orders_and_makes_new_ones(world):
    plan = _running_plan(world)
    day_after = TOMORROW + dt.timedelta(days=1)
    made = catalogue.update_plan(plan, _plan_data(world, weekdays=[day_after.weekday()],
                                                  start_time=dt.time(14), end_time=dt.time(16)),
                                 actor=world.users["town"])
    assert [o.service_date for o in made] == [day_after + dt.timedelta(weeks=w) for w in range(4)]
    assert {timezone.localtime(o.window_start).hour for o in made} == {14}
    old = plan.orders.exclude(pk__in=[o.pk for o in made])
    assert old.count() == 4 and set(old.values_list("status", "cancel_reason")) == {
        (OrderStatus.CANCELLED, "照护计划已变更。")}
    assert AuditLog.objects.filter(object_type="services.careplan", action="update").exists()


def test_a_change_the_provider_cannot_serve_writes_nothing(world):
    plan = _running_plan(world)
    other = world.county.other_provider  # offers nothing in this county
    with pytest.raises(InvalidOrder):
        catalogue.update_plan(plan, _plan_data(world, provider_id=other.pk), actor=world.users["town"])
    plan.refresh_from_db()
    assert plan.provider_id == world.county.provider.pk
    assert plan.orders.filter(status=OrderStatus.CREATED).count() == 4


def test_an_ended_plan_cancels_the_orders_after_its_last_day(world):
    plan = _running_plan(world)
    last_day = TOMORROW + dt.timedelta(days=7)
    town = world.users["town"]
    with pytest.raises(InvalidOrder) as refused:
        catalogue.end_plan(plan, timezone.localdate() - dt.timedelta(days=1), "住院", actor=town)
    assert "last_day" in refused.value.errors
    with pytest.raises(InvalidOrder) as refused:
        catalogue.end_plan(plan, last_day, "  ", actor=town)
    assert "reason" in refused.value.errors
    assert catalogue.end_plan(plan, last_day, "老人住院", actor=town) == 2
    plan.refresh_from_db()
    assert plan.ends_on == last_day
    kept = plan.orders.exclude(status=OrderStatus.CANCELLED)
    assert sorted(kept.values_list("service_date", flat=True)) == [TOMORROW, last_day]
    assert set(plan.orders.filter(status=OrderStatus.CANCELLED).values_list("cancel_reason", flat=True)) == {
        "老人住院"}
    assert catalogue.generate_plan_orders(plan, until=last_day + dt.timedelta(days=60), actor=town) == []


def test_another_towns_worker_cannot_touch_the_plan(world):
    plan = _running_plan(world)
    with pytest.raises(Http404):
        catalogue.end_plan(plan, TOMORROW, "x", actor=world.users["town_b"])
    with pytest.raises(Http404):
        catalogue.update_plan(plan, _plan_data(world), actor=world.users["town_b"])


def test_plans_are_listed_changed_and_ended_through_the_api(world, api):
    plan = _running_plan(world)
    town, other = api(world.users["town"]), api(world.users["town_b"])
    assert [p["id"] for p in town.get("/services/plans").json()] == [plan.pk]
    assert other.get("/services/plans").json() == []
    body = {"provider": world.county.provider.pk, "item": world.bath.pk, "weekdays": [TOMORROW.weekday()],
            "start_time": "15:00", "end_time": "14:00", "starts_on": TOMORROW.isoformat()}
    refused = town.put(f"/services/plans/{plan.pk}", body)
    assert refused.status_code == 400 and "end_time" in refused.json()["errors"]
    changed = town.put(f"/services/plans/{plan.pk}", {**body, "end_time": "17:00"})
    assert changed.status_code == 200 and len(changed.json()["orders"]) == 4
    assert changed.json()["plan"]["start_time"] == "15:00:00"
    assert other.post(f"/services/plans/{plan.pk}/end", {"last_day": TOMORROW.isoformat(),
                                                         "reason": "x"}).status_code == 404
    ended = town.post(f"/services/plans/{plan.pk}/end",
                      {"last_day": TOMORROW.isoformat(), "reason": "入住养老院"})
    assert ended.status_code == 200 and ended.json()["cancelled"] == 3

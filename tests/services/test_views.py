"""The pages: each role sees its own, nothing outside its scope (404), and the
workflow works through the forms."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.services.helpers import deliver, order, world_fixture  # noqa: F401
from yiyang.services.choices import OrderStatus

PAGES = ["/services/orders/", "/services/catalogue/", "/services/providers/", "/services/plans/",
         "/services/quality/", "/services/complaints/"]


@pytest.mark.parametrize("username", ["admin", "town", "operator", "family", "provider"])
def test_it_shows_the_pages_to_each_role(world, client, username):
    client.force_login(world.users[username])
    assert client.get("/services/").status_code == 302
    for url in PAGES:
        if url == "/services/plans/" and username == "provider":
            continue
        assert client.get(url).status_code == 200, url


def test_the_caregiver_gets_the_today_page(world, client):
    o = order(world, day_offset=0, hour=23)
    o.refresh_from_db()
    client.force_login(world.users["caregiver"])
    assert client.get("/services/").url == "/services/today/"
    assert client.get(f"/services/orders/{o.pk}/").status_code == 404  # not assigned yet
    from yiyang.services import services

    services.accept_order(o, actor=world.users["provider"])
    services.assign_caregiver(o, world.caregiver, actor=world.users["provider"])
    page = client.get("/services/today/").content.decode()
    assert world.elders["a1"].name in page and "uri.amap.com" in page and "防跌倒" in page
    visit = client.get(f"/services/visits/{o.pk}/").content.decode()
    assert "东岭村三组12号" in visit  # the full address, for the visit (audited)


def test_a_volunteer_sees_nothing(world, client):
    client.force_login(world.users["volunteer"])
    for url in ["/services/", *PAGES]:
        assert client.get(url).status_code == 404, url


def test_out_of_scope_orders_are_404(world, client):
    a1 = order(world, elder="a1")
    b2 = order(world, elder="b2", by="admin", provider=world.county.other_provider)
    for username, visible, hidden in [("town", a1, b2), ("town_b", b2, a1), ("provider", a1, b2),
                                      ("family", None, a1)]:
        client.force_login(world.users[username])
        if visible:
            assert client.get(f"/services/orders/{visible.pk}/").status_code == 200
        assert client.get(f"/services/orders/{hidden.pk}/").status_code == 404
        assert client.post(f"/services/orders/{hidden.pk}/do/cancel/", {"reason": "x"}).status_code == 404


def test_it_orders_and_runs_the_workflow_through_the_forms(world, client):
    elder = world.elders["a1"]
    client.force_login(world.users["town"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page = client.get(f"/services/orders/new/?elder={elder.pk}")
    assert page.status_code == 200 and "康乐居家服务中心" in page.content.decode()
    response = client.post("/services/orders/new/", {
        "elder": elder.pk, "items": [world.bath.pk], f"qty_{world.bath.pk}": "1", "day": tomorrow,
        "start": "09:00", "end": "11:00", "provider": world.county.provider.pk, "channel": "community",
        "note": "怕冷"})
    assert response.status_code == 302
    from yiyang.services.models import Order

    o = Order.objects.get()
    assert o.note == "怕冷" and o.total_amount == 80
    client.force_login(world.users["provider"])
    client.post(f"/services/orders/{o.pk}/do/accept/")
    client.post(f"/services/orders/{o.pk}/do/assign/", {"caregiver": world.caregiver.pk})
    o.refresh_from_db()
    assert o.status == OrderStatus.ASSIGNED and o.caregiver == world.caregiver
    client.force_login(world.users["caregiver"])
    here = {"lat": "36.1001", "lng": "118.1001", "accuracy": "8"}
    client.post(f"/services/orders/{o.pk}/do/checkin/", {**here, "next": "visit"})
    response = client.post(f"/services/orders/{o.pk}/do/checkout/",
                           {**here, "items": [world.bath.pk], "notes": "顺利"})
    o.refresh_from_db()
    assert o.status == OrderStatus.DONE and o.log_notes == "顺利" and o.checkin_distance_m < 30
    assert response.url == f"/services/orders/{o.pk}/"


def test_a_bad_order_shows_its_errors(world, client):
    elder = world.elders["a1"]
    client.force_login(world.users["town"])
    response = client.post("/services/orders/new/", {
        "elder": elder.pk, "items": [], "day": timezone.localdate(), "start": "11:00", "end": "09:00",
        "provider": world.county.provider.pk, "channel": "community"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="error-items"' in body and 'data-testid="error-end"' in body


def test_the_settlement_exports_are_audited(world, client):
    from yiyang.core.models import AuditLog
    from yiyang.services import settlement

    o = deliver(world, order(world, day_offset=-1))
    s = settlement.generate_settlement(world.county.provider, world.county.regions["372025000000"],
                                       o.service_date, actor=world.users["admin"])
    client.force_login(world.users["admin"])
    assert client.get(f"/services/settlements/{s.pk}/").status_code == 200
    xlsx = client.get(f"/services/settlements/{s.pk}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = client.get(f"/services/settlements/{s.pk}/export.pdf")
    assert pdf.content[:4] == b"%PDF"
    assert AuditLog.objects.filter(action="export", object_type="services.settlement").count() == 2
    client.force_login(world.users["town"])
    assert client.get(f"/services/settlements/{s.pk}/").status_code == 404

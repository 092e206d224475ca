"""Schemes, eligibility from the registry and the capability level, monthly balances,
and an entitlement running out."""

from decimal import Decimal

from django.utils import timezone

from tests.services.helpers import order, scheme, world_fixture  # noqa: F401
from yiyang.core.testing import COUNTY
from yiyang.elders.models import Elder
from yiyang.services import catalogue, queries, services
from yiyang.services.choices import SchemeBasis
from yiyang.services.models import Entitlement


def test_eligibility_comes_from_the_registry(world):
    Elder.objects.filter(pk=world.elders["a2"].pk).update(economic_status="tekun", capability_level=3)
    Elder.objects.filter(pk=world.elders["b1"].pk).update(capability_level=1)  # dibao, mild
    data = catalogue.SchemeData(name="特困低保中度以上失能", basis=SchemeBasis.HOURS,
                                monthly_quota=Decimal(30), economic_statuses=["tekun", "dibao"],
                                min_capability_level=2)
    s = catalogue.save_scheme(world.county.regions[COUNTY], data, actor=world.users["admin"])
    assert _entitled(s) == ["张建国"]
    Elder.objects.filter(pk=world.elders["b1"].pk).update(capability_level=2)
    Elder.objects.filter(pk=world.elders["a2"].pk).update(status="deceased")
    result = catalogue.refresh_entitlements(s, actor=world.users["admin"])
    assert result["new"] == 1 and result["ended"] == 1
    assert _entitled(s) == ["李桂兰"]


def _entitled(scheme):
    return list(Entitlement.objects.filter(scheme=scheme, active=True).values_list("elder__name", flat=True))


def test_an_amount_entitlement_runs_out_and_a_cancellation_gives_it_back(world):
    scheme(world, basis=SchemeBasis.AMOUNT, quota=Decimal(100), statuses=["dibao"])
    first = order(world, elder="b1", by="admin")
    second = order(world, elder="b1", by="admin", hour=13)
    third = order(world, elder="b1", by="admin", hour=16)
    assert (first.gov_amount, first.self_amount) == (Decimal(80), Decimal(0))
    assert (second.gov_amount, second.self_amount) == (Decimal(20), Decimal(60))
    assert (third.gov_amount, third.self_amount) == (Decimal(0), Decimal(80))
    [balance] = queries.balances(world.elders["b1"].pk, timezone.localdate())
    assert balance.remaining == 0 and balance.used == 100
    services.cancel_order(second, "改期", actor=world.users["admin"])
    [balance] = queries.balances(world.elders["b1"].pk, timezone.localdate())
    assert balance.remaining == 20


def test_a_scheme_covers_only_its_categories(world):
    s = scheme(world, quota=Decimal(10), statuses=["dibao"])
    s.categories = ["clean"]
    s.save()
    bath = order(world, elder="b1", by="admin")
    assert bath.gov_amount == 0 and bath.self_amount == 80


def test_the_order_page_shows_the_balance(world, client):
    scheme(world, quota=Decimal(4), statuses=["dibao"])
    client.force_login(world.users["admin"])
    page = client.get(f"/services/orders/new/?elder={world.elders['b1'].pk}").content.decode()
    assert "特困低保失能老人居家服务" in page and "4" in page

"""The dashboard's JSON through the REST API: the same figures as the page, scoped
(another region is 404), for token and session callers, documented in the OpenAPI."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from tests.dashboard.helpers import counted, shown
from tests.fixtures import api_fixture, assert_api_error, county_fixture  # noqa: F401
from yiyang.core.models import AuditLog, Region
from yiyang.core.testing import COUNTY, TOWN_A, TOWN_B, VILLAGE_A1
from yiyang.dashboard.models import RegionPopulation

FIGURES = "/dashboard/figures"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_it_answers_the_county_for_the_bureau(county, api):
    body = api(county.users["admin"]).get(FIGURES).json()
    today = dt.date.today()
    assert body["region"]["code"] == COUNTY
    assert shown(body["registry"]) == counted(COUNTY[:6], today)
    assert body["period"]["value"] == f"{today:%Y-%m}"
    assert {row["code"] for row in body["children"]} == {TOWN_A, TOWN_B}
    assert set(body) >= {"services", "alarms", "as_of", "child_level"}


@pytest.mark.parametrize("user, region, status", [
    ("admin", TOWN_B, 200),
    ("town", TOWN_A, 200),
    ("town", VILLAGE_A1, 200),
    ("town", TOWN_B, 404),
    ("town", COUNTY, 404),
    ("village", TOWN_A, 404),
    ("provider", COUNTY, 404),
    ("caregiver", COUNTY, 404),
    ("operator", COUNTY, 404),
    ("family", COUNTY, 404),
    ("volunteer", COUNTY, 404),
])
def test_it_is_limited_to_the_callers_scope(county, api, user, region, status):
    response = api(county.users[user]).get(FIGURES, region=region)
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["region"]["code"] == region


def test_a_town_worker_gets_their_town_by_default(county, api):
    body = api(county.users["town"]).get(FIGURES).json()
    assert body["region"]["code"] == TOWN_A
    assert shown(body["registry"]) == counted(TOWN_A[:9], dt.date.today())


def test_anonymous_callers_are_refused(county, client):
    assert client.get("/api/v1" + FIGURES).status_code == 401


def test_the_page_reads_the_same_json_with_its_session(county, client, api):
    client.force_login(county.users["town"])
    by_session = client.get("/api/v1" + FIGURES, {"region": TOWN_A, "period": "2026-01"}).json()
    by_token = api(county.users["town"]).get(FIGURES, region=TOWN_A, period="2026-01").json()
    assert by_session == by_token and by_session["period"]["start"] == "2026-01-01"


@pytest.mark.parametrize("period, message", [("2026-13", "YYYY-MM"), ("yesterday", "YYYY-MM"),
                                             ("2999-01", "")])
def test_a_bad_period_is_a_400_naming_the_field(county, api, period, message):
    response = api(county.users["admin"]).get(FIGURES, period=period)
    assert response.status_code == 400
    assert "period" in response.json()["errors"]


def test_a_year_is_a_period_too(county, api):
    body = api(county.users["admin"]).get(FIGURES, period="2025").json()
    assert (body["period"]["start"], body["period"]["end"]) == ("2025-01-01", "2026-01-01")
    assert body["as_of"] == "2025-12-31"
    assert shown(body["registry"]) == counted(COUNTY[:6], dt.date(2025, 12, 31))


def test_population_figures_are_entered_within_scope_and_audited(county, api):
    town = api(county.users["town"])
    response = town.put("/dashboard/populations", {"region": TOWN_A, "year": 2026,
                                                    "population": 12000, "source": "统计局"})
    assert response.status_code == 200, response.content
    assert RegionPopulation.objects.get(region_id=TOWN_A, year=2026).population == 12000
    assert AuditLog.objects.filter(object_type="dashboard.regionpopulation",
                                   actor=county.users["town"]).exists()
    assert town.put("/dashboard/populations", {"region": TOWN_B, "year": 2026,
                                               "population": 1}).status_code == 404
    assert_api_error(town.put("/dashboard/populations", {"region": TOWN_A, "year": 2026,
                                                         "population": 0}), "population", "")
    listed = town.get("/dashboard/populations").json()
    assert listed == [{"region": TOWN_A, "region_name": Region.objects.get(code=TOWN_A).name,
                       "year": 2026, "population": 12000, "source": "统计局"}]
    assert api(county.users["town_b"]).get("/dashboard/populations").json() == []
    body = town.get(FIGURES).json()
    assert body["registry"]["population"] == 12000


def test_the_openapi_documents_the_dashboard(county, client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/dashboard/figures", "/api/v1/dashboard/series",
                 "/api/v1/dashboard/populations", "/api/v1/dashboard/reports"):
        assert path in schema["paths"], path
    assert "ranked" in schema["paths"]["/api/v1/dashboard/figures"]["get"]["description"]

"""The dashboard's pages: who may open them, in which scope, and what they hold."""

from __future__ import annotations

import pytest

from tests.fixtures import county_fixture  # noqa: F401
from yiyang.core.models import AuditLog
from yiyang.core.testing import COUNTY, TOWN_A, TOWN_B, VILLAGE_A1
from yiyang.dashboard.models import RegionPopulation


@pytest.mark.parametrize("user, region, status", [
    ("admin", "", 200), ("admin", TOWN_B, 200), ("town", "", 200), ("town", VILLAGE_A1, 200),
    ("town", TOWN_B, 404), ("town", COUNTY, 404), ("village", "", 200), ("village", TOWN_A, 404),
    ("provider", "", 404), ("caregiver", "", 404), ("operator", "", 404), ("family", "", 404),
    ("volunteer", "", 404),
])
def test_the_dashboard_page_is_scoped(county, client, user, region, status):
    client.force_login(county.users[user])
    response = client.get("/dashboard/", {"region": region} if region else {})
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        code = region or county.users[user].scope_region_id
        assert f"/api/v1/dashboard/figures?region={code}" in html
        assert "vendor/echarts/echarts.min.js" in html
        assert 'data-animate="0"' in html  # tests: no animation
        assert 'data-testid="nav-dashboard"' in html


def test_anonymous_visitors_are_sent_to_log_in(county, client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_wall_display_refreshes_itself_and_keeps_the_period(county, client):
    client.force_login(county.users["admin"])
    html = client.get("/dashboard/", {"wall": "1", "period": "2026-01"}).content.decode()
    assert "yy-wall" in html and 'data-refresh="60"' in html
    assert "period=2026-01" in html and 'value="2026-01" selected' in html
    normal = client.get("/dashboard/").content.decode()
    assert 'data-refresh="0"' in normal and "wall=1" in normal


def test_a_bad_period_falls_back_to_this_month_with_a_message(county, client):
    client.force_login(county.users["admin"])
    response = client.get("/dashboard/", {"period": "2026-13"}, follow=True)
    assert response.status_code == 200
    assert len(list(response.context["messages"])) == 1


def test_the_population_page_enters_figures_in_scope(county, client):
    client.force_login(county.users["town"])
    page = client.get("/dashboard/population/").content.decode()
    assert "population-form" in page and TOWN_B not in page
    response = client.post("/dashboard/population/", {"region": TOWN_A, "year": "2026",
                                                      "population": "8800", "source": ""})
    assert response.status_code == 302
    assert RegionPopulation.objects.get(region_id=TOWN_A, year=2026).population == 8800
    assert AuditLog.objects.filter(object_type="dashboard.regionpopulation").count() == 1
    assert client.post("/dashboard/population/", {"region": TOWN_B, "year": "2026",
                                                  "population": "1"}).status_code == 404
    invalid = client.post("/dashboard/population/", {"region": TOWN_A, "year": "2026",
                                                     "population": "-3"})
    assert invalid.status_code == 200 and invalid.context["form"].errors["population"]
    listed = client.get("/dashboard/population/").content.decode()
    assert "data-testid=\"population-value\">8800<" in listed


def test_roles_without_the_dashboard_cannot_open_its_pages(county, client):
    client.force_login(county.users["operator"])
    for path in ("/dashboard/population/", "/dashboard/reports/"):
        assert client.get(path).status_code == 404

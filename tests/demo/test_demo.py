"""`yiyang demo` builds a county people can log into, with every module's demo data."""

import pytest
from django.core.management import call_command
from django.test import Client

from yiyang.assessment.models import Assessment
from yiyang.core.models import User
from yiyang.demo.loader import DEMO_PASSWORD
from yiyang.elders import stats
from yiyang.elders.models import Elder


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    from tests.fixtures import module_transaction

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            call_command("demo", "--elders", "4000", stdout=open("/dev/null", "w"))
        yield


def test_every_demo_account_logs_in_and_sees_its_home(demo_county, db):
    town_workers = User.objects.filter(username__regex=r"^town\d{2}$").order_by("id")
    assert town_workers.count() >= 2  # one in every other town, all alike: one logs in here
    for user in [*User.objects.exclude(pk__in=town_workers.values("pk")), town_workers.first()]:
        client = Client()
        response = client.post("/login/", {"username": user.username, "password": DEMO_PASSWORD},
                               follow=True)
        assert response.status_code == 200 and response.context["user"] == user, user.username


def test_the_registry_counts_match_the_rows(demo_county, db):
    prefix = User.objects.get(username="admin").scope_prefix
    assert stats.summary(prefix)["total"] == Elder.objects.in_prefix(prefix).active().count()


def test_the_demo_village_has_assessments_in_every_state(demo_county, db):
    states = set(Assessment.objects.values_list("status", flat=True))
    assert {"approved", "submitted", "draft"} <= states
    approved = Assessment.objects.filter(status="approved").select_related("elder")
    assert all(a.elder.capability_level == a.level for a in approved
               if a == a.elder.assessments.filter(status="approved").first())


def test_an_alarm_in_any_village_reaches_a_community_worker(demo_county, db):
    from yiyang.alarms.escalation import community_users

    villages = set(Elder.objects.values_list("region_id", flat=True))
    assert villages
    assert all(community_users(code) for code in villages)

"""Daily routines run by the worker: once per local day, from the configured hour, and a
failing routine neither stops the others nor is lost from view."""

import datetime as dt
import threading

import pytest
from django.utils import timezone

from tests.fixtures import county_fixture  # noqa: F401
from yiyang.dashboard.models import MonthlySnapshot
from yiyang.jobs import daily
from yiyang.jobs.models import DailyRun

pytestmark = pytest.mark.django_db


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_the_dashboard_snapshot_runs_once_a_night(county, settings):
    settings.YIYANG_DAILY_HOUR = 23
    today = timezone.localdate()
    assert daily.run_due(_local(today, 22, 59)) == {}
    assert not MonthlySnapshot.objects.exists()
    ran = daily.run_due(_local(today, 23, 5))
    assert ran["dashboard_snapshot"].startswith("Recorded 9 snapshots")  # towns also under the county
    assert MonthlySnapshot.objects.filter(month=today.replace(day=1)).count() == 7
    assert daily.run_due(_local(today, 23, 50)) == {}  # already ran today
    assert "dashboard_snapshot" in daily.run_due(_local(today + dt.timedelta(days=1), 23, 1))
    assert DailyRun.objects.get(name="dashboard_snapshot").last_day == today + dt.timedelta(days=1)


def test_a_failing_routine_is_recorded_and_the_others_still_run(county, settings, monkeypatch):
    settings.YIYANG_DAILY_HOUR = 0

    def broken(day):
        raise RuntimeError("disk full")

    monkeypatch.setitem(daily.ROUTINES, "a_broken_routine", broken)
    ran = daily.run_due()
    assert ran["a_broken_routine"] == "failed: RuntimeError: disk full"
    assert ran["dashboard_snapshot"].startswith("Recorded")
    assert DailyRun.objects.get(name="a_broken_routine").last_result == "failed: RuntimeError: disk full"


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_runs_due_routines_and_stops(county, settings):
    settings.YIYANG_DAILY_HOUR = 0
    stop = threading.Event()
    thread = daily.start_thread(stop)
    for _ in range(100):
        if DailyRun.objects.filter(name="dashboard_snapshot", last_day=timezone.localdate()).exists():
            break
        threading.Event().wait(0.1)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert MonthlySnapshot.objects.exists()

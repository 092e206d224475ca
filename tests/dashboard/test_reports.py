"""Statistical reports: background jobs with progress, .xlsx with one sheet per table
and totals rows that add up to the region's own figures, PDF, kept for download and
audited; the month-by-month series from snapshots."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from tests.dashboard.helpers import add_boundary_elders, counted
from tests.fixtures import api_fixture, county_fixture  # noqa: F401
from yiyang.core.models import AuditLog, Region
from yiyang.core.testing import COUNTY, TOWN_A, TOWN_B
from yiyang.dashboard import periods, queries, services
from yiyang.dashboard.models import MonthlySnapshot
from yiyang.jobs.models import Job, JobStatus

SHEETS = ["概况", "年龄性别结构", "能力等级", "分类统计", "分地区", "居家服务", "紧急呼叫"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _report(county, capture, *, region=COUNTY, kind="monthly", fmt="xlsx", months=12,
            period=None, user="admin") -> Job:
    period = period or periods.current()
    with capture(execute=True):
        job = services.submit_report(Region.objects.get(code=region), period, kind=kind, fmt=fmt,
                                     months=months, actor=county.users[user])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def _sheets(job: Job) -> dict[str, list[tuple]]:
    with job.output_file.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()), read_only=True)
    return {sheet.title: [row for row in sheet.iter_rows(values_only=True)] for sheet in book}


def _table(rows: list[tuple]) -> tuple[tuple, list[tuple], tuple | None]:
    """(headers, body rows, totals row) of a sheet: title, headers, rows, 合计, note."""
    headers, body, totals = rows[1], [], None
    for row in rows[2:]:
        if row[0] == "合计" or (len(row) > 1 and row[1] == "合计"):
            totals = row
            break
        if all(v is None for v in row):
            break
        body.append(row)
    return headers, body, totals


def test_the_monthly_report_has_one_sheet_per_table_and_totals_that_add_up(
        county, django_capture_on_commit_callbacks):
    add_boundary_elders(dt.date.today(), county.users["admin"])
    job = _report(county, django_capture_on_commit_callbacks)
    assert job.output_name.endswith(".xlsx") and "统计月报" in job.output_name
    assert job.progress["done"] == job.total == len(SHEETS)
    sheets = _sheets(job)
    assert list(sheets) == SHEETS
    today = dt.date.today()
    expected = counted(COUNTY[:6], today)

    headers, body, totals = _table(sheets["年龄性别结构"])
    assert headers == ("年龄段", "男", "女", "合计")
    assert [r[1] + r[2] for r in body] == [r[3] for r in body]
    assert totals[1:] == (sum(r[1] for r in body), sum(r[2] for r in body), expected["aged_60"])
    assert [(r[1], r[2]) for r in body] == [(expected["pyramid"][band]["M"],
                                             expected["pyramid"][band]["F"])
                                            for band in ("60-69", "70-79", "80-89", "90-99", "100+")]

    headers, body, totals = _table(sheets["能力等级"])
    assert totals[1] == expected["total"] == sum(r[1] for r in body)
    assert totals[2] == 100 == round(sum(r[2] for r in body), 2)

    headers, body, totals = _table(sheets["分类统计"])
    assert [r[0] for r in body] == ["东岭镇", "西河镇"]
    assert totals[headers.index("低保")] == expected["dibao"]
    assert totals[headers.index("80周岁及以上")] == expected["aged_80"]

    headers, body, totals = _table(sheets["分地区"])
    assert headers[:4] == ("排名", "地区", "在册老年人", "60周岁及以上")
    assert totals[1] == "合计" and totals[3] == expected["aged_60"] == sum(r[3] for r in body)
    assert [r[0] for r in body] == [1, 2]


def test_the_report_of_a_town_lists_its_villages(county, django_capture_on_commit_callbacks):
    job = _report(county, django_capture_on_commit_callbacks, region=TOWN_A, user="town")
    headers, body, totals = _table(_sheets(job)["分地区"])
    assert {r[1] for r in body} == {"东岭村", "石门村"}
    assert totals[2] == counted(TOWN_A[:9], dt.date.today())["total"]


def test_a_pdf_report(county, django_capture_on_commit_callbacks):
    job = _report(county, django_capture_on_commit_callbacks, fmt="pdf")
    with job.output_file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert job.output_name.endswith(".pdf")


def test_requests_and_downloads_are_audited_and_only_the_owner_downloads(
        county, client, django_capture_on_commit_callbacks):
    job = _report(county, django_capture_on_commit_callbacks, region=TOWN_A, user="town")
    assert AuditLog.objects.filter(action="export", object_id=str(job.pk),
                                   detail__startswith="dashboard report monthly xlsx").exists()
    client.force_login(county.users["town_b"])
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    client.force_login(county.users["town"])
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert AuditLog.objects.filter(action="export", object_id=str(job.pk),
                                   detail__startswith="download").count() == 1


def test_the_series_reads_snapshots_and_the_live_month(county, django_capture_on_commit_callbacks):
    county_region = Region.objects.get(code=COUNTY)
    today = dt.date.today()
    last_month = periods.current().previous
    services.take_snapshot(county_region, last_month.end - dt.timedelta(days=1))
    assert MonthlySnapshot.objects.filter(month=last_month.start).count() == 3  # county + towns
    rows = queries.series(county_region, periods.recent_months(3))
    assert [r["month"] for r in rows] == [p.value for p in periods.recent_months(3)]
    assert rows[0]["recorded"] is False and rows[0]["aged_60"] is None
    snap_day = last_month.end - dt.timedelta(days=1)
    assert rows[1]["aged_60"] == counted(COUNTY[:6], snap_day)["aged_60"]
    assert rows[2]["aged_60"] == counted(COUNTY[:6], today)["aged_60"]
    town_rows = queries.series(Region.objects.get(code=TOWN_B), periods.recent_months(2))
    assert town_rows[0]["aged_80"] == counted(TOWN_B[:9], snap_day)["aged_80"]

    job = _report(county, django_capture_on_commit_callbacks, kind="series", months=3)
    sheet = _sheets(job)["逐月指标"]
    headers, body, totals = _table(sheet)
    assert [r[0] for r in body] == [p.value for p in periods.recent_months(3)]
    assert body[1][2] == rows[1]["aged_60"] and totals[0] == "合计"
    assert any("无快照的月份" in (row[0] or "") for row in sheet if row)


def test_the_reports_page_starts_a_job_and_lists_it(county, client,
                                                    django_capture_on_commit_callbacks):
    client.force_login(county.users["town"])
    page = client.get("/dashboard/reports/")
    assert page.status_code == 200 and "report-form" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dashboard/reports/", {
            "region": TOWN_A, "kind": "monthly", "period": periods.current().value,
            "fmt": "xlsx", "months": "12"})
    assert response.status_code == 302
    job = Job.objects.get(owner=county.users["town"])
    assert job.status == JobStatus.SUCCEEDED and job.params["region"] == TOWN_A
    listed = client.get(response["Location"]).content.decode()
    assert f"/jobs/{job.pk}/download/" in listed
    # another town is out of scope: 404, and nothing is started
    assert client.post("/dashboard/reports/", {"region": TOWN_B, "kind": "monthly",
                                               "period": periods.current().value,
                                               "fmt": "xlsx"}).status_code == 404
    assert Job.objects.count() == 1


def test_a_report_through_the_api(county, api, django_capture_on_commit_callbacks):
    caller = api(county.users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = caller.post("/dashboard/reports", {"kind": "monthly", "format": "pdf"})
    assert response.status_code == 202, response.content
    status = caller.get(f"/jobs/{response.json()['id']}").json()
    assert status["status"] == "succeeded" and status["has_output"]
    bad = caller.post("/dashboard/reports", {"kind": "weekly", "format": "xlsx"})
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]


def test_the_daily_snapshot_command_records_the_month(county):
    from django.core.management import call_command

    call_command("dashboard_snapshot", stdout=io.StringIO())
    month = periods.current().start
    # county (itself + 2 towns) and each town (itself + 2 villages); the towns twice
    assert MonthlySnapshot.objects.filter(month=month).count() == 7
    call_command("dashboard_snapshot", stdout=io.StringIO())
    assert MonthlySnapshot.objects.filter(month=month).count() == 7
    snapshot = MonthlySnapshot.objects.get(region_id=COUNTY, month=month)
    assert snapshot.figures["total"] == counted(COUNTY[:6], dt.date.today())["total"]


@pytest.mark.parametrize("counts", [[1, 1, 1], [64346, 17749, 7757, 3884, 1837, 31875], [0, 5],
                                    [2, 0, 0, 1]])
def test_shares_add_up_to_exactly_100(counts):
    from yiyang.dashboard.reports import shares_adding_up

    shares = shares_adding_up(counts)
    assert round(sum(shares), 2) == 100.0
    assert all(abs(s - 100 * n / sum(counts)) < 0.01 for s, n in zip(shares, counts, strict=True))

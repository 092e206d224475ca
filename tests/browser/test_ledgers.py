"""Ledgers in the browser: upload a ledger with errors, watch the check, read the
problems, download the error workbook, fix it, import it, find the elders."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.ledgers.helpers import ledger_row, workbook_bytes
from yiyang.elders.models import Elder

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _files_dir(settings, tmp_path):
    settings.YIYANG_FILES_DIR = tmp_path / "files"


def test_it_imports_a_ledger_after_fixing_the_rows_with_problems(page, county, login, url, shot, tmp_path):
    rows = [ledger_row("柳青松", sex="M", born=dt.date(1948, 2, 3)),
            ledger_row("白玉梅", born=dt.date(1945, 9, 9), 性别="男")]  # the sex contradicts the ID
    ledger = tmp_path / "东岭镇台账.xlsx"
    ledger.write_bytes(workbook_bytes(rows))

    login("town")
    page.get_by_test_id("nav-ledgers").click()
    expect(page.get_by_role("heading", name="台账", exact=True)).to_be_visible()
    shot("60-ledgers")
    page.get_by_test_id("upload-file").set_input_files(str(ledger))
    page.get_by_test_id("upload-submit").click()
    # The check ran as a job (immediately in tests); the page shows its result.
    expect(page.get_by_test_id("batch-status")).to_have_text("已检查，等待您决定")
    expect(page.get_by_test_id("rows-faulty")).to_have_text("1")
    problem = page.get_by_test_id("problem")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("性别")
    expect(problem).to_contain_text("与身份证号不一致")
    shot("61-ledger-checked")

    with page.expect_download() as download:
        page.get_by_test_id("download-errors").click()
    errors = tmp_path / "errors.xlsx"
    download.value.save_as(errors)
    book = load_workbook(errors)
    sheet = book["待修改"]
    assert sheet.cell(row=2, column=1).value == "白玉梅"
    sheet.cell(row=2, column=3).value = "女"  # fixed
    fixed = tmp_path / "已修改.xlsx"
    book.save(fixed)

    # Write nothing from the first file; upload the whole ledger again, fixed.
    page.get_by_label("不写入").check()
    page.get_by_test_id("decide").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("未写入")
    assert not Elder.objects.filter(name__in=["柳青松", "白玉梅"]).exists()

    page.goto(url("/ledgers/"))
    page.get_by_test_id("upload-file").set_input_files(str(fixed))
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("rows-faulty")).to_have_text("0")
    expect(page.get_by_test_id("rows-valid")).to_have_text("1")
    page.get_by_label("写入全部行").check()
    page.get_by_test_id("decide").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("已写入")
    expect(page.get_by_test_id("created-count")).to_have_text("1")
    shot("62-ledger-written")

    page.goto(url("/elders/?q=白玉梅"))
    expect(page.locator("[data-testid=elder-row] .yy-name-link")).to_have_text(["白玉梅"])


def test_it_shows_the_progress_of_a_check_and_the_result_when_it_ends(page, county, login, url, shot,
                                                                      settings):
    """With the database queue and no worker yet, the check waits: the page shows the
    bar and the counts, also after a reload; when a worker runs it, the page turns to
    the result by itself."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiyang.jobs import services as jobs
    from yiyang.ledgers import services

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    town = county.users["town"]
    batch = services.start_import(SimpleUploadedFile("a.xlsx", workbook_bytes([ledger_row()])),
                                  actor=town)
    login("town")
    page.goto(url(f"/ledgers/imports/{batch.pk}/"))
    expect(page.get_by_test_id("batch-status")).to_have_text("检查中")
    expect(page.get_by_test_id("job-progress")).to_be_visible()
    expect(page.get_by_test_id("count-checked")).to_have_text("0")
    shot("63-ledger-progress")
    page.reload()
    expect(page.get_by_test_id("job-progress")).to_be_visible()
    jobs.run(batch.validate_job_id)  # the worker picks it up
    expect(page.get_by_test_id("batch-status")).to_have_text("已检查，等待您决定", timeout=10_000)
    expect(page.get_by_test_id("rows-valid")).to_have_text("1")


def test_it_exports_the_filtered_registry_as_excel(page, county, login, url, tmp_path):
    login("town")
    page.goto(url("/elders/?living_arrangement=alone"))
    page.get_by_test_id("export-xlsx").click()
    expect(page.get_by_test_id("export-count")).to_have_text("1")
    page.get_by_test_id("start-export").click()
    expect(page.get_by_test_id("export-done")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_test_id("download-export").click()
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(io.BytesIO(path.read_bytes())).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["张建国"]


def test_an_import_left_undecided_expires(page, county, login, url, shot, tmp_path):
    """Retention: a week without a decision, the import shows it expired and offers no
    decision; the file has to be uploaded again."""
    from django.utils import timezone

    from yiyang.ledgers import retention

    ledger = tmp_path / "台账.xlsx"
    ledger.write_bytes(workbook_bytes([ledger_row("柳青松", sex="M", born=dt.date(1948, 2, 3))]))
    login("town")
    page.get_by_test_id("nav-ledgers").click()
    page.get_by_test_id("upload-file").set_input_files(str(ledger))
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("decision")).to_be_visible()

    retention.expire(timezone.now() + dt.timedelta(days=8))
    page.reload()
    expect(page.get_by_test_id("batch-status")).to_have_text("已过期，未写入")
    expect(page.get_by_test_id("expired")).to_contain_text("7 天内未作决定")
    expect(page.get_by_test_id("decision")).to_have_count(0)
    shot("63-ledger-expired")
    assert not Elder.objects.filter(name="柳青松").exists()

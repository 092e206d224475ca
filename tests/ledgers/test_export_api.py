"""The .xlsx export (masked, scoped, audited, split across sheets), the pages and
the REST API."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.fixtures import api_fixture, county_fixture  # noqa: F401
from tests.ledgers.helpers import ledger_row, read_sheet, run_import, workbook_bytes
from yiyang.core.models import AuditLog
from yiyang.jobs.models import Job
from yiyang.ledgers import exports, services, xlsx


def export(user, capture, filters=None, reveal=()):
    with capture(execute=True):
        job = services.start_export(actor=user, filters=filters or {}, reveal=list(reveal))
    return Job.objects.get(pk=job.pk)


def content(job) -> bytes:
    with job.output_file.open("rb") as handle:
        return handle.read()


def test_the_export_is_the_filtered_scoped_list_masked_and_audited(county,
                                                                   django_capture_on_commit_callbacks):
    town = county.users["town"]
    job = export(town, django_capture_on_commit_callbacks, {"living_arrangement": "alone"})
    rows = read_sheet(content(job))
    assert rows[0][:4] == ("姓名", "性别", "出生日期", "身份证号")
    assert [r[0] for r in rows[1:]] == ["张建国"]  # town A's elders living alone
    assert "*" in rows[1][3] and "*" in rows[1][4]
    entry = AuditLog.objects.get(action="export", object_id=str(job.pk))
    assert entry.changes == {"filters": {"living_arrangement": "alone"}, "rows": 1, "revealed": []}
    everyone = read_sheet(content(export(town, django_capture_on_commit_callbacks)))
    assert sorted(r[0] for r in everyone[1:]) == sorted(["张建国", "王秀英"])  # not town B's


def test_personal_fields_are_unmasked_only_for_roles_that_may_reveal(county,
                                                                     django_capture_on_commit_callbacks):
    town, operator = county.users["town"], county.users["operator"]
    a1 = county.elders["a1"]
    job = export(town, django_capture_on_commit_callbacks, {"q": "王秀英"}, reveal=["id_number"])
    row = read_sheet(content(job))[1]
    assert row[3] == a1.id_number and "*" in row[4]
    entry = AuditLog.objects.get(action="export", object_id=str(job.pk))
    assert entry.changes["revealed"] == ["id_number"]
    assert exports.revealable(operator, ["id_number", "phone"]) == ["phone"]


def test_a_long_export_is_split_across_sheets(county, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 3)
    job = export(county.users["admin"], django_capture_on_commit_callbacks)
    book = load_workbook(io.BytesIO(content(job)))
    assert [ws.max_row for ws in book.worksheets] == [3, 3]  # header + 2 elders, twice
    assert job.result["rows"] == 4


def test_the_exported_ledger_imports_again(county, django_capture_on_commit_callbacks):
    town = county.users["town"]
    data = content(export(town, django_capture_on_commit_callbacks,
                          reveal=["id_number", "phone", "address"]))
    batch = run_import(town, data, django_capture_on_commit_callbacks)
    assert batch.status == "checked" and batch.rows_valid == 2 and batch.registered_count == 2


def test_the_api_uploads_reports_decides_and_exports(county, api, client,
                                                     django_capture_on_commit_callbacks):
    town = county.users["town"]
    caller = api(town)
    data = workbook_bytes([ledger_row("接口甲"), ledger_row("接口乙", 性别="男")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/ledgers/imports", {"file": SimpleUploadedFile("a.xlsx", data)},
                               headers=caller.headers)
    assert response.status_code == 202, response.content
    batch_id = response.json()["id"]
    state = caller.get(f"/ledgers/imports/{batch_id}").json()
    assert state["status"] == "checked" and state["rows_faulty"] == 1 and state["errors_workbook"]
    page = caller.get(f"/ledgers/imports/{batch_id}/problems").json()
    assert page["count"] == 1 and page["results"][0]["row"] == 3
    assert page["results"][0]["column"] == "性别"
    refused = caller.post(f"/ledgers/imports/{batch_id}/decision", {"decision": "write_all"})
    assert refused.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        done = caller.post(f"/ledgers/imports/{batch_id}/decision", {"decision": "write_valid"})
    assert done.status_code == 200
    assert caller.get(f"/ledgers/imports/{batch_id}").json()["status"] == "written"
    download = client.get(state["errors_workbook"], headers=caller.headers)
    assert download.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/api/v1/ledgers/exports?living_arrangement=alone", "{}",
                              content_type="application/json", headers=caller.headers)
    assert started.status_code == 202, started.content
    job = caller.get(started.json()["status_url"].removeprefix("/api/v1")).json()
    assert job["status"] == "succeeded" and job["result"]["rows"] == 2  # 张建国 + 接口甲 (独居)


def test_the_api_refuses_what_the_caller_may_not_see(county, api, client):
    bad = SimpleUploadedFile("a.xlsx", b"not a workbook")
    assert client.post("/api/v1/ledgers/imports", {"file": bad}).status_code == 401
    volunteer = api(county.users["volunteer"])
    assert volunteer.get("/ledgers/imports").status_code == 404
    assert volunteer.post("/ledgers/exports").status_code == 404
    town = api(county.users["town"])
    bad.seek(0)
    refused = client.post("/api/v1/ledgers/imports", {"file": bad}, headers=town.headers)
    assert refused.status_code == 400 and "file" in refused.json()["errors"]


def test_another_users_import_is_not_found(county, client, django_capture_on_commit_callbacks):
    batch = run_import(county.users["town"], workbook_bytes([ledger_row()]),
                       django_capture_on_commit_callbacks)
    client.force_login(county.users["town_b"])
    assert client.get(f"/ledgers/imports/{batch.pk}/").status_code == 404
    assert client.post(f"/ledgers/imports/{batch.pk}/decide/", {"decision": "discard"}).status_code == 404
    client.force_login(county.users["volunteer"])
    assert client.get("/ledgers/").status_code == 404


def test_the_pages_show_the_template_upload_check_and_export(county, client,
                                                             django_capture_on_commit_callbacks):
    client.force_login(county.users["town"])
    assert "导入台账" in client.get("/ledgers/").content.decode()
    template = client.get("/ledgers/template.xlsx").content
    assert read_sheet(template, "台账")[0][:2] == ("姓名", "身份证号")
    codes = read_sheet(template, "区划代码")
    assert ("372025100201", "东岭镇", "东岭村") in codes
    assert not any(r[0] == "372025101201" for r in codes)  # the other town's village
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ledgers/imports/", {"file": SimpleUploadedFile(
            "台账.xlsx", workbook_bytes([ledger_row("页面甲")]))})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "检查结果" in page and "写入全部行" in page
    refused = client.post("/ledgers/imports/", {"file": SimpleUploadedFile("x.xlsx", b"hello")})
    assert "不是 Excel 工作簿" in refused.content.decode()
    listing = client.get("/elders/?living_arrangement=alone").content.decode()
    assert "/ledgers/export/?living_arrangement=alone" in listing
    confirm = client.get("/ledgers/export/?living_arrangement=alone").content.decode()
    assert 'data-testid="export-count">1<' in confirm

"""Importing ledgers through the real jobs: the check, the decision and the write,
with real .xlsx files made by openpyxl."""

import datetime as dt

import pytest
from openpyxl import load_workbook

from tests.fixtures import county_fixture, db_state  # noqa: F401
from tests.ledgers.helpers import decide, ledger_row, read_sheet, run_import, workbook_bytes
from yiyang.core.models import AuditLog
from yiyang.core.testing import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, elder_data, new_id_number
from yiyang.elders import services as elder_services
from yiyang.elders import stats
from yiyang.elders.models import Elder, ElderCount, EmergencyContact
from yiyang.elders.services import ContactData
from yiyang.ledgers.models import ImportBatch
from yiyang.ledgers.services import _AT
from yiyang.ledgers.validation import STAGED


def problems(batch: ImportBatch) -> list[tuple]:
    return list(batch.problems.values_list("row", "column", "reason"))


def counts() -> list:
    return sorted(ElderCount.objects.filter(count__gt=0).values_list("region_id", "key", "count"))


def test_it_checks_then_writes_the_valid_rows_when_asked(county, django_capture_on_commit_callbacks):
    town = county.users["town"]
    rows = [ledger_row("刘秀兰"), ledger_row("陈大山", sex="M", born=dt.date(1950, 1, 2)),
            ledger_row("马小明", born=dt.date(1990, 1, 1))]
    before = db_state()
    batch = run_import(town, workbook_bytes(rows), django_capture_on_commit_callbacks)
    assert batch.status == "checked"
    assert (batch.rows_total, batch.rows_valid, batch.rows_faulty) == (3, 2, 1)
    assert problems(batch) == [(4, "出生日期", "信息库只登记60周岁及以上的老年人。")]
    assert db_state()["elders"] == before["elders"]  # the check writes nothing

    batch = decide(batch, "write_valid", django_capture_on_commit_callbacks)
    assert batch.status == "written" and (batch.created_count, batch.skipped_count) == (2, 0)
    added = Elder.objects.filter(name__in=["刘秀兰", "陈大山"])
    assert added.count() == 2 and not Elder.objects.filter(name="马小明").exists()
    assert set(added.values_list("region_id", flat=True)) == {VILLAGE_A1}
    assert EmergencyContact.objects.filter(elder__in=added).count() == 2
    history = AuditLog.objects.filter(object_type="elders.elder", action="create",
                                      object_id__in=[str(e.pk) for e in added])
    assert history.count() == 2 and all(h.actor == town for h in history)
    ours = counts()
    stats.rebuild()
    assert ours == counts()  # the pre-aggregated counts were kept exact


@pytest.mark.parametrize("forked", [False, True], ids=["in-process", "forked-builders"])
def test_an_imported_elder_is_the_same_as_one_entered_in_the_form(county, forked, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    from yiyang.elders import bulk

    # Large imports build rows in forked processes: the same rows either way.
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 0 if forked else 10**9)
    town = county.users["town"]
    born = dt.date(1941, 8, 9)
    row = ledger_row("欧阳秀英", born=born, 经济状况="特困", 居住情况="空巢", 孤寡="是",
                     能力等级="中度失能", 备注="右腿不便")
    batch = run_import(town, workbook_bytes([row]), django_capture_on_commit_callbacks)
    decide(batch, "write_all", django_capture_on_commit_callbacks)
    imported = Elder.objects.get(name="欧阳秀英")

    data = elder_data(VILLAGE_A1, name="欧阳秀英", birth_date=born, id_number=new_id_number(born),
                      phone="13812345678", address="东岭村二组5号", economic_status="tekun",
                      living_arrangement="empty_nest", is_gugua=True, capability_level=2,
                      notes="右腿不便",
                      contacts=[ContactData(name="刘建军", relation="son", phone="13900002222")])
    entered = elder_services.create_elder(data, actor=town)

    def comparable(elder):
        values = Elder.objects.filter(pk=elder.pk).values().get()
        for name in ("id", "created", "last_updated", "id_number_enc", "id_number_hash",
                     "id_number_masked", "phone_enc", "address_enc"):
            values.pop(name)
        values["phone"], values["address"] = elder.phone, elder.address
        contacts = [(c.name, c.relation, c.phone, c.phone_hash, c.phone_masked, c.position)
                    for c in elder.contacts.all()]
        entry = AuditLog.objects.get(object_type="elders.elder", object_id=str(elder.pk))
        changes = {k: v for k, v in entry.changes.items() if k != "id_number"}
        return values, contacts, (entry.action, entry.actor_id, entry.region_code, changes)

    assert comparable(imported) == comparable(entered)
    assert imported.id_number_hash != entered.id_number_hash  # two people, same shape
    assert imported.id_number == row["身份证号"]
    assert Elder.objects.search(row["身份证号"]).get() == imported
    assert imported in Elder.objects.search("秀英")  # the name search index has it


def test_write_all_is_refused_while_rows_have_problems_and_discard_writes_nothing(
        county, django_capture_on_commit_callbacks):
    from yiyang.ledgers import services

    town = county.users["town"]
    rows = [ledger_row(), ledger_row("坏号码", 身份证号="372025194405060012")]
    batch = run_import(town, workbook_bytes(rows), django_capture_on_commit_callbacks)
    before = db_state()
    with pytest.raises(services.DecisionRefused):
        services.decide(batch, "write_all", actor=town)
    batch = decide(batch, "discard", django_capture_on_commit_callbacks)
    assert batch.status == "discarded"
    after = db_state()
    assert after["elders"] == before["elders"] and after["counts"] == before["counts"]
    with pytest.raises(services.DecisionRefused):
        services.decide(batch, "write_valid", actor=town)


def test_every_problem_is_named_by_row_column_and_reason(county, django_capture_on_commit_callbacks):
    town = county.users["town"]
    good = ledger_row("周桂芳")
    wrong_check = good["身份证号"][:17] + ("0" if good["身份证号"][17] != "0" else "1")
    rows = [
        good,
        ledger_row("", ),                                             # 3 name missing
        ledger_row("吴坏校验", 身份证号=wrong_check),
        ledger_row("郑性别", 性别="男"),                               # 5 sex vs ID
        ledger_row("王日期", 出生日期="1944-05-07"),                    # 6 birth date vs ID
        ledger_row("冯村外", region=VILLAGE_B1),                       # 7 outside the town
        ledger_row("陈无村", region="372025100299"),                   # 8 no such village
        ledger_row("褚经济", 经济状况="富裕"),                           # 9 coded value
        ledger_row("卫电话", 联系电话="12345"),                          # 10 phone
        ledger_row("蒋重复", 身份证号=good["身份证号"]),                  # 11 duplicate in the file
        ledger_row("沈联系", 联系人电话=""),                             # 12 contact without phone
        ledger_row("韩孤寡", 孤寡="也许"),                               # 13 flag
    ]
    batch = run_import(town, workbook_bytes(rows), django_capture_on_commit_callbacks)
    found = {(row, column): reason for row, column, reason in problems(batch)}
    assert found[(3, "姓名")] == "必填。"
    assert "校验位" in found[(4, "身份证号")]
    assert found[(5, "性别")] == "与身份证号不一致，身份证号显示为女。"
    assert found[(6, "出生日期")] == "与身份证号中的出生日期（1944-05-06）不一致。"
    assert found[(7, "村（社区）代码")] == "该村（社区）不在您的管辖范围内。"
    assert "372025100299" in found[(8, "村（社区）代码")]
    assert "低保" in found[(9, "经济状况")]
    assert "11 位手机号" in found[(10, "联系电话")] or "手机号" in found[(10, "联系电话")]
    assert "第 2 行" in found[(11, "身份证号")]
    assert "紧急联系人" in found[(12, "联系人电话")]
    assert "是" in found[(13, "孤寡")]
    assert batch.rows_valid == 1 and batch.rows_faulty == 11
    value = batch.problems.get(row=4).value
    assert "*" in value and value != rows[2]["身份证号"]  # personal data stays masked


def test_headers_are_matched_by_name_in_any_order_with_variants_and_widths(
        county, django_capture_on_commit_callbacks):
    town = county.users["town"]
    headers = [" 公民身份号码 ", "村(社区)代码", "备注", "老人姓名", "手机号码", "不认识的列"]
    row = ledger_row("杨秀梅")
    fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
    cells = {" 公民身份号码 ": " " + row["身份证号"].translate(fullwidth),
             "村(社区)代码": VILLAGE_A2, "老人姓名": " 杨 秀梅 ", "手机号码": "138-1234-5678",
             "不认识的列": "随便"}
    batch = run_import(town, workbook_bytes([cells], headers=headers, title="东岭镇老年人台账"),
                       django_capture_on_commit_callbacks)
    assert problems(batch) == [] and batch.rows_valid == 1
    decide(batch, "write_all", django_capture_on_commit_callbacks)
    elder = Elder.objects.get(name="杨秀梅")
    assert elder.id_number == row["身份证号"] and elder.phone == "13812345678"
    assert elder.region_id == VILLAGE_A2 and elder.birth_date == dt.date(1944, 5, 6)


def test_id_numbers_stored_as_numbers_are_reported_not_trusted(county, django_capture_on_commit_callbacks):
    town = county.users["town"]
    real = ledger_row("钱数字")
    legacy = "372025440506001"  # 15 digits survive as a number: upgraded
    rows = [dict(real, 身份证号=float(real["身份证号"][:17] + "0")),
            ledger_row("孙科学", 身份证号="3.72025E+17"),
            ledger_row("李旧号", sex="M", 身份证号=int(legacy), 出生日期="")]
    batch = run_import(town, workbook_bytes(rows), django_capture_on_commit_callbacks)
    found = {row: reason for row, _column, reason in problems(batch)}
    assert "数字" in found[2] and "文本" in found[2]
    assert "科学计数法" in found[3]
    assert 4 not in found and batch.rows_valid == 1


def test_dates_as_text_and_as_excel_serials(county, django_capture_on_commit_callbacks):
    town = county.users["town"]
    born = dt.date(1944, 5, 6)
    serial = (born - dt.date(1899, 12, 30)).days
    rows = [ledger_row("甲文本", 出生日期="1944/5/6"), ledger_row("乙中文", 出生日期="1944年5月6日"),
            ledger_row("丙序号", 出生日期=serial), ledger_row("丁日期", 出生日期=born),
            ledger_row("戊紧凑", 出生日期="19440506"), ledger_row("己错误", 出生日期="五月六日")]
    batch = run_import(town, workbook_bytes(rows), django_capture_on_commit_callbacks)
    assert [(r, c) for r, c, _reason in problems(batch)] == [(7, "出生日期")]
    assert batch.rows_valid == 5


def test_registered_elders_are_skipped_or_updated_with_history(county, django_capture_on_commit_callbacks):
    town = county.users["town"]
    a1 = county.elders["a1"]
    b1 = county.elders["b1"]  # registered in the other town
    rows = [ledger_row(a1.name, born=a1.birth_date, 身份证号=a1.id_number, 经济状况="特困", 居住地址="",
                       联系电话=""),
            ledger_row("新来的", born=dt.date(1950, 2, 2))]
    content = workbook_bytes(rows)
    theirs = ledger_row(b1.name, 身份证号=b1.id_number, born=b1.birth_date)
    outside = run_import(town, workbook_bytes([theirs]), django_capture_on_commit_callbacks)
    assert "管辖范围以外" in problems(outside)[0][2]

    skipped = decide(run_import(town, content, django_capture_on_commit_callbacks), "write_all",
                     django_capture_on_commit_callbacks)
    assert skipped.registered_count == 1 and (skipped.created_count, skipped.skipped_count) == (1, 1)
    a1.refresh_from_db()
    assert a1.economic_status == "none"

    rows[1] = ledger_row("又来的", born=dt.date(1951, 3, 3))
    batch = run_import(town, workbook_bytes(rows), django_capture_on_commit_callbacks)
    updated = decide(batch, "write_all", django_capture_on_commit_callbacks, policy="update")
    assert (updated.created_count, updated.updated_count) == (1, 1)
    a1.refresh_from_db()
    assert a1.economic_status == "tekun" and a1.living_arrangement == "alone"
    assert a1.address == "东岭村三组12号" and a1.phone == "13812345678"  # blank cells: unchanged
    entry = AuditLog.objects.filter(object_id=str(a1.pk), action="update").get()
    assert entry.changes["economic_status"] == ["none", "tekun"] and entry.actor == town
    assert "ledger import" in entry.detail
    ours = counts()
    stats.rebuild()
    assert ours == counts()


@pytest.mark.parametrize("forked", [False, True], ids=["in-process", "forked-builders"])
def test_the_write_asks_the_registry_again_rows_built_at_the_check_are_not_trusted(
        county, forked, monkeypatch, django_capture_on_commit_callbacks):
    """The new elders' rows are built during the check; the write re-asks the registry:
    an ID registered since the check is skipped, not created twice, and a registered
    elder deleted since the check (not built then) is created."""
    from yiyang.elders import bulk

    monkeypatch.setattr(bulk, "PARALLEL_FROM", 0 if forked else 10**9)
    town = county.users["town"]
    a1 = county.elders["a1"]
    born = dt.date(1948, 4, 4)
    late, gone = ledger_row("后登记", born=born), ledger_row(a1.name, born=a1.birth_date,
                                                             身份证号=a1.id_number)
    batch = run_import(town, workbook_bytes([ledger_row("陈新人"), late, gone]),
                       django_capture_on_commit_callbacks)
    assert (batch.rows_valid, batch.registered_count) == (3, 1)
    # Meanwhile someone registers one of the new elders in the form, and a1 leaves.
    elder_services.create_elder(elder_data(VILLAGE_A1, name="后登记", birth_date=born,
                                           id_number=late["身份证号"]), actor=town)
    Elder.objects.filter(pk=a1.pk).delete()
    stats.rebuild()

    batch = decide(batch, "write_all", django_capture_on_commit_callbacks)
    assert (batch.created_count, batch.skipped_count) == (2, 1)
    assert Elder.objects.filter(name="后登记").count() == 1
    assert Elder.objects.search(gone["身份证号"]).get().name == a1.name
    assert Elder.objects.filter(name="陈新人").exists()
    ours = counts()
    stats.rebuild()
    assert ours == counts()


def test_an_elder_registered_since_the_check_is_updated_from_the_checked_row(
        county, django_capture_on_commit_callbacks):
    """A row built at the check whose ID was registered meanwhile follows the update
    policy with the values the file holds (kept beside the built rows)."""
    town = county.users["town"]
    born = dt.date(1947, 7, 7)
    late = ledger_row("后登记", born=born, 经济状况="特困")
    batch = run_import(town, workbook_bytes([late, ledger_row("陈新人")]),
                       django_capture_on_commit_callbacks)
    assert batch.registered_count == 0
    elder_services.create_elder(elder_data(VILLAGE_A1, name="后登记", birth_date=born,
                                           id_number=late["身份证号"]), actor=town)

    batch = decide(batch, "write_all", django_capture_on_commit_callbacks, policy="update")
    assert (batch.created_count, batch.updated_count, batch.skipped_count) == (1, 1, 0)
    assert Elder.objects.get(name="后登记").economic_status == "tekun"
    ours = counts()
    stats.rebuild()
    assert ours == counts()


def test_rows_built_by_another_version_are_built_again_or_the_import_is_refused(
        county, monkeypatch, django_capture_on_commit_callbacks):
    """After an upgrade, built files of the old format are not read: an import staged
    in full (older versions) is built at the write; one that is not asks for a new
    check and writes nothing."""
    from yiyang.elders import bulk
    from yiyang.ledgers import services

    town = county.users["town"]
    rows = [ledger_row("甲一"), ledger_row("乙二", born=dt.date(1950, 1, 1))]
    refused = run_import(town, workbook_bytes(rows), django_capture_on_commit_callbacks)
    staged_in_full = run_import(town, workbook_bytes([ledger_row("丙三"), ledger_row("丁四")]),
                                django_capture_on_commit_callbacks)
    paths = bulk.built_files(services.files_dir(staged_in_full))
    services.save_staged(staged_in_full, [row for _tag, row in bulk.load_built_items(
        paths, set(range(10**6)))])
    monkeypatch.setattr(bulk, "BUILT_VERSION", bulk.BUILT_VERSION + 1)
    before = Elder.objects.count()

    refused = decide(refused, "write_all", django_capture_on_commit_callbacks)
    assert refused.status == "write_failed" and "较早版本" in refused.write_job.error
    assert Elder.objects.count() == before
    written = decide(staged_in_full, "write_all", django_capture_on_commit_callbacks)
    assert written.status == "written" and written.created_count == 2
    assert Elder.objects.filter(name__in=["丙三", "丁四"]).count() == 2


def test_the_error_workbook_holds_the_faulty_rows_highlighted(county, client,
                                                              django_capture_on_commit_callbacks):
    town = county.users["town"]
    rows = [ledger_row("好人甲"), ledger_row("坏人乙", 性别="男"), ledger_row("好人丙")]
    batch = run_import(town, workbook_bytes(rows), django_capture_on_commit_callbacks)
    client.force_login(town)
    response = client.get(f"/jobs/{batch.validate_job_id}/download/")
    data = b"".join(response.streaming_content)
    sheet = read_sheet(data, "待修改")
    assert sheet[0][-2:] == ("错误说明", "原行号")
    assert len(sheet) == 2 and sheet[1][0] == "坏人乙" and sheet[1][-1] == 3
    assert "性别" in sheet[1][-2]
    import io
    book = load_workbook(io.BytesIO(data))
    sex_cell = book["待修改"].cell(row=2, column=3)
    assert sex_cell.value == "男" and sex_cell.fill.fgColor.rgb == "FFFFC7CE"
    assert book["问题清单"].cell(row=2, column=1).value == 3


def test_the_staged_row_layout_is_what_the_writer_reads():
    assert _AT == {name: i for i, name in enumerate(STAGED)}


def test_counts_written_in_bulk_match_those_written_one_by_one(county, settings):
    """stats.apply_changes writes many changed counts in bulk: the same result."""
    from django.db import transaction

    elders = list(Elder.objects.all())
    moved = [(stats.snapshot(e), (VILLAGE_A2, stats.keys_of(e))) for e in elders] * 200
    added = [(None, (VILLAGE_A1, ["total", "sby:F:1930", "flag:new"]))] * 300
    results = []
    for threshold in (10**9, 1):  # one by one, then in bulk
        stats.BULK_COUNTS = threshold
        sid = transaction.savepoint()
        stats.apply_changes(moved + added)
        results.append(counts())
        transaction.savepoint_rollback(sid)
    stats.BULK_COUNTS = 200
    assert results[0] == results[1] and results[0] != counts()

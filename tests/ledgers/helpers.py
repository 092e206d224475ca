"""Building real .xlsx ledgers with openpyxl, and running an import to its end."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from yiyang.core.testing import VILLAGE_A1, new_id_number
from yiyang.ledgers import services
from yiyang.ledgers.models import ImportBatch

HEADERS = ["姓名", "身份证号", "性别", "出生日期", "联系电话", "居住地址", "村（社区）代码", "经济状况",
           "居住情况", "孤寡", "能力等级", "紧急联系人", "联系人关系", "联系人电话", "备注"]


def ledger_row(name="刘秀兰", *, born=dt.date(1944, 5, 6), sex="F", region=VILLAGE_A1, **cells):
    """A valid row as a dict of header -> cell."""
    row = {"姓名": name, "身份证号": new_id_number(born, sex), "性别": "男" if sex == "M" else "女",
           "出生日期": born.isoformat(), "联系电话": "13812345678", "居住地址": "东岭村二组5号",
           "村（社区）代码": region, "经济状况": "低保", "居住情况": "独居", "孤寡": "否",
           "能力等级": "轻度失能", "紧急联系人": "刘建军", "联系人关系": "儿子", "联系人电话": "13900002222",
           "备注": ""}
    row.update(cells)
    return row


def workbook_bytes(rows: list[dict], headers=HEADERS, *, title: str | None = None,
                   prepare=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    if prepare:
        prepare(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name="台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/vnd.openxmlformats-"
                              "officedocument.spreadsheetml.sheet")


def run_import(user, content: bytes, capture, name="台账.xlsx") -> ImportBatch:
    """Upload and check (the job runs on commit, as the worker would)."""
    with capture(execute=True):
        batch = services.start_import(upload(content, name), actor=user)
    return ImportBatch.objects.get(pk=batch.pk)


def decide(batch, decision, capture, policy="skip") -> ImportBatch:
    with capture(execute=True):
        services.decide(batch, decision, policy=policy, actor=batch.owner)
    return ImportBatch.objects.get(pk=batch.pk)


def read_sheet(data: bytes, sheet: str | int = 0) -> list[tuple]:
    book = load_workbook(io.BytesIO(data))
    ws = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
    return [tuple(c.value for c in row) for row in ws.iter_rows()]

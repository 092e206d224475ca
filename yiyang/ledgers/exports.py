"""The registry list as an .xlsx ledger: streamed from the restricted, filtered
queryset (elders.queries.elder_list) into the file, a chunk of rows at a time.

The columns are the import template's, so an exported ledger can be edited and
imported again. Personal fields are masked unless the user asked to reveal them and
their role may (each export is audited with its filter, row count and reveals).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import connection

from yiyang.core import audit, crypto, scoping
from yiyang.core.choices import AuditAction, PersonalField, RegionLevel
from yiyang.core.models import Region
from yiyang.elders import queries
from yiyang.elders.choices import ElderStatus
from yiyang.elders.exports import audited_filters
from yiyang.ledgers import xlsx
from yiyang.ledgers.columns import (
    ECONOMIC_LABEL,
    FLAG_KEYS,
    LEVEL_LABEL,
    LIVING_LABEL,
    SEX_LABEL,
)

CHUNK = 5000
HEADERS = ["姓名", "性别", "出生日期", "身份证号", "联系电话", "居住地址", "乡镇（街道）", "村（社区）",
           "村（社区）代码", "经济状况", "居住情况", "孤寡", "三老", "优抚对象", "计生特殊家庭", "留守",
           "能力等级", "状态", "备注"]
WIDTHS = [10, 6, 12, 21, 14, 24, 14, 14, 15, 8, 10, 6, 6, 8, 12, 6, 10, 8, 20]
STATUS_LABEL = {ElderStatus.ACTIVE: "在册", ElderStatus.MOVED: "迁出", ElderStatus.DECEASED: "已故"}
# Columns whose text may hold XML's special characters (the others are digits, masks,
# ISO dates and the fixed labels of coded values): only these are escaped.
FREE_TEXT = frozenset({0, 5, 6, 7, 18})
_PERSONAL = {PersonalField.ID_NUMBER: "id_number", PersonalField.PHONE: "phone",
             PersonalField.ADDRESS: "address"}


def revealable(user, fields: list[str]) -> list[str]:
    """The requested personal fields this user's role may see unmasked."""
    return [f for f in fields if f in _PERSONAL and scoping.may_reveal(user, f)]


def _columns(reveal: list[str]) -> list[str]:
    personal = [f"{_PERSONAL[f]}_enc" if f in reveal else f"{_PERSONAL[f]}_masked"
                for f in (PersonalField.ID_NUMBER, PersonalField.PHONE, PersonalField.ADDRESS)]
    return ["name", "sex", "birth_date", *personal, "region_id", "economic_status",
            "living_arrangement", *FLAG_KEYS, "capability_level", "status", "notes"]


def _places(user) -> dict[str, tuple[str, str]]:
    """Village code -> (town name, village name) for the user's scope, read once."""
    regions = Region.objects.within(user.scope_prefix or "-").filter(
        level__in=[RegionLevel.TOWN, RegionLevel.VILLAGE]).values_list("code", "name", "parent_id",
                                                                       "level")
    towns = {code: name for code, name, _parent, level in regions if level == RegionLevel.TOWN}
    return {code: (towns.get(parent, ""), name) for code, name, parent, level in regions
            if level == RegionLevel.VILLAGE}


def count(user, filters: dict) -> int:
    return queries.elder_list(user, filters).order_by().count()


def write_export(path: Path, user, filters: dict, reveal: list[str],
                 progress: Callable[[int], None] | None = None) -> int:
    """Write the filtered list to path; returns the number of elders written."""
    qs = queries.elder_list(user, filters)
    reveal = revealable(user, reveal)
    unseal = [i for i, name in enumerate(_columns(reveal)) if name.endswith("_enc")]
    places = _places(user)
    count = 0
    with path.open("wb") as handle, xlsx.StreamingWorkbook(handle) as book:
        sheet = None
        for values in _values(qs.values_list(*_columns(reveal))):
            if sheet is None or sheet.full:
                sheet = book.add_sheet("老年人台账" if sheet is None else f"老年人台账{len(book.sheets) + 1}",
                                       WIDTHS)
                sheet.append(HEADERS, style=xlsx.HEADER)
            sheet.append_texts(_row(values, places, unseal), escape=FREE_TEXT)
            count += 1
            if progress and count % CHUNK == 0:
                progress(count)
        if sheet is None:
            book.add_sheet("老年人台账", WIDTHS).append(HEADERS, style=xlsx.HEADER)
    return count


def _values(qs) -> Iterator[tuple]:
    """The queryset's rows. On SQLite straight from the cursor (it streams): Django's
    converters for dates and booleans cost more than writing the cells; _row accepts
    both forms. On PostgreSQL through a server-side cursor (iterator), which has no
    converters for these columns."""
    if connection.vendor != "sqlite":
        yield from qs.iterator(chunk_size=CHUNK)
        return
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def _row(values: tuple, places: dict, unseal: list[int]) -> list[str]:
    (name, sex, birth, id_number, phone, address, region, economic, living, gugua, sanlao, youfu,
     jisheng, left_behind, level, status, notes) = values
    if unseal:
        id_number, phone, address = (crypto.unseal(v) if 3 + i in unseal else v
                                     for i, v in enumerate((id_number, phone, address)))
    town, village = places.get(region, ("", ""))
    birth = birth if birth.__class__ is str else birth.isoformat()
    return [name, SEX_LABEL.get(sex, sex), birth, id_number, phone, address, town, village,
            region, ECONOMIC_LABEL.get(economic, economic), LIVING_LABEL.get(living, living),
            _yes(gugua), _yes(sanlao), _yes(youfu), _yes(jisheng), _yes(left_behind),
            LEVEL_LABEL.get(level, ""), STATUS_LABEL.get(status, status), notes]


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def record_export(user, filters: dict, reveal: list[str], count: int, job=None) -> None:
    shown = audited_filters(filters)
    audit.record(AuditAction.EXPORT, actor=user, obj=job, region_code=user.scope_prefix or "",
                 changes={"filters": shown, "rows": count, "revealed": reveal},
                 detail=f"xlsx {count} rows" + (f", revealed {', '.join(reveal)}" if reveal else ""))

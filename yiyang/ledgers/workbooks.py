"""The workbooks a user downloads: the import template and the error workbook."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from yiyang.core.choices import RegionLevel
from yiyang.core.models import Region
from yiyang.ledgers import xlsx
from yiyang.ledgers.columns import BY_KEY, CODED, COLUMNS, FLAG_KEYS, NO_WORDS, YES_WORDS
from yiyang.ledgers.validation import Outcome

NOTE_HEADER, ROW_HEADER = "错误说明", "原行号"


def import_template(user) -> bytes:
    """Headers to fill in, instructions, allowed values and the user's region codes.

    Every cell of the ledger sheet is formatted as text, so Excel keeps ID numbers
    as typed instead of turning them into numbers."""

    def write(book: xlsx.StreamingWorkbook) -> None:
        ledger = book.add_sheet("台账", [c.width for c in COLUMNS])
        ledger.append([c.header for c in COLUMNS], style=xlsx.HEADER)
        _instructions(book.add_sheet("填写说明", [16, 8, 60, 40]))
        _allowed_values(book.add_sheet("可选值", [16, 40]))
        _region_codes(book.add_sheet("区划代码", [16, 16, 20]), user)

    return xlsx.to_bytes(write)


def _instructions(sheet) -> None:
    sheet.append(["列名", "必填", "填写要求", "也可识别的列名"], style=xlsx.HEADER)
    for column in COLUMNS:
        allowed = column.allowed or _allowed_text(column.key)
        sheet.append([column.header, "是" if column.required else "", allowed,
                      "、".join(column.aliases)])
    sheet.append([])
    for line in _GENERAL_RULES:
        sheet.append([line], style=xlsx.NOTE)


_GENERAL_RULES = (
    "1. 第一行为列名（上方可有标题行），列的顺序不限，无法识别的列会被忽略。",
    "2. 每行一位 60 周岁及以上的老年人；性别、出生日期须与身份证号一致。",
    "3. 身份证号请保持文本格式：存成数字或科学计数法的号码末几位已丢失，会被报告为错误。",
    "4. 已在信息库中的身份证号：导入时可选择跳过，或用本表中有内容的列更新（空白单元格不改动原有信息）。",
    "5. 上传后系统先检查全部行，不写入任何数据；您查看问题清单后再决定是否写入。",
)


def _allowed_text(key: str) -> str:
    if key in FLAG_KEYS:
        return "是 / 否；空白为否"
    if key in CODED:
        return " / ".join(dict.fromkeys(w for w in CODED[key] if not w.isascii()))
    return ""


def _allowed_values(sheet) -> None:
    sheet.append(["列名", "可填写的值"], style=xlsx.HEADER)
    for key in CODED:
        words = [w for w in dict.fromkeys(CODED[key]) if not w.isascii()]
        sheet.append([BY_KEY[key].header, "、".join(words)])
    for key in FLAG_KEYS:
        yes = "、".join(w for w in YES_WORDS if not w.isascii())
        no = "、".join(w for w in NO_WORDS if not w.isascii())
        sheet.append([BY_KEY[key].header, f"{yes}（是）；{no}（否）"])


def _region_codes(sheet, user) -> None:
    sheet.append(["村（社区）代码", "乡镇（街道）", "村（社区）"], style=xlsx.HEADER)
    villages = (Region.objects.within(user.scope_prefix or "-").filter(level=RegionLevel.VILLAGE)
                .select_related("parent").order_by("code"))
    for village in villages.iterator(chunk_size=2000):
        sheet.append_texts([village.code, village.parent.name if village.parent else "", village.name])


def write_error_workbook(path: Path, outcome: Outcome) -> None:
    """The faulty rows as a ledger to fix and upload again (the faulty cells in red,
    the reasons beside them), and the problem list on a second sheet."""
    layout = outcome.layout
    keys = sorted(layout.positions, key=layout.positions.get)
    indexes = [layout.positions[k] for k in keys]
    reasons: dict[int, list[str]] = {}
    for problem in outcome.problems:
        reasons.setdefault(problem.row, []).append(
            f"{problem.column}：{problem.reason}" if problem.column else problem.reason)
    with path.open("wb") as handle, xlsx.StreamingWorkbook(handle) as book:
        sheet = book.add_sheet("待修改", [BY_KEY[k].width for k in keys] + [60, 8])
        sheet.append([layout.headers[i] for i in indexes] + [NOTE_HEADER, ROW_HEADER], style=xlsx.HEADER)
        for row in sorted(outcome.faulty_cells):
            cells = outcome.faulty_cells[row]
            bad = outcome.faulty_columns.get(row, set())
            values = [cells[i] if i < len(cells) else "" for i in indexes]
            styles = {n: xlsx.FAULTY_CELL for n, i in enumerate(indexes) if i in bad}
            styles[len(values)] = xlsx.FAULTY_ROW
            sheet.append(values + ["；".join(reasons.get(row, [])), row], style=xlsx.FAULTY_ROW,
                         cell_styles=_all_columns(styles, len(values) + 2))
        problems = book.add_sheet("问题清单", [8, 16, 24, 70])
        problems.append([_("Row"), _("Column"), _("Value"), _("Problem")], style=xlsx.HEADER)
        for problem in outcome.problems:
            problems.append([problem.row, problem.column, problem.value, problem.reason])


def _all_columns(styles: dict[int, int], width: int) -> dict[int, int]:
    return {i: styles.get(i, xlsx.FAULTY_ROW) for i in range(width)}

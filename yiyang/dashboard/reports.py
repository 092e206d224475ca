"""Statistical reports for the city (统计报表): the monthly report of a region and the
month-by-month series of its main indicators, as .xlsx (one sheet per table) or PDF.

Reports are Chinese forms sent to the city, so their headers are written in Chinese
here (as the assessment report does) rather than translated. Tables whose rows add up
carry a 合计 row computed from the rows themselves (and checked against the region's
own figure by the tests).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone, translation

from yiyang.core.models import Region
from yiyang.dashboard import queries
from yiyang.dashboard.periods import Period

TOTAL = "合计"
NO_DATA = "暂无数据（该模块尚未上线或本期没有记录）"
FONT = "STSong-Light"


@dataclass
class Table:
    title: str  # the sheet's name (at most 31 characters)
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    totals: list | None = None
    note: str = ""

    def add_totals(self, label_columns: int = 1, skip: tuple[int, ...] = ()) -> None:
        """A 合计 row: the sum of every numeric column (columns in skip left empty)."""
        totals: list = [""] * (label_columns - 1) + [TOTAL]
        for i in range(label_columns, len(self.headers)):
            values = [row[i] for row in self.rows if isinstance(row[i], int | float)]
            totals.append("" if i in skip or not values else _round(sum(values)))
        self.totals = totals


def _round(value):
    return round(value, 2) if isinstance(value, float) else value


def _percent(share) -> float | str:
    return "" if share is None else round(share * 100, 2)


# --- the monthly report -----------------------------------------------------------------------
def monthly_tables(region: Region, period: Period, progress: Callable = lambda **kw: None
                   ) -> list[Table]:
    with translation.override("zh-hans"):
        data = queries.dashboard(region, period)
        registry = data["registry"]
        steps = [_overview, _pyramid, _levels, _categories_by_child, _by_child, _services,
                 _alarms]
        tables = []
        for done, step in enumerate(steps):
            progress(done=done, total=len(steps))
            tables.append(step(data, registry))
        progress(done=len(steps), total=len(steps))
        return tables


def _overview(data, registry) -> Table:
    table = Table("概况", ["指标", "数值"])
    rate = registry["ageing_rate"]
    table.rows = [
        ["地区", data["region"]["name"]],
        ["统计期", data["period"]["label"]],
        ["人数统计截止日期", data["as_of"]],
        ["在册老年人（人）", registry["total"]],
        ["60周岁及以上（人）", registry["aged_60"]],
        ["80周岁及以上（人）", registry["aged_80"]],
        ["100周岁及以上（人）", registry["aged_100"]],
        ["常住人口（人）", registry["population"] if registry["population"] else "未录入"],
        ["人口数据年份", registry["population_year"] or ""],
        ["老龄化率（%，60周岁及以上占常住人口）", _percent(rate) if rate is not None else "未录入人口"],
    ]
    return table


def _pyramid(data, registry) -> Table:
    table = Table("年龄性别结构", ["年龄段", "男", "女", "合计"])
    table.rows = [[row["label"], row["M"], row["F"], row["M"] + row["F"]]
                  for row in registry["pyramid"]]
    table.add_totals()
    table.note = f"按{data['as_of']}的周岁年龄统计；合计为60周岁及以上老年人。"
    return table


def _levels(data, registry) -> Table:
    table = Table("能力等级", ["能力等级（GB/T 42195-2022）", "人数", "占比（%）"])
    counts = [row["n"] for row in registry["levels"]]
    shares = shares_adding_up(counts)
    table.rows = [[row["label"], row["n"], share]
                  for row, share in zip(registry["levels"], shares, strict=True)]
    table.add_totals()
    table.note = "在册老年人按当前能力等级；合计为在册老年人总数。"
    return table


def shares_adding_up(counts: list[int], digits: int = 2) -> list[float]:
    """Percentages rounded to `digits` that add up to exactly 100 (largest remainder):
    a 合计 row of shares must not read 100.01."""
    total = sum(counts)
    if not total:
        return [0.0 for _ in counts]
    unit = 10 ** digits
    exact = [100 * unit * n / total for n in counts]
    floors = [int(x) for x in exact]
    for i in sorted(range(len(counts)), key=lambda i: floors[i] - exact[i])[:100 * unit - sum(floors)]:
        floors[i] += 1
    return [f / unit for f in floors]


CHILD_CATEGORIES = ["dibao", "dibian", "tekun", "alone", "empty_nest", "gugua", "disabled"]


def _categories_by_child(data, registry) -> Table:
    labels = {c["key"]: c["label"] for c in registry["categories"]}
    region = Region.objects.get(code=data["region"]["code"])
    _, children = queries.registry_by_region(region, _as_of(data))
    table = Table("分类统计", ["地区", *[labels[c] for c in CHILD_CATEGORIES], "80周岁及以上",
                               "100周岁及以上"])
    sources = children or [(region, registry)]
    for child, figures in sources:
        by_key = figures["categories_by_key"]
        table.rows.append([child.name, *[by_key[c] for c in CHILD_CATEGORIES],
                           figures["aged_80"], figures["aged_100"]])
    table.add_totals()
    table.note = "一位老年人可同时属于多个类别；各列合计等于本地区的人数。"
    return table


def _as_of(data) -> dt.date:
    return dt.date.fromisoformat(data["as_of"])


def _by_child(data, registry) -> Table:
    table = Table("分地区", ["排名", "地区", "在册老年人", "60周岁及以上", "80周岁及以上",
                            "100周岁及以上", "常住人口", "老龄化率（%）", "服务工单", "服务时长（小时）",
                            "报警数", "离线设备"])
    for row in data["children"]:
        table.rows.append([row["rank"], row["name"], row["total"], row["aged_60"], row["aged_80"],
                           row["aged_100"], row["population"] or "", _percent(row["ageing_rate"]),
                           _blank(row["orders"]), _blank(row["hours"]), _blank(row["alarms"]),
                           _blank(row["devices_offline"])])
    if table.rows:
        table.add_totals(label_columns=2, skip=(7,))
        table.totals[7] = _percent(registry["ageing_rate"])
    else:
        table.note = "本地区没有下级地区。"
    return table


def _blank(value):
    return "" if value is None else value


def _services(data, registry) -> Table:
    services = data["services"]
    table = Table("居家服务", ["指标", "本期", "上期"])
    if services is None:
        table.note = NO_DATA
        return table
    table.rows = [
        ["服务工单（单）", services["orders"], services["orders_previous"]],
        ["服务时长（小时）", _round(services["hours"]), _round(services["hours_previous"])],
        ["政府购买服务应享时长（小时）", _round(services["entitled_hours"]), ""],
        ["异常标记的上门服务（次）", services["visits_flagged"], ""],
        ["审核未通过的上门服务（次）", services["visits_rejected"], ""],
        ["满意度（1–5 分）", "" if services["satisfaction"] is None
         else round(services["satisfaction"], 2), ""],
        ["评价数", services["ratings"], ""],
    ]
    return table


def _alarms(data, registry) -> Table:
    alarms = data["alarms"]
    table = Table("紧急呼叫", ["报警类型", "今日", "本期"])
    if alarms is None:
        table.note = NO_DATA
        return table
    labels = alarms.get("type_labels", {})
    types = sorted(set(alarms["alarms_today_by_type"]) | set(alarms["alarms_period_by_type"]))
    table.rows = [[labels.get(t, t), alarms["alarms_today_by_type"].get(t, 0),
                   alarms["alarms_period_by_type"].get(t, 0)] for t in types]
    table.add_totals()

    def seconds(value):
        return "" if value is None else round(value, 1)

    table.note = (f"响应时间中位数 {seconds(alarms['ack_median_s'])} 秒，"
                  f"P90 {seconds(alarms['ack_p90_s'])} 秒，"
                  f"60秒内响应占比 {_percent(alarms['ack_within_60s_share'])}%；"
                  f"未关闭报警 {alarms['open_alarms']} 起；设备 {alarms['devices_total']} 台，"
                  f"在线 {alarms['devices_online']}，离线 {alarms['devices_offline']}。")
    return table


# --- the series, month by month -------------------------------------------------------------
SERIES_HEADERS = ["月份", "在册老年人", "60周岁及以上", "80周岁及以上", "100周岁及以上",
                  "老龄化率（%）", "失能", "低保", "特困", "独居", "服务工单", "服务时长（小时）",
                  "报警数", "60秒内响应占比（%）"]
FLOW_COLUMNS = (10, 11, 12)


def series_tables(region: Region, months: list[Period], progress: Callable = lambda **kw: None
                  ) -> list[Table]:
    """One row per month: the registry's stocks from the month's snapshot (the live
    figures for the current month) and the month's flows from the other apps."""
    with translation.override("zh-hans"):
        rows = queries.series(region, months, progress)
    table = Table("逐月指标", SERIES_HEADERS)
    for row in rows:
        table.rows.append([row["month"], *[_blank(row[key]) for key in queries.SERIES_STOCKS[:4]],
                           _percent(row["ageing_rate"]),
                           *[_blank(row[key]) for key in queries.SERIES_CATEGORIES],
                           _blank(row["orders"]), _blank(_round(row["hours"])),
                           _blank(row["alarms"]), _percent(row["ack_within_60s_share"])])
    table.totals = [TOTAL] + [""] * 9 + [
        _round(sum(row[i] for row in table.rows if isinstance(row[i], int | float)))
        for i in FLOW_COLUMNS] + [""]
    missing = [row["month"] for row in rows if not row["recorded"]]
    table.note = ("人数为各月末在册数（取自月度快照，本月为实时数）；服务与报警为当月发生数，合计为各月之和。"
                  + (f"无快照的月份：{'、'.join(missing)}。" if missing else ""))
    return [table]


# --- rendering -------------------------------------------------------------------------------------
def to_xlsx(tables: list[Table], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E3F1F0")
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append([title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(table.headers)
        for cell in sheet[2]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in [*table.rows, *([table.totals] if table.totals else [])]:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, int) and not isinstance(cell.value, bool):
                    cell.number_format = "#,##0"
        if table.totals:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        if table.note:
            sheet.append([])
            sheet.append([table.note])
        for i, header in enumerate(table.headers, 1):
            sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, 2 * len(header) + 4))
        sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _pdf_cell(value, text_style, number_style):
    from reportlab.platypus import Paragraph

    if isinstance(value, bool) or not isinstance(value, int | float):
        return Paragraph(str(value), text_style)
    return Paragraph(f"{value:,}", number_style)


def to_pdf(tables: list[Table], title: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("base", fontName=FONT, fontSize=8.5, leading=11, wordWrap="CJK")
    number = ParagraphStyle("number", parent=base, alignment=2)
    heading = ParagraphStyle("h", parent=base, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4,
                             textColor=colors.HexColor("#0c5e5e"))
    title_style = ParagraphStyle("t", parent=base, fontSize=16, leading=22, alignment=1)
    buffer = io.BytesIO()
    printed = timezone.localtime()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm,
                            rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=14 * mm,
                            title=title, author="颐养")

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(12 * mm, 7 * mm, f"颐养 · {title} · 生成于 {printed:%Y-%m-%d %H:%M}")
        canvas.drawRightString(landscape(A4)[0] - 12 * mm, 7 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    story = [Paragraph(title, title_style), Spacer(1, 4 * mm)]
    for table in tables:
        story.append(Paragraph(table.title, heading))
        rows = [table.headers, *table.rows] + ([table.totals] if table.totals else [])
        if len(rows) > 1:
            cells = [[_pdf_cell(v, base, number) for v in row] for row in rows]
            grid = PdfTable(cells, repeatRows=1, hAlign="LEFT")
            style = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b5c2c2")),
                     ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f1f0")),
                     ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
            if table.totals:
                style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f6f6")))
            grid.setStyle(TableStyle(style))
            story.append(grid)
        if table.note:
            story.append(Spacer(1, 2 * mm))
            story.append(Paragraph(table.note, base))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()

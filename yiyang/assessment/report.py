"""The printable assessment report: A4 PDF in Chinese, drawn with reportlab and its
built-in CID font STSong-Light (so no font files ship with Yiyang).

The report is a Chinese form by nature (like the standard's own report, 附录C), so its
labels are written in Chinese here rather than translated.
"""

from __future__ import annotations

import io

from django.utils import timezone

from yiyang.assessment.choices import AssessmentReason, AssessmentStatus
from yiyang.assessment.models import Assessment
from yiyang.assessment.queries import assessment_blocks, history_entry

FONT = "STSong-Light"

REASONS = {
    AssessmentReason.FIRST: "首次评估",
    AssessmentReason.ROUTINE: "常规评估",
    AssessmentReason.CONDITION_CHANGE: "即时评估（状况发生变化）",
    AssessmentReason.REQUEST: "因对评估结果有疑问进行的复评",
    AssessmentReason.OTHER: "其他",
}
STATUSES = {
    AssessmentStatus.DRAFT: "草稿",
    AssessmentStatus.SUBMITTED: "已提交，待审核",
    AssessmentStatus.RETURNED: "已退回修改",
    AssessmentStatus.APPROVED: "已审核通过",
}
SEXES = {"M": "男", "F": "女"}


def _styles():
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11.5),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, alignment=1,
                                spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, alignment=1,
                                   textColor=colors.HexColor("#444444"), spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=16, spaceBefore=8,
                             spaceAfter=4, textColor=colors.HexColor("#0c5e5e")),
        "level": ParagraphStyle("level", parent=base, fontSize=14, leading=20),
        "warning": ParagraphStyle("warning", parent=base, textColor=colors.HexColor("#a61b0f"),
                                  alignment=1, spaceAfter=4),
    }


def render(assessment: Assessment, *, full: bool = False) -> bytes:
    """The report as PDF bytes; personal data masked unless full (already audited)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    printed = timezone.localtime()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=15 * mm,
        bottomMargin=16 * mm, title=f"老年人能力评估报告 {assessment.pk}", author="颐养",
    )

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(16 * mm, 9 * mm,
                          f"颐养 · 评估编号 {assessment.pk} · 打印于 {printed:%Y-%m-%d %H:%M}")
        canvas.drawRightString(A4[0] - 16 * mm, 9 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    doc.build(_story(assessment, full, _styles()), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _story(assessment: Assessment, full: bool, st: dict) -> list:
    from reportlab.platypus import Paragraph

    scale = assessment.scale_def
    story = [
        Paragraph("老年人能力评估报告", st["title"]),
        Paragraph(f"依据 {_esc(scale.title)}", st["subtitle"]),
    ]
    if assessment.status != AssessmentStatus.APPROVED:
        story.append(Paragraph(f"【{STATUSES[assessment.status]}】本报告尚未审核通过，不作为能力等级认定依据。",
                               st["warning"]))
    story += _elder_part(assessment, full, st)
    story += _items_part(assessment, st)
    story += _conditions_part(assessment, st)
    story += _level_part(assessment, st)
    story += _changes_part(assessment, st)
    story += _signatures(assessment, st)
    return story


def _grid(rows, widths, st, *, header: bool = False, spans=(), shade=()):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    cells = [[c if not isinstance(c, str) else Paragraph(_esc(c), st["base"]) for c in row]
             for row in rows]
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 9.5),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a9a9a")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3efef")))
    for row in shade:
        style.append(("BACKGROUND", (0, row), (-1, row), colors.HexColor("#f1f6f6")))
    style += [("SPAN", a, b) for a, b in spans]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    table.setStyle(TableStyle(style))
    return table


def _elder_part(assessment: Assessment, full: bool, st: dict) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    elder = assessment.elder
    town = elder.region.parent.name if elder.region.parent else ""
    id_number = elder.id_number if full else elder.id_number_masked
    phone = (elder.phone if full else elder.phone_masked) or "—"
    address = (elder.address if full else elder.address_masked) or "—"
    w = [24 * mm, 65 * mm, 24 * mm, 65 * mm]
    people = "、".join(p for p in (assessment.assessor_1, assessment.assessor_2) if p)
    return [
        Paragraph("一、基本信息", st["h2"]),
        _grid([
            ["姓名", elder.name, "性别", SEXES.get(elder.sex, elder.sex)],
            ["出生日期", f"{elder.birth_date:%Y-%m-%d}（评估时 {elder.age_on(assessment.assessed_on)} 岁）",
             "民族", elder.ethnicity or "—"],
            ["身份证号", id_number, "联系电话", phone],
            ["所在地", f"{town} {elder.region.name}", "居住地址", address],
        ], w, st),
        Paragraph("二、评估信息", st["h2"]),
        _grid([
            ["评估编号", str(assessment.pk), "评估原因", REASONS.get(assessment.reason, assessment.reason)],
            ["评估日期", f"{assessment.assessed_on:%Y-%m-%d}", "评估地点", assessment.place],
            ["评估员", people, "信息提供者", assessment.informant or "—"],
            ["状态", STATUSES[assessment.status], "量表", assessment.scale_def.standard],
        ], w, st),
    ]


def _items_part(assessment: Assessment, st: dict) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    rows = [["指标", "评估结果", "得分"]]
    spans, shade = [], []
    for block in assessment_blocks(assessment):
        section = block.section
        score = "—" if block.score is None else block.score
        head = f"{section.code} {section.name}　小计 {score} / {section.max_points} 分"
        if block.grade is not None:
            head += f"　分级 {block.grade}（{block.grade_name}）"
        rows.append([head, "", ""])
        spans.append(((0, len(rows) - 1), (-1, len(rows) - 1)))
        shade.append(len(rows) - 1)
        for line in block.lines:
            points = "未评" if line.points is None else f"{line.points} / {line.item.max_points}"
            rows.append([line.item.label, line.option or "—", points])
    return [Paragraph("三、能力评估（各项得分）", st["h2"]),
            _grid(rows, [42 * mm, 112 * mm, 24 * mm], st, header=True, spans=spans, shade=shade)]


def _conditions_part(assessment: Assessment, st: dict) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    scale = assessment.scale_def
    values = {c.code: assessment.conditions.get(c.code, c.default) for c in scale.conditions}
    state = [[c.name, c.choice_label(values[c.code])] for c in scale.conditions if c.group != "risk"]
    risks = "；".join(f"{c.name.removeprefix('近30天')} {c.choice_label(values[c.code])}"
                     for c in scale.conditions if c.group == "risk")
    rows = [*state, ["近30天照护风险事件", risks]]
    return [Paragraph("四、等级变更相关情况", st["h2"]), _grid(rows, [42 * mm, 136 * mm], st)]


def _level_part(assessment: Assessment, st: dict) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    scale = assessment.scale_def
    if assessment.level is None:
        return [Paragraph("五、能力等级", st["h2"]),
                Paragraph("尚未完成全部项目，未计算等级。", st["base"])]
    rows = []
    if scale.show_total:
        rows.append(["总分", f"{assessment.total_score} / {scale.max_total} 分"])
    initial = scale.level(assessment.initial_level)
    rule = scale.level_rule(assessment.initial_rule).text if assessment.initial_rule else ""
    rows.append(["初步等级", f"{initial.value} 级 {initial.name}（{rule}）"])
    fired = history_entry(assessment).fired
    rows.append(["等级变更依据", "；".join(o.text for o in fired) if fired else "无"])
    final = scale.level(assessment.level)
    return [
        Paragraph("五、能力等级", st["h2"]),
        _grid(rows, [42 * mm, 136 * mm], st),
        Paragraph(f"最终等级：<b>{final.value} 级 {_esc(final.name)}</b>", st["level"]),
    ]


def _changes_part(assessment: Assessment, st: dict) -> list:
    from reportlab.platypus import Paragraph

    entry = history_entry(assessment)
    previous = assessment.previous
    if previous is None:
        return []
    title = Paragraph(
        f"六、与上次评估（{previous.assessed_on:%Y-%m-%d}，{previous.level_name}）比较", st["h2"])
    if not entry.comparable:
        return [title, Paragraph("上次评估使用其他量表，仅比较等级。", st["base"])]
    text = "；".join(f"{item.name} {'—' if old is None else old} → {'—' if new is None else new}"
                     for item, old, new in entry.changes) or "各项得分无变化。"
    return [title, Paragraph(_esc(text), st["base"])]


def _signatures(assessment: Assessment, st: dict) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    reviewer = ""
    if assessment.status == AssessmentStatus.APPROVED and assessment.reviewed_by:
        reviewer = f"{assessment.reviewed_by}（{timezone.localtime(assessment.reviewed_at):%Y-%m-%d}）"
    blank = "　" * 8
    rows = [
        ["评估员签名", f"{assessment.assessor_1}　签名：{blank}", "日期", ""],
        ["评估员签名", f"{assessment.assessor_2}　签名：{blank}", "日期", ""],
        ["信息提供者签名", "", "日期", ""],
        ["审核人", f"{reviewer}　签名：{blank}", "日期", ""],
    ]
    return [
        Paragraph("签字", st["h2"]),
        _grid(rows, [30 * mm, 104 * mm, 14 * mm, 30 * mm], st),
        Spacer(1, 6 * mm),
        Paragraph("评估机构（盖章）：", st["base"]),
    ]


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

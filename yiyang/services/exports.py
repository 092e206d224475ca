"""A settlement as a page, an .xlsx workbook (openpyxl, write-only) and a PDF (reportlab,
CID font STSong-Light as in the assessment report). The documents are Chinese forms
by nature, so their labels are written in Chinese here.

Elders' names are shown masked (张*英): the documents go to finance offices and
providers, who need the visits, not the people."""

from __future__ import annotations

import io

from django.db.models import Count, Sum
from django.utils import timezone

from yiyang.lib.masking import mask_name
from yiyang.services.choices import Flag, ReviewStatus
from yiyang.services.models import Order, OrderItem, Settlement
from yiyang.services.querysets import order_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "STSong-Light"
VISIT_HEADER = ["工单号", "服务日期", "老人", "村（社区）", "服务项目", "护理员", "签到", "签退", "服务分钟",
                "计划分钟", "时长(小时)", "金额(元)", "政府支付(元)", "自付(元)", "确认方式"]
REJECTED_HEADER = ["工单号", "服务日期", "老人", "护理员", "核查问题", "驳回原因", "金额(元)"]
FLAG_NAMES = {Flag.FAR_CHECKIN: "签到位置偏远", Flag.SHORT_VISIT: "服务时长不足", Flag.OVERLAP: "时间重叠",
              Flag.CERTIFICATE: "证书过期", Flag.NOT_CONFIRMED: "未经确认"}
CONFIRM_NAMES = {"code": "验证码", "signature": "签字", "": "—"}


def _visits(settlement: Settlement):
    return (Order.objects.filter(settled__settlement=settlement)
            .select_related("elder", "elder__region", "caregiver").order_by("service_date", "id"))


def _rejected(settlement: Settlement):
    orders = order_scope(Order.objects.filter(provider=settlement.provider_id).in_month(settlement.month),
                       settlement.county.prefix)
    return (orders.filter(review_status=ReviewStatus.REJECTED)
            .select_related("elder", "caregiver").order_by("service_date", "id"))


def by_item(settlement: Settlement) -> list[dict]:
    return list(OrderItem.objects.filter(order__settled__settlement=settlement)
                .values("item__code", "item__name", "unit_price")
                .annotate(visits=Count("order", distinct=True), quantity=Sum("quantity"),
                          amount=Sum("amount")).order_by("item__code"))


def _items_text(order: Order) -> str:
    return "、".join(line.item.name for line in order.lines.all())


def _flags_text(order: Order) -> str:
    return "；".join(FLAG_NAMES[flag] for flag in order.flag_list)


def settlement_rows(settlement: Settlement, limit: int | None = None) -> dict:
    visits = _visits(settlement).prefetch_related("lines__item")
    return {"visits": visits[:limit] if limit else visits, "rejected": _rejected(settlement),
            "by_item": by_item(settlement)}


def _visit_row(order: Order) -> list:
    local = timezone.localtime
    return [order.pk, order.service_date, mask_name(order.elder.name), order.elder.region.name,
            _items_text(order), order.caregiver.name if order.caregiver else "",
            f"{local(order.checkin_at):%H:%M}" if order.checkin_at else "",
            f"{local(order.checkout_at):%H:%M}" if order.checkout_at else "",
            order.actual_minutes, order.planned_minutes, float(order.hours), float(order.total_amount),
            float(order.gov_amount), float(order.self_amount), CONFIRM_NAMES.get(order.confirm_method, "")]


def settlement_xlsx(settlement: Settlement) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    summary = book.create_sheet("汇总")
    for row in _summary_rows(settlement):
        summary.append(row)
    summary.append([])
    summary.append(["项目编码", "服务项目", "单价(元)", "次数", "数量", "金额(元)"])
    for row in by_item(settlement):
        summary.append([row["item__code"], row["item__name"], float(row["unit_price"]), row["visits"],
                        float(row["quantity"]), float(row["amount"])])
    visits = book.create_sheet("服务明细")
    visits.append(VISIT_HEADER)
    for order in _visits(settlement).prefetch_related("lines__item").iterator(chunk_size=2000):
        visits.append(_visit_row(order))
    rejected = book.create_sheet("驳回工单")
    rejected.append(REJECTED_HEADER)
    for order in _rejected(settlement):
        rejected.append(_rejected_row(order))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rejected_row(order: Order) -> list:
    return [order.pk, order.service_date, mask_name(order.elder.name),
            order.caregiver.name if order.caregiver else "", _flags_text(order), order.review_reason,
            float(order.total_amount)]


def _summary_rows(settlement: Settlement) -> list[list]:
    status = "已审核（锁定）" if settlement.is_locked else "草稿"
    return [
        ["居家上门服务结算单"],
        ["服务机构", str(settlement.provider)],
        ["结算月份", f"{settlement.month:%Y-%m}"],
        ["状态", status],
        ["服务次数", settlement.visits],
        ["服务时长(小时)", float(settlement.hours)],
        ["政府支付(元)", float(settlement.gov_amount)],
        ["自付(元)", float(settlement.self_amount)],
        ["合计(元)", float(settlement.total)],
        ["驳回工单", settlement.rejected],
        ["审核人", str(settlement.approved_by or "")],
        ["审核时间", f"{timezone.localtime(settlement.approved_at):%Y-%m-%d %H:%M}"
         if settlement.approved_at else ""],
    ]


def settlement_pdf(settlement: Settlement) -> bytes:
    """The settlement slip: totals, per item, and the rejected visits with reasons."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("base", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=16, leading=22, alignment=1)
    style = TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f1f1"))])
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"结算单 {settlement.provider} {settlement.month:%Y-%m}", author="颐养")
    summary = [[label, str(value)] for label, value in (r for r in _summary_rows(settlement)[1:])]
    items = [["项目编码", "服务项目", "单价(元)", "次数", "数量", "金额(元)"]] + [
        [r["item__code"], r["item__name"], f"{r['unit_price']:.2f}", r["visits"], f"{r['quantity']:.1f}",
         f"{r['amount']:.2f}"] for r in by_item(settlement)]
    rejected = [REJECTED_HEADER] + [[str(c) for c in _rejected_row(o)] for o in _rejected(settlement)]
    story = [Paragraph("居家上门服务结算单", title), Spacer(1, 4 * mm),
             Table(summary, colWidths=[40 * mm, 120 * mm], style=TableStyle(
                 [("FONT", (0, 0), (-1, -1), FONT, 10), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey)])),
             Spacer(1, 5 * mm), Paragraph("按服务项目", base), Table(items, style=style, repeatRows=1),
             Spacer(1, 5 * mm), Paragraph(f"驳回工单（{len(rejected) - 1}）", base)]
    if len(rejected) > 1:
        story.append(Table([[Paragraph(str(c), base) for c in row] for row in rejected], style=style,
                           repeatRows=1, colWidths=[16 * mm, 22 * mm, 18 * mm, 18 * mm, 40 * mm, 46 * mm,
                                                    20 * mm]))
    doc.build(story)
    return buffer.getvalue()

"""Background jobs of the dashboard: the statistical reports and the nightly monthly
snapshot (yiyang.jobs)."""

from __future__ import annotations

from django.utils import timezone

from yiyang.core.models import Region
from yiyang.dashboard import periods, reports, services
from yiyang.dashboard.constants import REPORT_JOB, ReportFormat, ReportKind
from yiyang.jobs.daily import daily
from yiyang.jobs.registry import handler
from yiyang.jobs.services import JobError


@handler(REPORT_JOB)
def build_report(ctx) -> dict:
    params = ctx.params
    region = Region.objects.filter(code=params["region"]).first()
    if region is None:
        raise JobError("地区不存在")
    period = periods.parse(params["period"])

    def progress(done: int, total: int) -> None:
        ctx.report(total=total, done=done, force=done == total)

    ctx.report(stage="collecting")
    if params["kind"] == ReportKind.SERIES:
        months = periods.recent_months(params["months"], today=period.start)
        tables = reports.series_tables(region, months, progress)
        title = f"{region.name}养老服务主要指标逐月统计（{months[0].value}至{months[-1].value}）"
    else:
        tables = reports.monthly_tables(region, period, progress)
        title = f"{region.name}养老服务统计月报（{period.start.year}年{period.start.month}月）"
    ctx.report(stage="writing")
    render = reports.to_pdf if params["format"] == ReportFormat.PDF else reports.to_xlsx
    ctx.save_output(f"{title}.{params['format']}", render(tables, title))
    return {"title": title, "tables": len(tables), "region": region.code,
            "generated": timezone.now().isoformat()}


@daily("dashboard_snapshot")
def snapshot(day) -> str:
    return services.take_all_snapshots(day)

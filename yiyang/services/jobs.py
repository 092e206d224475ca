"""Background jobs of home care: the month's settlement (yiyang.jobs)."""

from __future__ import annotations

import datetime as dt

from yiyang.core.models import Region
from yiyang.jobs.registry import handler
from yiyang.jobs.services import JobError
from yiyang.services import settlement
from yiyang.services.services import InvalidOrder
from yiyang.services.settlement import SETTLEMENT_JOB


@handler(SETTLEMENT_JOB)
def generate_settlements(ctx) -> dict:
    county = Region.objects.get(code=ctx.params["county"])
    month = dt.date.fromisoformat(ctx.params["month"])

    def progress(done: int, total: int) -> None:
        ctx.report(stage="settling", total=total, done=done, force=done == total)

    ctx.report(stage="checking")
    try:
        made = settlement.generate_month(county, month, actor=ctx.job.owner, progress=progress)
    except InvalidOrder as exc:
        raise JobError(str(exc)) from exc
    return {"month": f"{month:%Y-%m}", "settlements": len(made)}

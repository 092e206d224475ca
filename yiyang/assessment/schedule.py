"""When a re-assessment falls due (pure date arithmetic, and the policy in force).

The next assessment is due `months` after the last approved one (default 12), or
`change_days` after a change of condition reported since then (default 30), whichever
comes first. "Due" lists show what falls due within `due_soon_days`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from yiyang.assessment import constants


@dataclass(frozen=True)
class Policy:
    months: int
    change_days: int
    due_soon_days: int
    four_eyes: bool


def policy() -> Policy:
    return Policy(
        months=getattr(settings, "YIYANG_REASSESSMENT_MONTHS", constants.REASSESSMENT_MONTHS),
        change_days=getattr(settings, "YIYANG_REASSESSMENT_CONDITION_DAYS",
                            constants.CONDITION_CHANGE_DAYS),
        due_soon_days=getattr(settings, "YIYANG_REASSESSMENT_DUE_SOON_DAYS",
                              constants.DUE_SOON_DAYS),
        four_eyes=getattr(settings, "YIYANG_ASSESSMENT_FOUR_EYES", constants.FOUR_EYES),
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def due_date(
    last_assessed_on: dt.date | None, condition_changed_on: dt.date | None, rules: Policy
) -> dt.date | None:
    candidates = []
    if last_assessed_on is not None:
        candidates.append(add_months(last_assessed_on, rules.months))
    if condition_changed_on is not None and (
        last_assessed_on is None or condition_changed_on >= last_assessed_on
    ):
        candidates.append(condition_changed_on + dt.timedelta(days=rules.change_days))
    return min(candidates) if candidates else None

"""The period a dashboard or report is about: a calendar month ("2026-11") or year
("2026"), as a half-open range of local dates [start, end)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
YEAR = re.compile(r"^(\d{4})$")


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    value: str
    start: dt.date
    end: dt.date

    @property
    def is_month(self) -> bool:
        return len(self.value) == 7

    @property
    def label(self) -> str:
        if self.is_month:
            return _("%(year)s-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        return _("year %(year)s") % {"year": self.start.year}

    @property
    def previous(self) -> Period:
        if self.is_month:
            return month_of(self.start - dt.timedelta(days=1))
        return parse(str(self.start.year - 1))

    def reference_date(self, today: dt.date | None = None) -> dt.date:
        """The day the registry's stocks (ages) are counted on: today while the period
        runs, else its last day."""
        today = today or timezone.localdate()
        return min(today, self.end - dt.timedelta(days=1))

    def last_month(self, today: dt.date | None = None) -> Period:
        """The period's last month that has started: itself for a month; December of a
        past year; the current month of the running year."""
        if self.is_month:
            return self
        return month_of(min(self.end - dt.timedelta(days=1), today or timezone.localdate()))

    def as_json(self) -> dict:
        return {"value": self.value, "label": self.label, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "previous": self.previous.value}


def month_of(day: dt.date) -> Period:
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return Period(f"{start:%Y-%m}", start, end)


def current(today: dt.date | None = None) -> Period:
    return month_of(today or timezone.localdate())


def parse(value: str | None, today: dt.date | None = None) -> Period:
    """A month "YYYY-MM" or a year "YYYY"; empty means the current month. Periods that
    start in the future are refused."""
    today = today or timezone.localdate()
    value = (value or "").strip()
    if not value:
        return current(today)
    if match := MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12 or year < 1949:
            raise InvalidPeriod(_("Give a month as YYYY-MM or a year as YYYY."))
        period = month_of(dt.date(year, month, 1))
    elif match := YEAR.match(value):
        year = int(match[1])
        if year < 1949:
            raise InvalidPeriod(_("Give a month as YYYY-MM or a year as YYYY."))
        period = Period(value, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    else:
        raise InvalidPeriod(_("Give a month as YYYY-MM or a year as YYYY."))
    if period.start > today:
        raise InvalidPeriod(_("The period has not started yet."))
    return period


def recent_months(count: int, today: dt.date | None = None) -> list[Period]:
    """The last `count` months, oldest first, ending with the current one."""
    months = [current(today)]
    while len(months) < count:
        months.append(months[-1].previous)
    return list(reversed(months))

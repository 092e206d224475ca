"""Read operations composed for pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from yiyang.elders.forms import SORTS
from yiyang.elders.models import Elder


@dataclass
class Page:
    rows: list
    number: int
    size: int
    total: int
    capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number * self.size < self.total

    @property
    def last_number(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)


def elder_list(user, filters: dict):
    """The restricted, filtered, sorted registry queryset (pages, API, exports)."""
    qs = Elder.objects.restrict(user).apply_filters(filters)
    return qs.order_by(*SORTS.get(filters.get("sort") or "name", SORTS["name"]))


def page_of(qs, number: int, size: int | None = None) -> Page:
    size = size or settings.YIYANG_PAGE_SIZE
    total, capped = qs.capped_count(settings.YIYANG_COUNT_CAP)
    last = max(1, -(-total // size))
    number = min(max(1, number), last)
    offset = (number - 1) * size
    rows = list(qs.select_related("region", "region__parent")[offset : offset + size])
    return Page(rows=rows, number=number, size=size, total=total, capped=capped)

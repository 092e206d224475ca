"""Read operations composed for pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate

from yiyang.elders.forms import SORTS
from yiyang.elders.models import Elder
from yiyang.elders.querysets import is_name_term


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
    # The region filter narrows the scope in restrict() rather than adding a second
    # prefix condition on top of it (see ElderQuerySet.restrict).
    qs = Elder.objects.restrict(user, within=filters.get("region") or None)
    qs = qs.apply_filters({**filters, "region": None})
    order = SORTS.get(filters.get("sort") or "name", SORTS["name"])
    if connection.vendor == "postgresql" and is_name_term(filters.get("q") or ""):
        order = _sorted_not_walked(order)
    return qs.order_by(*order)


def _sorted_not_walked(order: tuple) -> tuple:
    """Name-search matches sorted by pinyin, never found by walking the pinyin index.

    A surname's matches sit together in pinyin order (王 under w, 张 at the end), so
    PostgreSQL's plan of walking (county_code, name_initials, name, id) from the start
    and keeping rows that match reads every elder before them: 3-4 s for 王 or 王秀
    at a million. name_initials under the "C" collation sorts the same (lower-case
    ASCII letters), but no index serves that order, so the planner fetches the
    matches from the bigram index and sorts them (docs/benchmarks.md)."""
    first, *rest = order
    if first.lstrip("-") != "name_initials":
        return order
    initials = Collate(F("name_initials"), "C")
    return (initials.desc() if first.startswith("-") else initials.asc(), *rest)


def page_of(qs, number: int, size: int | None = None) -> Page:
    size = size or settings.YIYANG_PAGE_SIZE
    total, capped = qs.capped_count(settings.YIYANG_COUNT_CAP)
    last = max(1, -(-total // size))
    number = min(max(1, number), last)
    offset = (number - 1) * size
    rows = list(qs.select_related("region", "region__parent")[offset : offset + size])
    return Page(rows=rows, number=number, size=size, total=total, capped=capped)

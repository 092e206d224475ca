"""Categories as filters (Q objects) and as facts about one elder."""

from __future__ import annotations

import datetime as dt
import functools

from django.db.models import Q

from yiyang.elders.choices import (
    AGE_BAND_BOUNDS,
    CapabilityLevel,
    Category,
    EconomicStatus,
    LivingArrangement,
)


def birth_date_bound(age: int, today: dt.date) -> dt.date:
    """The latest birth date of someone who is at least `age` years old today."""
    try:
        return today.replace(year=today.year - age)
    except ValueError:  # 29 February
        return today.replace(year=today.year - age, day=28)


def aged_at_least(age: int, today: dt.date) -> Q:
    return Q(birth_date__lte=birth_date_bound(age, today))


def age_band_q(band: str, today: dt.date | None = None) -> Q:
    today = today or dt.date.today()
    low, high = AGE_BAND_BOUNDS[band]
    q = aged_at_least(low, today)
    if high is not None:
        q &= Q(birth_date__gt=birth_date_bound(high, today))
    return q


_STATIC_Q = {
    Category.DIBAO: Q(economic_status=EconomicStatus.DIBAO),
    Category.DIBIAN: Q(economic_status=EconomicStatus.DIBIAN),
    Category.TEKUN: Q(economic_status=EconomicStatus.TEKUN),
    Category.SANLAO: Q(is_sanlao=True),
    Category.YOUFU: Q(is_youfu=True),
    Category.JISHENG: Q(is_jisheng_special=True),
    Category.ALONE: Q(living_arrangement=LivingArrangement.ALONE),
    Category.EMPTY_NEST: Q(living_arrangement=LivingArrangement.EMPTY_NEST),
    Category.GUGUA: Q(is_gugua=True),
    Category.LEFT_BEHIND: Q(is_left_behind=True),
    Category.DISABLED: Q(capability_level__gte=CapabilityLevel.MODERATE),
}


def category_q(category: str, today: dt.date | None = None) -> Q:
    today = today or dt.date.today()
    if category == Category.AGED_80:
        return aged_at_least(80, today)
    if category == Category.CENTENARIAN:
        return aged_at_least(100, today)
    return _STATIC_Q[category]


def categories_of(elder, today: dt.date | None = None) -> list[str]:
    """The elder's categories in Category order (every row of the list page asks)."""
    age = elder.age_on(today or dt.date.today())
    return [category for category, test in _tests() if test(elder, age)]


@functools.cache
def _tests() -> list[tuple[Category, object]]:
    """(category, test(elder, age)) in Category order, decided once."""
    tests = []
    for category in Category:
        if category == Category.AGED_80:
            tests.append((category, lambda elder, age: age >= 80))
        elif category == Category.CENTENARIAN:
            tests.append((category, lambda elder, age: age >= 100))
        elif category in _FLAG_OF:
            tests.append((category, lambda elder, age, f=_FLAG_OF[category]: getattr(elder, f)))
        elif category in _ECONOMIC_OF:
            tests.append((category, lambda elder, age, v=str(_ECONOMIC_OF[category]):
                          elder.economic_status == v))
        elif category in _LIVING_OF:
            tests.append((category, lambda elder, age, v=str(_LIVING_OF[category]):
                          elder.living_arrangement == v))
        else:
            tests.append((category, lambda elder, age, c=category: _matches(elder, c)))
    return tests


_FLAG_OF = {
    Category.SANLAO: "is_sanlao",
    Category.YOUFU: "is_youfu",
    Category.JISHENG: "is_jisheng_special",
    Category.GUGUA: "is_gugua",
    Category.LEFT_BEHIND: "is_left_behind",
}
_ECONOMIC_OF = {
    Category.DIBAO: EconomicStatus.DIBAO,
    Category.DIBIAN: EconomicStatus.DIBIAN,
    Category.TEKUN: EconomicStatus.TEKUN,
}
_LIVING_OF = {
    Category.ALONE: LivingArrangement.ALONE,
    Category.EMPTY_NEST: LivingArrangement.EMPTY_NEST,
}


def _matches(elder, category: str) -> bool:
    if category in _FLAG_OF:
        return getattr(elder, _FLAG_OF[category])
    if category in _ECONOMIC_OF:
        return elder.economic_status == _ECONOMIC_OF[category]
    if category in _LIVING_OF:
        return elder.living_arrangement == _LIVING_OF[category]
    level = elder.capability_level
    return level is not None and level >= CapabilityLevel.MODERATE

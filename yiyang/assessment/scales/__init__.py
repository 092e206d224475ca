"""The scales an assessment can use, by code. Built in: GB/T 42195-2022 (the default)
and MZ/T 039-2013. A local scale is one more definition in the same shape, e.g. a JSON
file loaded with register_file() (see docs/assessment.md); no code changes."""

from __future__ import annotations

import json
from pathlib import Path

from yiyang.assessment.scales import gbt_42195_2022, mzt_039_2013
from yiyang.assessment.scales.engine import Scale, load_scale

DEFAULT = gbt_42195_2022.CODE

SCALES: dict[str, Scale] = {}


def register(scale: Scale) -> Scale:
    SCALES[scale.code] = scale
    return scale


def register_file(path: str | Path) -> Scale:
    """Load and register a scale definition from a JSON file."""
    with open(path, encoding="utf-8") as handle:
        return register(load_scale(json.load(handle)))


def get(code: str) -> Scale:
    return SCALES[code]


def choices() -> list[tuple[str, str]]:
    return [(code, scale.title) for code, scale in SCALES.items()]


register(load_scale(gbt_42195_2022.SCALE))
register(load_scale(mzt_039_2013.SCALE))

"""Parts shared by the built-in scales: the facts besides the items that the level
rules read (GB/T 42195-2022 A.2: coma, diagnoses, care-risk events in the last 30
days), and small helpers that write rule conditions. Everything here returns plain
JSON-shaped data."""

from __future__ import annotations

GENERIC_0_4 = [
    [4, "独立完成，不需要他人协助"],
    [3, "在他人指导或提示下完成"],
    [2, "需要他人协助，但以自身完成为主"],
    [1, "主要依靠他人协助，自身能给予配合"],
    [0, "完全依赖他人协助，且不能给予配合"],
]

RISK_EVENTS = [
    ("risk_fall", "跌倒"),
    ("risk_choking", "噎食"),
    ("risk_suicide", "自杀"),
    ("risk_self_harm", "自伤"),
    ("risk_wandering", "走失"),
    ("risk_other", "其他"),
]
RISK_COUNTS = [[0, "无"], [1, "1 次"], [2, "2 次"], [3, "3 次及以上"]]

DIAGNOSIS_NONE, DIAGNOSIS_DEMENTIA, DIAGNOSIS_MENTAL = "none", "dementia", "mental"

CONDITIONS = [
    {"code": "coma", "name": "处于昏迷状态", "kind": "bool", "group": "state",
     "choices": [[False, "否"], [True, "是"]], "default": False},
    {"code": "diagnosis", "name": "痴呆或精神和行为障碍诊断", "kind": "choice", "group": "state",
     "choices": [
         [DIAGNOSIS_NONE, "无"],
         [DIAGNOSIS_DEMENTIA, "确诊为痴呆（F00～F03）"],
         [DIAGNOSIS_MENTAL, "经精神科专科医生诊断的其他精神和行为障碍（F04～F99）"],
     ], "default": DIAGNOSIS_NONE},
] + [
    {"code": code, "name": f"近30天{name}", "kind": "choice", "group": "risk",
     "choices": RISK_COUNTS, "default": 0}
    for code, name in RISK_EVENTS
]


def is_(var: str, *values) -> dict:
    return {"var": var, "in": list(values)}


def at_least(var: str, low: int) -> dict:
    return {"var": var, "min": low}


def between(var: str, low: int | None = None, high: int | None = None) -> dict:
    cond: dict = {"var": var}
    if low is not None:
        cond["min"] = low
    if high is not None:
        cond["max"] = high
    return cond


def all_(*conds) -> dict:
    return {"all": list(conds)}


def any_(*conds) -> dict:
    return {"any": list(conds)}

"""The scoring engine: pure functions over a scale catalogue that is data.

A scale is a JSON-shaped dict (see gbt_42195_2022.py for the shape): its first-level
indicators ("sections") with their items and options, the extra facts the rules need
("conditions": coma, diagnosis, care-risk events), ordered rules that grade a section
and that give the initial level, overrides (set a level, or raise it), and consistency
checks. load_scale() checks a definition once (every variable known, every rule list
total over its variables' values); score() then needs no scale-specific code, so a
local scale is a new dict or JSON file, not new code.

Rules are tried in order and the first that holds decides. A condition is one of:

    {}                                   always
    {"all": [c, ...]}  {"any": [c, ...]}  {"not": c}
    {"var": "B.1.1", "in": [0, 1]}       a value in a set (and/or "min"/"max", inclusive)
    {"count": [vars], "each": {"in": [3]}, "min": 1, "max": 2}
                                         how many of vars pass "each", within min/max
    {"sum": [vars], "min": 2}            the sum of vars, within min/max

Variables: an item code (its points), a condition code, "score:<section>" (the section
sub-total), "grade:<section>" (its grade, when the section has grade rules), "total".

No Django here: messages that people read are made from Problem by the app
(yiyang.assessment.messages), in their language.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AnswerError", "Check", "ConditionField", "Item", "Level", "Option", "Override",
    "Problem", "Result", "Rule", "Scale", "ScaleDefinitionError", "Section",
    "changed_items", "first_match", "holds", "load_scale", "partial_subtotals", "score",
    "validate",
]

# Enumerating a rule list's variables to prove it total is cheap up to this many cases.
_TOTALITY_LIMIT = 200_000


class ScaleDefinitionError(ValueError):
    """A scale definition that cannot be scored (caught when it is loaded)."""


# --- the catalogue ---------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    points: int
    label: str


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    options: tuple[Option, ...]
    hint: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def max_points(self) -> int:
        return max(o.points for o in self.options)

    @property
    def min_points(self) -> int:
        return min(o.points for o in self.options)

    @property
    def allowed(self) -> tuple[int, ...]:
        return tuple(o.points for o in self.options)

    def option(self, points: int) -> Option | None:
        return next((o for o in self.options if o.points == points), None)


@dataclass(frozen=True)
class Rule:
    id: str
    value: int
    when: Mapping
    text: str = ""


@dataclass(frozen=True)
class Section:
    code: str
    name: str
    items: tuple[Item, ...]
    grades: tuple[Rule, ...] = ()
    hint: str = ""

    @property
    def max_points(self) -> int:
        return sum(i.max_points for i in self.items)

    @property
    def min_points(self) -> int:
        return sum(i.min_points for i in self.items)


@dataclass(frozen=True)
class ConditionField:
    """A fact the rules use besides the items (GB/T 42195 A.2: coma, diagnoses, risks)."""

    code: str
    name: str
    kind: str  # "bool" | "choice"
    choices: tuple[tuple[Any, str], ...]
    default: Any
    group: str = ""

    @property
    def allowed(self) -> tuple:
        return tuple(value for value, _label in self.choices)

    def choice_label(self, value) -> str:
        return dict(self.choices).get(value, str(value))


@dataclass(frozen=True)
class Override:
    id: str
    kind: str  # "set" (the level, directly) | "raise" (by `by` levels)
    when: Mapping
    text: str
    level: int | None = None
    by: int = 1
    name: str = ""


@dataclass(frozen=True)
class Check:
    """Answers that must agree (e.g. coma and the consciousness item)."""

    id: str
    when: Mapping
    require: Mapping
    field: str
    text: str


@dataclass(frozen=True)
class Level:
    value: int
    name: str
    registry_level: int  # the elder's capability_level (GB/T 42195 0–4) this level means


@dataclass(frozen=True)
class Scale:
    code: str
    name: str
    standard: str
    sections: tuple[Section, ...]
    conditions: tuple[ConditionField, ...]
    levels: tuple[Level, ...]
    level_rules: tuple[Rule, ...]
    overrides: tuple[Override, ...] = ()
    checks: tuple[Check, ...] = ()
    max_raise: int = 1
    grade_names: Mapping[int, str] = field(default_factory=dict)
    show_total: bool = True
    description: str = ""

    @property
    def title(self) -> str:
        return f"{self.standard}《{self.name}》"

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, code: str) -> Item:
        return next(i for i in self.items if i.code == code)

    def has_item(self, code: str) -> bool:
        return any(i.code == code for i in self.items)

    def condition(self, code: str) -> ConditionField:
        return next(c for c in self.conditions if c.code == code)

    def level(self, value: int) -> Level:
        return next(lv for lv in self.levels if lv.value == value)

    def override(self, rule_id: str) -> Override:
        return next(o for o in self.overrides if o.id == rule_id)

    def level_rule(self, rule_id: str) -> Rule:
        return next(r for r in self.level_rules if r.id == rule_id)

    @property
    def max_level(self) -> int:
        return max(lv.value for lv in self.levels)

    @property
    def max_total(self) -> int:
        return sum(s.max_points for s in self.sections)

    def field_label(self, code: str) -> str:
        if self.has_item(code):
            return self.item(code).label
        if any(c.code == code for c in self.conditions):
            return self.condition(code).name
        return code


# --- answers, problems, results ---------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong with the answers, for the app to word (see messages.py)."""

    field: str
    kind: str  # "missing" | "invalid" | "unknown" | "inconsistent"
    label: str
    source: str = "answers"  # or "conditions": which input the field belongs to
    value: Any = None
    allowed: tuple = ()
    text: str = ""

    def __str__(self) -> str:  # a plain Chinese wording, for logs and scripts
        if self.kind == "missing":
            return f"{self.label}：未作答"
        if self.kind == "invalid":
            return f"{self.label}：{self.value!r} 不是可选的分值（{_join(self.allowed)}）"
        if self.kind == "unknown":
            return f"{self.label}：不是本量表的项目"
        return f"{self.label}：{self.text}"


class AnswerError(ValueError):
    """Answers that cannot be scored, as {field: [Problem, ...]} (field = item code)."""

    def __init__(self, problems: dict[str, list[Problem]]):
        super().__init__("; ".join(str(p) for ps in problems.values() for p in ps))
        self.problems = problems


@dataclass(frozen=True)
class Result:
    scale: str
    answers: dict[str, int]
    conditions: dict[str, Any]
    section_scores: dict[str, int]
    section_grades: dict[str, int]
    total: int
    initial_level: int
    initial_rule: str
    rules_fired: tuple[str, ...]
    level: int
    registry_level: int


# --- loading a definition ---------------------------------------------------------------
def load_scale(data: Mapping) -> Scale:
    """Build and check a Scale from its JSON-shaped definition."""
    try:
        scale = _build(data)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ScaleDefinitionError):
            raise
        raise ScaleDefinitionError(f"scale {data.get('code', '?')}: malformed ({exc!r})") from exc
    _check(scale)
    return scale


def _build(data: Mapping) -> Scale:
    def rules(rows) -> tuple[Rule, ...]:
        return tuple(Rule(r["id"], int(r["value"]), r.get("when", {}), r.get("text", "")) for r in rows)

    sections = tuple(
        Section(
            code=s["code"], name=s["name"], hint=s.get("hint", ""),
            grades=rules(s.get("grades", [])),
            items=tuple(
                Item(code=i["code"], name=i["name"], hint=i.get("hint", ""),
                     options=tuple(Option(int(p), str(label)) for p, label in i["options"]))
                for i in s["items"]
            ),
        )
        for s in data["sections"]
    )
    conditions = tuple(
        ConditionField(code=c["code"], name=c["name"], kind=c["kind"], group=c.get("group", ""),
                       choices=tuple((v, str(label)) for v, label in c["choices"]),
                       default=c["default"])
        for c in data.get("conditions", [])
    )
    return Scale(
        code=data["code"], name=data["name"], standard=data["standard"],
        description=data.get("description", ""), sections=sections, conditions=conditions,
        levels=tuple(Level(int(lv["value"]), lv["name"], int(lv.get("registry_level", lv["value"])))
                     for lv in data["levels"]),
        level_rules=rules(data["level_rules"]),
        overrides=tuple(
            Override(id=o["id"], kind=o["kind"], when=o["when"], text=o.get("text", ""),
                     name=o.get("name", o["id"]), level=o.get("level"), by=int(o.get("by", 1)))
            for o in data.get("overrides", [])
        ),
        checks=tuple(Check(c["id"], c["when"], c["require"], c["field"], c["text"])
                     for c in data.get("checks", [])),
        max_raise=int(data.get("max_raise", 1)),
        grade_names={int(k): v for k, v in data.get("grade_names", [])},
        show_total=bool(data.get("show_total", True)),
    )


def _domains(scale: Scale) -> dict[str, tuple]:
    """Every variable a rule may read, with the values it can take."""
    domains: dict[str, tuple] = {}
    for section in scale.sections:
        for item in section.items:
            domains[item.code] = item.allowed
        domains[f"score:{section.code}"] = tuple(range(section.min_points, section.max_points + 1))
        if section.grades:
            domains[f"grade:{section.code}"] = tuple(sorted({r.value for r in section.grades}))
    for condition in scale.conditions:
        domains[condition.code] = condition.allowed
    low = sum(s.min_points for s in scale.sections)
    domains["total"] = tuple(range(low, scale.max_total + 1))
    return domains


def _check(scale: Scale) -> None:
    where = f"scale {scale.code}"
    codes = [i.code for i in scale.items] + [c.code for c in scale.conditions]
    if len(codes) != len(set(codes)):
        raise ScaleDefinitionError(f"{where}: item and condition codes must be unique")
    for item in scale.items:
        if not item.options or len(set(item.allowed)) != len(item.options):
            raise ScaleDefinitionError(f"{where}: item {item.code} needs distinct option points")
    for condition in scale.conditions:
        if condition.kind not in ("bool", "choice") or condition.default not in condition.allowed:
            raise ScaleDefinitionError(f"{where}: condition {condition.code} is malformed")
    levels = {lv.value for lv in scale.levels}
    domains = _domains(scale)
    for section in scale.sections:
        if section.grades:
            _check_rules(section.grades, domains, f"{where}, grades of {section.code}")
    _check_rules(scale.level_rules, domains, f"{where}, level rules")
    if not {r.value for r in scale.level_rules} <= levels:
        raise ScaleDefinitionError(f"{where}: a level rule gives an unknown level")
    for override in scale.overrides:
        _known_vars(override.when, domains, f"{where}, override {override.id}")
        if override.kind not in ("set", "raise") or (
            override.kind == "set" and override.level not in levels
        ):
            raise ScaleDefinitionError(f"{where}: override {override.id} is malformed")
    for check in scale.checks:
        _known_vars(check.when, domains, f"{where}, check {check.id}")
        _known_vars(check.require, domains, f"{where}, check {check.id}")
        if check.field not in codes:
            raise ScaleDefinitionError(f"{where}: check {check.id} names an unknown field")


def _check_rules(rules: tuple[Rule, ...], domains: dict, where: str) -> None:
    """Every variable known, and some rule holds for every combination of their values."""
    names: set[str] = set()
    for rule in rules:
        names |= _known_vars(rule.when, domains, f"{where}, rule {rule.id}")
    names_sorted = sorted(names)
    cases = 1
    for name in names_sorted:
        cases *= len(domains[name])
    if cases > _TOTALITY_LIMIT:
        return  # too many to enumerate; score() still refuses a case no rule covers
    for combo in itertools.product(*(domains[n] for n in names_sorted)):
        values = dict(zip(names_sorted, combo, strict=True))
        if not any(holds(rule.when, values) for rule in rules):
            raise ScaleDefinitionError(f"{where}: no rule holds for {values}")


def _known_vars(cond: Mapping, domains: dict, where: str) -> set[str]:
    names = _vars(cond)
    unknown = names - domains.keys()
    if unknown:
        raise ScaleDefinitionError(f"{where}: unknown variable(s) {sorted(unknown)}")
    return names


def _vars(cond: Mapping) -> set[str]:
    if not cond:
        return set()
    if "all" in cond or "any" in cond:
        return set().union(*(_vars(c) for c in cond.get("all", cond.get("any", []))))
    if "not" in cond:
        return _vars(cond["not"])
    if "var" in cond:
        return {cond["var"]}
    if "count" in cond:
        return set(cond["count"])
    if "sum" in cond:
        return set(cond["sum"])
    raise ScaleDefinitionError(f"unknown condition {dict(cond)!r}")


# --- evaluating --------------------------------------------------------------------------
def holds(cond: Mapping, values: Mapping[str, Any]) -> bool:
    """Whether a condition (see the module docstring) holds for these values."""
    if not cond:
        return True
    if "all" in cond:
        return all(holds(c, values) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, values) for c in cond["any"])
    if "not" in cond:
        return not holds(cond["not"], values)
    if "var" in cond:
        return _passes(values[cond["var"]], cond)
    if "count" in cond:
        n = sum(1 for name in cond["count"] if _passes(values[name], cond.get("each", {})))
        return _passes(n, cond)
    if "sum" in cond:
        return _passes(sum(values[name] for name in cond["sum"]), cond)
    raise ScaleDefinitionError(f"unknown condition {dict(cond)!r}")


def _passes(value, spec: Mapping) -> bool:
    if "in" in spec and value not in spec["in"]:
        return False
    if "min" in spec and value < spec["min"]:
        return False
    return not ("max" in spec and value > spec["max"])


def first_match(rules: tuple[Rule, ...], values: Mapping[str, Any]) -> Rule:
    """The first rule that holds (rule lists are checked total when a scale loads)."""
    for rule in rules:
        if holds(rule.when, values):
            return rule
    raise ScaleDefinitionError(f"no rule holds for {dict(values)}")


# --- validating and scoring --------------------------------------------------------------
def _as_points(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    return None


def _as_condition(condition: ConditionField, raw):
    if condition.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        return {"true": True, "1": True, "on": True, "false": False, "0": False, "": False}.get(text)
    for value in condition.allowed:
        if raw == value or (not isinstance(raw, bool) and str(raw) == str(value)):
            return value
    return None


def validate(
    scale: Scale, answers: Mapping[str, Any], conditions: Mapping[str, Any] | None = None,
    *, complete: bool = True,
) -> tuple[dict[str, int], dict[str, Any]]:
    """Clean answers and conditions, or raise AnswerError naming every bad field.

    complete=False accepts unanswered items (a draft); a given answer must still be one
    of its item's options. Missing conditions take their defaults.
    """
    problems: dict[str, list[Problem]] = {}

    condition_codes = {c.code for c in scale.conditions}

    def problem(code: str, kind: str, source: str = "", **kwargs) -> None:
        source = source or ("conditions" if code in condition_codes else "answers")
        problems.setdefault(code, []).append(
            Problem(field=code, kind=kind, label=scale.field_label(code), source=source, **kwargs)
        )

    for code in answers:
        if not scale.has_item(code):
            problem(code, "unknown", source="answers")
    clean: dict[str, int] = {}
    for item in scale.items:
        raw = answers.get(item.code)
        if raw is None or raw == "":
            if complete:
                problem(item.code, "missing", allowed=item.allowed)
            continue
        points = _as_points(raw)
        if points is None or item.option(points) is None:
            problem(item.code, "invalid", value=raw, allowed=item.allowed)
        else:
            clean[item.code] = points
    conditions = conditions or {}
    for code in conditions:
        if code not in condition_codes:
            problem(code, "unknown", source="conditions")
    facts: dict[str, Any] = {}
    for condition in scale.conditions:
        raw = conditions.get(condition.code, condition.default)
        value = _as_condition(condition, raw if raw is not None else condition.default)
        if value is None:
            problem(condition.code, "invalid", value=raw, allowed=condition.allowed)
        else:
            facts[condition.code] = value
    values = {**clean, **facts}
    for check in scale.checks:
        needed = _vars(check.when) | _vars(check.require)
        if needed <= values.keys() and holds(check.when, values) and not holds(check.require, values):
            problem(check.field, "inconsistent", text=check.text)
    if problems:
        raise AnswerError(problems)
    return clean, facts


def score(
    scale: Scale, answers: Mapping[str, Any], conditions: Mapping[str, Any] | None = None
) -> Result:
    """Score a complete set of answers: sub-totals, grades, total, initial and final level."""
    clean, facts = validate(scale, answers, conditions, complete=True)
    values: dict[str, Any] = {**clean, **facts}
    subtotals = {s.code: sum(clean[i.code] for i in s.items) for s in scale.sections}
    values.update({f"score:{code}": n for code, n in subtotals.items()})
    values["total"] = total = sum(subtotals.values())
    grades: dict[str, int] = {}
    for section in scale.sections:
        if section.grades:
            grades[section.code] = first_match(section.grades, values).value
            values[f"grade:{section.code}"] = grades[section.code]
    initial = first_match(scale.level_rules, values)
    fired = [o for o in scale.overrides if holds(o.when, values)]
    level = _final_level(scale, initial.value, fired)
    return Result(
        scale=scale.code, answers=clean, conditions=facts, section_scores=subtotals,
        section_grades=grades, total=total, initial_level=initial.value,
        initial_rule=initial.id, rules_fired=tuple(o.id for o in fired), level=level,
        registry_level=scale.level(level).registry_level,
    )


def _final_level(scale: Scale, initial: int, fired: list[Override]) -> int:
    """A "set" override decides outright (the most severe, if several); otherwise the
    raises together lift the initial level by at most max_raise, capped at the top."""
    settings = [o.level for o in fired if o.kind == "set"]
    if settings:
        return max(settings)
    raised = min(sum(o.by for o in fired if o.kind == "raise"), scale.max_raise)
    return min(initial + raised, scale.max_level)


def partial_subtotals(scale: Scale, answers: Mapping[str, Any]) -> tuple[dict[str, int], int, int]:
    """Sub-totals over the valid answers given so far: (per section, total, unanswered)."""
    subtotals, unanswered = {}, 0
    for section in scale.sections:
        subtotal = 0
        for item in section.items:
            points = _as_points(answers.get(item.code))
            if points is None or item.option(points) is None:
                unanswered += 1
            else:
                subtotal += points
        subtotals[section.code] = subtotal
    return subtotals, sum(subtotals.values()), unanswered


def changed_items(
    scale: Scale, before: Mapping[str, int], after: Mapping[str, int]
) -> list[tuple[Item, int | None, int | None]]:
    """The items whose points differ between two sets of answers, in catalogue order."""
    return [
        (item, before.get(item.code), after.get(item.code))
        for item in scale.items
        if before.get(item.code) != after.get(item.code)
    ]


def _join(values) -> str:
    return "、".join(str(v) for v in values)

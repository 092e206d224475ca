"""The scoring module against hand-worked cases: every item of both scales, every level
boundary, each special rule, bad answers named by item, all 256 MZ/T grade
combinations, and a local scale that is data only."""

from __future__ import annotations

import itertools
import json

import pytest

from tests.assessment.helpers import GBT, MZT, best
from tests.fixtures import message
from yiyang.assessment import scales
from yiyang.assessment.messages import problem_message
from yiyang.assessment.scales import engine
from yiyang.assessment.scales.engine import AnswerError, ScaleDefinitionError


def score(answers, scale=GBT, **conditions):
    return engine.score(scale, answers, conditions)


def problems_of(exc_info) -> dict:
    return {code: [p.kind for p in ps] for code, ps in exc_info.value.problems.items()}


# --- GB/T 42195-2022: the catalogue ------------------------------------------------------
# (code, name, option points from most to least capable), as in 表B.1–B.4.
GBT_ITEMS = [
    ("B.1.1", "进食", [4, 3, 2, 1, 0]), ("B.1.2", "修饰", [4, 3, 2, 1, 0]),
    ("B.1.3", "洗澡", [4, 3, 2, 1, 0]), ("B.1.4", "穿/脱上衣", [4, 3, 2, 1, 0]),
    ("B.1.5", "穿/脱裤子和鞋袜", [4, 3, 2, 1, 0]), ("B.1.6", "小便控制", [4, 3, 2, 1, 0]),
    ("B.1.7", "大便控制", [4, 3, 2, 1, 0]), ("B.1.8", "如厕", [4, 3, 2, 1, 0]),
    ("B.2.1", "床上体位转移", [4, 3, 2, 1, 0]), ("B.2.2", "床椅转移", [4, 3, 2, 1, 0]),
    ("B.2.3", "平地行走", [4, 3, 2, 1, 0]), ("B.2.4", "上下楼梯", [3, 2, 1, 0]),
    ("B.3.1", "时间定向", [4, 3, 2, 1, 0]), ("B.3.2", "空间定向", [4, 3, 2, 1, 0]),
    ("B.3.3", "人物定向", [4, 3, 2, 1, 0]), ("B.3.4", "记忆", [4, 3, 2, 1, 0]),
    ("B.3.5", "理解能力", [4, 3, 2, 1, 0]), ("B.3.6", "表达能力", [4, 3, 2, 1, 0]),
    ("B.3.7", "攻击行为", [1, 0]), ("B.3.8", "抑郁症状", [1, 0]), ("B.3.9", "意识水平", [2, 1, 0]),
    ("B.4.1", "视力", [2, 1, 0]), ("B.4.2", "听力", [2, 1, 0]), ("B.4.3", "执行日常事务", [4, 3, 2, 1, 0]),
    ("B.4.4", "使用交通工具外出", [3, 2, 1, 0]), ("B.4.5", "社会交往能力", [4, 3, 2, 1, 0]),
]


def test_it_holds_the_26_items_of_gbt_42195_with_their_points():
    assert [(i.code, i.name, list(i.allowed)) for i in GBT.items] == GBT_ITEMS
    assert [(s.name, s.max_points) for s in GBT.sections] == [
        ("自理能力", 32), ("基础运动能力", 15), ("精神状态", 28), ("感知觉与社会参与", 15)]
    assert GBT.max_total == 90
    assert all(option.label for item in GBT.items for option in item.options)
    assert [lv.name for lv in GBT.levels] == [
        "能力完好", "能力轻度受损（轻度失能）", "能力中度受损（中度失能）",
        "能力重度受损（重度失能）", "能力完全丧失（完全失能）"]


@pytest.mark.parametrize("code", [code for code, _name, _points in GBT_ITEMS])
def test_it_counts_every_option_of_every_gbt_item(code):
    item = GBT.item(code)
    section = next(s for s in GBT.sections if item in s.items)
    for option in item.options:
        result = score(best(**{code.replace(".", "_"): option.points}))
        lost = item.max_points - option.points
        assert result.total == 90 - lost, (code, option)
        assert result.section_scores[section.code] == section.max_points - lost
        assert sum(result.section_scores.values()) == result.total


# --- GB/T: every level boundary, worked by hand ---------------------------------------------
ALL_SELF_CARE_ZERO = {f"B_1_{n}": 0 for n in range(1, 9)}  # -32

BOUNDARIES = [
    # (what was taken off the best answers, expected total, initial level)
    ({}, 90, 0),
    ({"B_1_1": 3}, 89, 1),                                                   # -1
    ({f"B_1_{n}": 0 for n in range(1, 7)}, 66, 1),                           # -24
    ({**{f"B_1_{n}": 0 for n in range(1, 7)}, "B_3_7": 0}, 65, 2),           # -25
    ({**ALL_SELF_CARE_ZERO, "B_2_1": 0, "B_2_2": 0, "B_2_3": 0}, 46, 2),     # -32-12
    ({**ALL_SELF_CARE_ZERO, "B_2_1": 0, "B_2_2": 0, "B_2_3": 0, "B_3_8": 0}, 45, 3),
    ({**ALL_SELF_CARE_ZERO, "B_2_1": 0, "B_2_2": 0, "B_2_3": 0, "B_2_4": 0,  # -32-15
      "B_3_1": 0, "B_3_2": 0, "B_3_3": 0, "B_3_7": 0}, 30, 3),               # -12-1
    ({**ALL_SELF_CARE_ZERO, "B_2_1": 0, "B_2_2": 0, "B_2_3": 0, "B_2_4": 0,
      "B_3_1": 0, "B_3_2": 0, "B_3_3": 0, "B_3_7": 0, "B_3_8": 0}, 29, 4),
    ({code.replace(".", "_"): 0 for code, _n, _p in GBT_ITEMS}, 0, 4),
]


@pytest.mark.parametrize(("taken", "total", "level"), BOUNDARIES)
def test_it_maps_the_total_to_the_initial_level_at_every_boundary(taken, total, level):
    result = score(best(**taken))
    assert (result.total, result.initial_level, result.level) == (total, level, level)
    assert result.rules_fired == ()
    assert result.registry_level == level


# --- GB/T: the special rules (C.4) -----------------------------------------------------------
def test_coma_rates_completely_lost_whatever_the_total():
    result = score(best(B_3_9=0), coma=True)  # total 88: initially level 1
    assert (result.total, result.initial_level, result.level) == (88, 1, 4)
    assert result.rules_fired == ("coma",)


def test_coma_needs_the_consciousness_item_at_zero():
    with pytest.raises(AnswerError) as exc:
        score(best(), coma=True)
    assert problems_of(exc) == {"B.3.9": ["inconsistent"]}
    assert "意识水平（B.3.9）" in problem_message(exc.value.problems["B.3.9"][0])


@pytest.mark.parametrize("diagnosis", ["dementia", "mental"])
def test_a_diagnosed_dementia_or_mental_disorder_raises_one_level(diagnosis):
    result = score(best(B_1_1=3), diagnosis=diagnosis)  # 89: level 1
    assert (result.initial_level, result.level, result.rules_fired) == (1, 2, ("dementia",))


@pytest.mark.parametrize(("events", "raised"), [
    ({"risk_fall": 1}, False),
    ({"risk_fall": 1, "risk_choking": 1}, True),
    ({"risk_fall": 2}, True),
    ({"risk_wandering": 3}, True),
    ({"risk_self_harm": 1, "risk_other": 1}, True),
    ({"risk_suicide": 1}, False),
])
def test_two_or_more_care_risk_events_in_30_days_raise_one_level(events, raised):
    result = score(best(B_1_1=3), **events)
    assert result.level == (2 if raised else 1)
    assert result.rules_fired == (("risk_events",) if raised else ())


def test_both_raising_rules_together_raise_once_and_both_are_recorded():
    result = score(best(B_1_1=3), diagnosis="dementia", risk_fall=2)
    assert (result.initial_level, result.level) == (1, 2)
    assert result.rules_fired == ("dementia", "risk_events")


def test_a_raise_stops_at_completely_lost():
    taken = dict(BOUNDARIES[7][0])  # total 29: level 4
    result = score(best(**taken), diagnosis="mental", risk_fall=3)
    assert (result.initial_level, result.level) == (4, 4)
    assert result.rules_fired == ("dementia", "risk_events")


def test_coma_decides_even_when_the_raising_rules_apply_too():
    result = score(best(B_3_9=0), coma=True, diagnosis="dementia", risk_fall=2)
    assert result.level == 4
    assert result.rules_fired == ("coma", "dementia", "risk_events")


# --- bad answers are named by item ------------------------------------------------------------
def test_a_missing_answer_is_named_by_its_item():
    answers = best()
    del answers["B.2.3"]
    with pytest.raises(AnswerError) as exc:
        score(answers)
    assert problems_of(exc) == {"B.2.3": ["missing"]}
    assert problem_message(exc.value.problems["B.2.3"][0]) == message(
        "%(item)s: not answered.", item="平地行走（B.2.3）")


@pytest.mark.parametrize(("code", "value"), [
    ("B.2.4", 4),      # 上下楼梯 goes to 3
    ("B.3.7", 2),      # 攻击行为 is 0 or 1
    ("B.3.9", 3),
    ("B.4.1", -1),
    ("B.1.1", "很好"),
    ("B.1.2", True),   # not a number, even though Python counts it as 1
    ("B.1.3", 2.5),
])
def test_an_out_of_range_answer_is_named_by_its_item(code, value):
    with pytest.raises(AnswerError) as exc:
        score({**best(), code: value})
    assert problems_of(exc) == {code: ["invalid"]}
    message = problem_message(exc.value.problems[code][0])
    assert GBT.item(code).label in message
    assert "、".join(str(p) for p in GBT.item(code).allowed) in message


def test_every_problem_is_reported_at_once():
    answers = {**best(), "B.9.9": 1, "B.1.1": 9}
    del answers["B.4.5"]
    with pytest.raises(AnswerError) as exc:
        engine.validate(GBT, answers, {"risk_fall": 4, "diagnosis": "flu", "mood": 1})
    assert problems_of(exc) == {
        "B.9.9": ["unknown"], "B.1.1": ["invalid"], "B.4.5": ["missing"],
        "risk_fall": ["invalid"], "diagnosis": ["invalid"], "mood": ["unknown"],
    }
    assert exc.value.problems["mood"][0].source == "conditions"
    assert "近30天跌倒" in problem_message(exc.value.problems["risk_fall"][0])


def test_a_draft_may_leave_items_open_but_not_give_bad_answers():
    clean, facts = engine.validate(GBT, {"B.1.1": "3"}, {}, complete=False)
    assert clean == {"B.1.1": 3}
    assert facts["coma"] is False and facts["diagnosis"] == "none"
    with pytest.raises(AnswerError) as exc:
        engine.validate(GBT, {"B.1.1": 5}, {}, complete=False)
    assert problems_of(exc) == {"B.1.1": ["invalid"]}


def test_partial_subtotals_count_what_is_answered():
    subtotals, total, unanswered = engine.partial_subtotals(GBT, {"B.1.1": 4, "B.2.4": "2", "B.3.7": 7})
    assert subtotals == {"B.1": 4, "B.2": 2, "B.3": 0, "B.4": 0}
    assert (total, unanswered) == (6, 24)


def test_it_lists_the_items_that_changed():
    before = best()
    after = best(B_1_1=2, B_4_2=1)
    changes = [(i.code, old, new) for i, old, new in engine.changed_items(GBT, before, after)]
    assert changes == [("B.1.1", 4, 2), ("B.4.2", 2, 1)]


# --- MZ/T 039-2013 -----------------------------------------------------------------------------
MZT_ITEMS = [
    ("B.1.1", "进食", [10, 5, 0]), ("B.1.2", "洗澡", [5, 0]), ("B.1.3", "修饰", [5, 0]),
    ("B.1.4", "穿衣", [10, 5, 0]), ("B.1.5", "大便控制", [10, 5, 0]), ("B.1.6", "小便控制", [10, 5, 0]),
    ("B.1.7", "如厕", [10, 5, 0]), ("B.1.8", "床椅转移", [15, 10, 5, 0]),
    ("B.1.9", "平地行走", [15, 10, 5, 0]), ("B.1.10", "上下楼梯", [10, 5, 0]),
    ("B.2.1", "认知功能", [0, 1, 2]), ("B.2.2", "攻击行为", [0, 1, 2]), ("B.2.3", "抑郁症状", [0, 1, 2]),
    ("B.3.1", "意识水平", [0, 1, 2, 3]), ("B.3.2", "视力", [0, 1, 2, 3, 4]),
    ("B.3.3", "听力", [0, 1, 2, 3, 4]), ("B.3.4", "沟通交流", [0, 1, 2, 3]),
    ("B.4.1", "生活能力", [0, 1, 2, 3, 4]), ("B.4.2", "工作能力", [0, 1, 2, 3, 4]),
    ("B.4.3", "时间/空间定向", [0, 1, 2, 3, 4]), ("B.4.4", "人物定向", [0, 1, 2, 3, 4]),
    ("B.4.5", "社会交往能力", [0, 1, 2, 3, 4]),
]


def test_it_holds_the_items_of_mzt_039():
    assert [(i.code, i.name, list(i.allowed)) for i in MZT.items] == MZT_ITEMS
    assert [(s.code, s.max_points) for s in MZT.sections] == [("A", 100), ("M", 6), ("P", 14), ("S", 20)]
    assert [lv.name for lv in MZT.levels] == ["能力完好", "轻度失能", "中度失能", "重度失能"]
    assert [lv.registry_level for lv in MZT.levels] == [0, 1, 2, 3]


@pytest.mark.parametrize("code", [code for code, _name, _points in MZT_ITEMS])
def test_it_counts_every_option_of_every_mzt_item(code):
    item = MZT.item(code)
    section = next(s for s in MZT.sections if item in s.items)
    start = best(MZT)
    for option in item.options:
        answers = {**start, code: option.points}
        if code == "B.2.1" and option.points == 2:  # "已确诊为认知障碍" needs the diagnosis
            result = score(answers, MZT, diagnosis="dementia")
        elif code == "B.3.1" and option.points == 3:  # 昏迷 needs the coma flag
            result = score(answers, MZT, coma=True)
        else:
            result = score(answers, MZT)
        change = option.points - start[code]
        assert result.section_scores[section.code] == sum(start[i.code] for i in section.items) + change


ADL_CASES = [  # (answers taken off the best, ADL score, grade)
    ({}, 100, 0),
    ({"B_1_2": 0}, 95, 1),
    ({"B_1_8": 0, "B_1_9": 0, "B_1_2": 0}, 65, 1),
    ({"B_1_8": 0, "B_1_9": 0, "B_1_2": 0, "B_1_3": 0}, 60, 2),
    ({"B_1_8": 0, "B_1_9": 0, "B_1_1": 0, "B_1_4": 0, "B_1_3": 0}, 45, 2),
    ({"B_1_8": 0, "B_1_9": 0, "B_1_1": 0, "B_1_4": 0, "B_1_3": 0, "B_1_2": 0}, 40, 3),
]


@pytest.mark.parametrize(("taken", "adl", "grade"), ADL_CASES)
def test_the_adl_grade_follows_the_barthel_bands(taken, adl, grade):
    result = score(best(MZT, **taken), MZT)
    assert (result.section_scores["A"], result.section_grades["A"]) == (adl, grade)


@pytest.mark.parametrize(("answers", "m_score", "grade"), [
    ({}, 0, 0), ({"B_2_2": 1}, 1, 1), ({"B_2_2": 2}, 2, 2), ({"B_2_2": 2, "B_2_3": 1}, 3, 2),
    ({"B_2_2": 2, "B_2_3": 2}, 4, 3), ({"B_2_1": 2, "B_2_2": 2, "B_2_3": 2}, 6, 3),
])
def test_the_mental_grade_follows_its_bands(answers, m_score, grade):
    diagnosis = "dementia" if answers.get("B_2_1") == 2 else "none"
    result = score(best(MZT, **answers), MZT, diagnosis=diagnosis)
    assert (result.section_scores["M"], result.section_grades["M"]) == (m_score, grade)


@pytest.mark.parametrize(("answers", "s_score", "grade"), [
    ({}, 0, 0), ({"B_4_1": 2}, 2, 0), ({"B_4_1": 3}, 3, 1), ({"B_4_1": 4, "B_4_2": 3}, 7, 1),
    ({"B_4_1": 4, "B_4_2": 4}, 8, 2), ({"B_4_1": 4, "B_4_2": 4, "B_4_3": 4, "B_4_4": 1}, 13, 2),
    ({"B_4_1": 4, "B_4_2": 4, "B_4_3": 4, "B_4_4": 2}, 14, 3),
    ({f"B_4_{n}": 4 for n in range(1, 6)}, 20, 3),
])
def test_the_social_grade_follows_its_bands(answers, s_score, grade):
    result = score(best(MZT, **answers), MZT)
    assert (result.section_scores["S"], result.section_grades["S"]) == (s_score, grade)


def _p_grade_from_the_text(consciousness, vision, hearing, talk):
    """感知觉与沟通 as MZ/T 039 words it, the worse grade where two descriptions fit."""
    fits = set()
    alert, drowsy = consciousness == 0, consciousness == 1
    worst_sense = max(vision, hearing)
    if alert and worst_sense <= 1 and talk == 0:
        fits.add(0)
    if alert and (worst_sense == 2 or talk == 1):
        fits.add(1)
    if (alert and (worst_sense == 3 or talk == 2)) or (drowsy and worst_sense <= 3 and talk <= 2):
        fits.add(2)
    if ((alert or drowsy) and (worst_sense == 4 or talk == 3)) or consciousness >= 2:
        fits.add(3)
    return max(fits)


def test_the_perception_grade_is_right_for_all_400_combinations():
    rules = next(s for s in MZT.sections if s.code == "P").grades
    for combo in itertools.product(range(4), range(5), range(5), range(4)):
        values = dict(zip(["B.3.1", "B.3.2", "B.3.3", "B.3.4"], combo, strict=True))
        assert engine.first_match(rules, values).value == _p_grade_from_the_text(*combo), combo


# Initial level for every (A, M, P, S), worked by hand from the standard's text with the
# two choices this project made (docs/assessment.md): where two levels' descriptions fit,
# the more severe holds; the 9 combinations no description fits get the gap rules
# (A=0,M=P=0,S=3 → 1; A=2 with none, or all three, of M/P/S at 1–2 but not all 2 → 2).
# One line per (A, M); the four groups are P = 0..3, the digits in a group S = 0..3.
MZT_LEVELS = {
    (0, 0): "0011 1111 1111 1111", (0, 1): "1111 1111 1111 1111",
    (0, 2): "1111 1111 1111 1111", (0, 3): "1111 1111 1111 1111",
    (1, 0): "1112 1112 1112 2222", (1, 1): "1112 1112 1112 2222",
    (1, 2): "1112 1112 1122 2222", (1, 3): "2222 2222 2222 2222",
    (2, 0): "2223 2223 2223 3333", (2, 1): "2223 2223 2223 3333",
    (2, 2): "2223 2223 2233 3333", (2, 3): "3333 3333 3333 3333",
    (3, 0): "3333 3333 3333 3333", (3, 1): "3333 3333 3333 3333",
    (3, 2): "3333 3333 3333 3333", (3, 3): "3333 3333 3333 3333",
}


def _expected(a, m, p, s) -> int:
    return int(MZT_LEVELS[(a, m)].split()[p][s])


def _levels_the_text_allows(a, m, p, s) -> set[int]:
    others = (m, p, s)
    fits = set()
    if a == 0 and m == 0 and p == 0 and s <= 1:
        fits.add(0)
    if (a == 0 and (m >= 1 or p >= 1 or s == 2)) or (a == 1 and any(x in (0, 1) for x in others)):
        fits.add(1)
    if (a == 1 and (all(x == 2 for x in others) or 3 in others)) or (
            a == 2 and 1 <= sum(x in (1, 2) for x in others) <= 2):
        fits.add(2)
    if a == 3 or (a == 2 and (all(x == 2 for x in others) or 3 in others)):
        fits.add(3)
    return fits


def test_the_initial_level_is_right_for_all_256_grade_combinations():
    overlaps, gaps = [], []
    for combo in itertools.product(range(4), repeat=4):
        values = dict(zip(["grade:A", "grade:M", "grade:P", "grade:S"], combo, strict=True))
        level = engine.first_match(MZT.level_rules, values).value
        assert level == _expected(*combo), combo
        fits = _levels_the_text_allows(*combo)
        if fits:
            assert level == max(fits), combo  # the more severe reading
            if len(fits) > 1:
                overlaps.append(combo)
        else:
            gaps.append(combo)
    assert len(overlaps) == 60  # 30 with A=1 (轻度/中度), 30 with A=2 (中度/重度)
    assert gaps == [(0, 0, 0, 3), (2, 0, 0, 0), (2, 1, 1, 1), (2, 1, 1, 2), (2, 1, 2, 1),
                    (2, 1, 2, 2), (2, 2, 1, 1), (2, 2, 1, 2), (2, 2, 2, 1)]


def test_the_overlap_named_in_the_domain_notes_reads_as_moderate():
    # A = 1, M = 0, P = 3 fits both 轻度 and 中度; OSS engines say 轻度, we say 中度.
    rule = engine.first_match(MZT.level_rules, {"grade:A": 1, "grade:M": 0, "grade:P": 3,
                                                "grade:S": 0})
    assert (rule.id, rule.value) == ("2b", 2)


def _mzt_answers(a_grade=0, **extra):
    taken = {0: {}, 1: {"B_1_2": 0}, 2: ADL_CASES[3][0], 3: ADL_CASES[5][0]}[a_grade]
    return best(MZT, **taken, **extra)


def test_mzt_from_items_to_level():
    result = score(_mzt_answers(1, B_3_2=3), MZT)  # A=1, P=2 (vision 3), M=S=0
    assert result.section_grades == {"A": 1, "M": 0, "P": 2, "S": 0}
    assert (result.initial_rule, result.initial_level, result.level) == ("1b", 1, 1)
    assert result.registry_level == 1


def test_mzt_coma_rates_severely_disabled():
    result = score(_mzt_answers(0, B_3_1=3), MZT, coma=True)
    assert (result.level, result.rules_fired, result.registry_level) == (3, ("coma",), 3)


def test_mzt_coma_and_consciousness_must_agree_both_ways():
    with pytest.raises(AnswerError) as exc:
        score(_mzt_answers(0, B_3_1=3), MZT)
    assert problems_of(exc) == {"coma": ["inconsistent"]}
    with pytest.raises(AnswerError) as exc:
        score(_mzt_answers(0), MZT, coma=True)
    assert problems_of(exc) == {"B.3.1": ["inconsistent"]}


def test_mzt_dementia_and_the_cognition_item_must_agree_both_ways():
    with pytest.raises(AnswerError) as exc:
        score(_mzt_answers(0, B_2_1=2), MZT)
    assert problems_of(exc) == {"diagnosis": ["inconsistent"]}
    with pytest.raises(AnswerError) as exc:
        score(_mzt_answers(0), MZT, diagnosis="dementia")
    assert problems_of(exc) == {"B.2.1": ["inconsistent"]}


def test_mzt_raising_rules_raise_once_and_never_above_severe():
    result = score(_mzt_answers(1), MZT, diagnosis="mental", risk_fall=1, risk_wandering=1)
    assert (result.initial_level, result.level) == (1, 2)
    assert result.rules_fired == ("dementia", "risk_events")
    result = score(_mzt_answers(3), MZT, diagnosis="mental")
    assert (result.initial_level, result.level) == (3, 3)


def test_mzt_counts_falls_choking_suicide_and_wandering_only():
    assert score(_mzt_answers(1), MZT, risk_self_harm=2, risk_other=3).level == 1
    assert score(_mzt_answers(1), MZT, risk_choking=1, risk_suicide=1).level == 2


# --- a local scale is data ------------------------------------------------------------------------
LOCAL = {
    "code": "local-demo", "name": "某县居家照护需求简评", "standard": "DB 0000-2025",
    "sections": [
        {"code": "X", "name": "生活", "items": [
            {"code": "X1", "name": "吃饭", "options": [[2, "自己吃"], [1, "要帮忙"], [0, "喂食"]]},
            {"code": "X2", "name": "走路", "options": [[2, "自己走"], [0, "不能走"]]},
        ]},
        {"code": "Y", "name": "精神", "items": [
            {"code": "Y1", "name": "认人", "options": [[1, "认得"], [0, "不认得"]]},
        ]},
    ],
    "conditions": [{"code": "bedridden", "name": "长期卧床", "kind": "bool",
                    "choices": [[False, "否"], [True, "是"]], "default": False}],
    "levels": [{"value": 0, "name": "无需照护", "registry_level": 0},
               {"value": 1, "name": "需要照护", "registry_level": 2},
               {"value": 2, "name": "重度照护", "registry_level": 4}],
    "level_rules": [
        {"id": "ok", "value": 0, "when": {"var": "total", "min": 5}},
        {"id": "help", "value": 1, "when": {"var": "total", "min": 2, "max": 4}},
        {"id": "heavy", "value": 2, "when": {}},
    ],
    "overrides": [{"id": "bed", "kind": "raise", "by": 1, "when": {"var": "bedridden", "in": [True]},
                   "text": "长期卧床者提高一级"}],
}


def test_a_local_scale_is_scored_by_the_same_engine(tmp_path):
    path = tmp_path / "local.json"
    path.write_text(json.dumps(LOCAL, ensure_ascii=False), encoding="utf-8")
    local = scales.register_file(path)
    try:
        assert scales.get("local-demo") is local
        result = engine.score(local, {"X1": 1, "X2": 2, "Y1": 1}, {"bedridden": True})
        assert (result.total, result.initial_level, result.level, result.registry_level) == (4, 1, 2, 4)
        with pytest.raises(AnswerError) as exc:
            engine.score(local, {"X1": 1, "X2": 1})
        assert problems_of(exc) == {"X2": ["invalid"], "Y1": ["missing"]}
    finally:
        scales.SCALES.pop("local-demo")


def test_local_scale_files_named_in_settings_are_loaded_at_start(tmp_path, settings):
    from django.apps import apps

    path = tmp_path / "local.json"
    path.write_text(json.dumps(LOCAL, ensure_ascii=False), encoding="utf-8")
    settings.YIYANG_ASSESSMENT_SCALE_FILES = [str(path)]
    try:
        apps.get_app_config("assessment").ready()
        assert scales.get("local-demo").levels[2].name == "重度照护"
        assert ("local-demo", "DB 0000-2025《某县居家照护需求简评》") in scales.choices()
    finally:
        scales.SCALES.pop("local-demo", None)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["level_rules"].pop(), "no rule holds"),
    (lambda d: d["overrides"][0]["when"].update(var="bedbound"), "unknown variable"),
    (lambda d: d["sections"][1]["items"][0].update(code="X1"), "unique"),
    (lambda d: d["overrides"][0].update(kind="set", level=7), "malformed"),
    (lambda d: d["sections"][0]["items"][0]["options"].append([2, "又一个"]), "distinct"),
    (lambda d: d.pop("levels"), "malformed"),
])
def test_a_broken_local_scale_is_refused_when_loaded(change, message):
    data = json.loads(json.dumps(LOCAL))
    change(data)
    with pytest.raises(ScaleDefinitionError, match=message):
        engine.load_scale(data)


def test_the_built_in_scales_load_and_are_total():
    for data in (scales.gbt_42195_2022.SCALE, scales.mzt_039_2013.SCALE):
        assert engine.load_scale(data).code == data["code"]

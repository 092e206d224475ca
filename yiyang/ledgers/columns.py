"""The ledger's columns: Chinese headers and their common variants, the words a ledger
uses for coded values, and the normalisation of what Excel hands us.

Headers and coded words are the file format that towns and other departments
exchange, so they are Chinese data here, not interface text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from yiyang.elders.choices import EconomicStatus, LivingArrangement, Relation, Sex


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int = 0
    width: int = 12
    allowed: str = ""  # what the instructions sheet says a cell may hold


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("老人姓名", "老年人姓名"), required=True, max_length=50, width=10,
           allowed="至少两个汉字"),
    Column("id_number", "身份证号", ("公民身份号码", "证件号码", "身份证号码", "身份证", "身份证件号码",
                                 "公民身份证号码"), required=True, width=21,
           allowed="18 位公民身份号码（设为文本格式，勿存为数字）；15 位旧号码自动升级"),
    Column("sex", "性别", width=6, allowed="男 / 女；可不填，按身份证号判断"),
    Column("birth_date", "出生日期", ("出生年月日", "出生年月", "生日"), width=12,
           allowed="如 1946-03-02；可不填，按身份证号判断"),
    Column("ethnicity", "民族", max_length=20, width=8, allowed="如 汉族；不填为汉族"),
    Column("phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式", "本人电话", "电话号码"),
           width=14, allowed="11 位手机号或带区号的固定电话"),
    Column("address", "居住地址", ("地址", "家庭住址", "现住址", "住址", "详细地址", "现居住地址"),
           max_length=200, width=24),
    Column("region", "村（社区）代码", ("区划代码", "村社区代码", "村居代码", "行政区划代码",
                                  "统计用区划代码", "所属村社区代码", "村（居）代码"),
           required=True, width=15,
           allowed="12 位统计用区划代码，须在您的管辖范围内（见“区划代码”表）"),
    Column("economic_status", "经济状况", ("经济类别", "困难类别", "救助类别"), width=10),
    Column("living_arrangement", "居住情况", ("居住状况", "居住类型", "居住方式"), width=12),
    Column("is_gugua", "孤寡", width=6),
    Column("is_sanlao", "三老", width=6),
    Column("is_youfu", "优抚对象", ("优抚",), width=8),
    Column("is_jisheng_special", "计生特殊家庭", ("计生特殊", "计划生育特殊家庭"), width=12),
    Column("is_left_behind", "留守", ("留守老人",), width=6),
    Column("capability_level", "能力等级", ("失能等级", "能力评估等级", "评估等级"), width=10),
    Column("contact_name", "紧急联系人", ("联系人", "紧急联系人姓名", "联系人姓名"), max_length=50, width=10),
    Column("contact_relation", "联系人关系", ("与老人关系", "紧急联系人关系", "关系"), width=10),
    Column("contact_phone", "联系人电话", ("紧急联系人电话", "联系人手机"), width=14),
    Column("notes", "备注", ("说明",), max_length=1000, width=20),
)
BY_KEY = {column.key: column for column in COLUMNS}
FLAG_KEYS = ("is_gugua", "is_sanlao", "is_youfu", "is_jisheng_special", "is_left_behind")
# Columns of our own error workbook (and common extras), read past without complaint.
IGNORED_HEADERS = ("错误说明", "原行号", "序号", "编号", "乡镇（街道）", "村（社区）", "状态", "年龄")

SEX_WORDS = {"男": Sex.MALE, "女": Sex.FEMALE, "M": Sex.MALE, "F": Sex.FEMALE}
ECONOMIC_WORDS = {
    "无": EconomicStatus.NONE, "一般": EconomicStatus.NONE, "普通": EconomicStatus.NONE,
    "低保": EconomicStatus.DIBAO, "低保户": EconomicStatus.DIBAO,
    "低边": EconomicStatus.DIBIAN, "低保边缘": EconomicStatus.DIBIAN,
    "特困": EconomicStatus.TEKUN, "特困供养": EconomicStatus.TEKUN, "五保": EconomicStatus.TEKUN,
}
LIVING_WORDS = {
    "与家人同住": LivingArrangement.WITH_FAMILY, "与子女同住": LivingArrangement.WITH_FAMILY,
    "同住": LivingArrangement.WITH_FAMILY, "空巢": LivingArrangement.EMPTY_NEST,
    "独居": LivingArrangement.ALONE, "入住机构": LivingArrangement.INSTITUTION,
    "机构养老": LivingArrangement.INSTITUTION, "养老机构": LivingArrangement.INSTITUTION,
}
LEVEL_WORDS = {
    "未评估": None, "能力完好": 0, "轻度失能": 1, "能力轻度受损": 1, "中度失能": 2, "能力中度受损": 2,
    "重度失能": 3, "能力重度受损": 3, "完全失能": 4, "能力完全丧失": 4,
    **{str(n): n for n in range(5)}, **{f"{n}级": n for n in range(5)},
}
RELATION_WORDS = {
    "儿子": Relation.SON, "子": Relation.SON, "女儿": Relation.DAUGHTER, "女": Relation.DAUGHTER,
    "配偶": Relation.SPOUSE, "老伴": Relation.SPOUSE, "丈夫": Relation.SPOUSE, "妻子": Relation.SPOUSE,
    "亲属": Relation.RELATIVE, "其他亲属": Relation.RELATIVE, "孙子": Relation.RELATIVE,
    "孙女": Relation.RELATIVE, "儿媳": Relation.RELATIVE, "女婿": Relation.RELATIVE,
    "邻居": Relation.NEIGHBOUR, "其他": Relation.OTHER,
}
YES_WORDS = {"是", "有", "√", "✓", "Y", "YES", "TRUE", "1"}
NO_WORDS = {"否", "无", "×", "N", "NO", "FALSE", "0"}

# The words the export and the error workbook write back (first word of each code).
SEX_LABEL = {Sex.MALE: "男", Sex.FEMALE: "女"}
ECONOMIC_LABEL = {EconomicStatus.NONE: "无", EconomicStatus.DIBAO: "低保",
                  EconomicStatus.DIBIAN: "低边", EconomicStatus.TEKUN: "特困"}
LIVING_LABEL = {LivingArrangement.WITH_FAMILY: "与家人同住", LivingArrangement.EMPTY_NEST: "空巢",
                LivingArrangement.ALONE: "独居", LivingArrangement.INSTITUTION: "入住机构"}
LEVEL_LABEL = {None: "未评估", 0: "能力完好", 1: "轻度失能", 2: "中度失能", 3: "重度失能", 4: "完全失能"}
RELATION_LABEL = {Relation.SON: "儿子", Relation.DAUGHTER: "女儿", Relation.SPOUSE: "配偶",
                  Relation.RELATIVE: "亲属", Relation.NEIGHBOUR: "邻居", Relation.OTHER: "其他"}
CODED = {
    "sex": SEX_WORDS, "economic_status": ECONOMIC_WORDS, "living_arrangement": LIVING_WORDS,
    "capability_level": LEVEL_WORDS, "contact_relation": RELATION_WORDS,
}
CODED_LABELS = {
    "sex": SEX_LABEL, "economic_status": ECONOMIC_LABEL, "living_arrangement": LIVING_LABEL,
    "capability_level": LEVEL_LABEL, "contact_relation": RELATION_LABEL,
}

_HEADER_NOISE = re.compile(r"[\s*＊:：]+")


def fold(text: str) -> str:
    """Full-width to half-width (NFKC), spaces at both ends removed."""
    if text.isascii():  # NFKC leaves ASCII as it is
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def header_key(text) -> str:
    """A header as compared: folded, spaces and required-field stars removed, brackets
    of either width alike ("村（社区）代码" = "村(社区)代码 *")."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    folded = _HEADER_NOISE.sub("", fold(text)).upper()
    return folded.replace("(", "").replace(")", "").replace("（", "").replace("）", "")


_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _LOOKUP[header_key(_name)] = _column.key
_IGNORED = {header_key(name) for name in IGNORED_HEADERS}


def match_header(text) -> str | None:
    """The column key a header names, "" for a known column we read past, None if unknown."""
    key = header_key(text)
    if key in _LOOKUP:
        return _LOOKUP[key]
    return "" if key in _IGNORED else None


def word_key(text: str) -> str:
    return fold(text).replace(" ", "").upper()


def _fold_words(words: dict) -> dict:
    return {word_key(k): v for k, v in words.items()}


CODED_FOLDED = {key: _fold_words(words) for key, words in CODED.items()}

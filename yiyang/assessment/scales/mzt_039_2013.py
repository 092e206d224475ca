"""MZ/T 039-2013《老年人能力评估》 as data: four dimensions graded 0–3 (日常生活活动
by the Barthel index, higher is better; the other three, higher is worse), the
initial level from the four grades, then the changes of level. Levels 0–3.

Its level rules overlap and leave gaps; the order below (most severe first) and the
two gap rules marked （补充） are this project's choice, explained in
docs/assessment.md and tested on all 256 combinations of grades."""

from __future__ import annotations

from yiyang.assessment.scales.common import (
    CONDITIONS,
    DIAGNOSIS_DEMENTIA,
    DIAGNOSIS_MENTAL,
    all_,
    any_,
    at_least,
    between,
    is_,
)

CODE = "mzt039-2013"

A, M, P, S = "grade:A", "grade:M", "grade:P", "grade:S"
OTHERS = [M, P, S]
ALL_TWO = all_(is_(M, 2), is_(P, 2), is_(S, 2))
ANY_THREE = {"count": OTHERS, "each": {"in": [3]}, "min": 1}

ADL = {
    "code": "A", "name": "日常生活活动", "hint": "Barthel 指数 10 项，0～100 分，分数越高能力越好",
    "grades": [
        {"id": "A0", "value": 0, "when": between("score:A", 100), "text": "100 分"},
        {"id": "A1", "value": 1, "when": between("score:A", 65, 99), "text": "65～95 分"},
        {"id": "A2", "value": 2, "when": between("score:A", 45, 64), "text": "45～60 分"},
        {"id": "A3", "value": 3, "when": between("score:A", None, 44), "text": "≤40 分"},
    ],
    "items": [
        {"code": "B.1.1", "name": "进食", "options": [
            [10, "可独立进食（在合理时间内独立进食准备好的食物）"],
            [5, "需部分帮助（进食过程中需要一定帮助，如协助把持餐具）"],
            [0, "需极大帮助或完全依赖他人，或有留置营养管"],
        ]},
        {"code": "B.1.2", "name": "洗澡", "options": [
            [5, "准备好洗澡水后，可自己独立完成洗澡过程"],
            [0, "在洗澡过程中需他人帮助"],
        ]},
        {"code": "B.1.3", "name": "修饰", "hint": "洗脸、刷牙、梳头、刮脸等", "options": [
            [5, "可自己独立完成"],
            [0, "需他人帮助"],
        ]},
        {"code": "B.1.4", "name": "穿衣", "hint": "穿脱衣服、系扣、拉拉链、穿脱鞋袜、系鞋带", "options": [
            [10, "可独立完成"],
            [5, "需部分帮助（能自己穿脱，但需他人帮助整理衣物、系扣/鞋带、拉拉链）"],
            [0, "需极大帮助或完全依赖他人"],
        ]},
        {"code": "B.1.5", "name": "大便控制", "options": [
            [10, "可控制大便"],
            [5, "偶尔失控（每周<1次），或需要他人提示"],
            [0, "完全失控"],
        ]},
        {"code": "B.1.6", "name": "小便控制", "options": [
            [10, "可控制小便"],
            [5, "偶尔失控（每天<1次，但每周>1次），或需要他人提示"],
            [0, "完全失控，或留置导尿管"],
        ]},
        {"code": "B.1.7", "name": "如厕", "hint": "去厕所、解开衣裤、擦净、整理衣裤、冲水", "options": [
            [10, "可独立完成"],
            [5, "需部分帮助（需他人搀扶去厕所、帮忙冲水或整理衣裤等）"],
            [0, "需极大帮助或完全依赖他人"],
        ]},
        {"code": "B.1.8", "name": "床椅转移", "options": [
            [15, "可独立完成"],
            [10, "需部分帮助（需他人搀扶或使用拐杖）"],
            [5, "需极大帮助（较大程度上依赖他人搀扶和帮助）"],
            [0, "完全依赖他人"],
        ]},
        {"code": "B.1.9", "name": "平地行走", "options": [
            [15, "可独立在平地上行走45米"],
            [10, "需部分帮助（在一定程度上需他人搀扶或使用拐杖、助行器等辅助用具）"],
            [5, "需极大帮助（在较大程度上依赖他人搀扶，或坐在轮椅上自行移动）"],
            [0, "完全依赖他人"],
        ]},
        {"code": "B.1.10", "name": "上下楼梯", "options": [
            [10, "可独立上下楼梯（连续上下10～15个台阶）"],
            [5, "需部分帮助（需扶着楼梯、他人搀扶，或使用拐杖等）"],
            [0, "需极大帮助或完全依赖他人"],
        ]},
    ],
}

MENTAL = {
    "code": "M", "name": "精神状态", "hint": "3 项，0～6 分，分数越高能力越差",
    "grades": [
        {"id": "M0", "value": 0, "when": between("score:M", None, 0), "text": "0 分"},
        {"id": "M1", "value": 1, "when": between("score:M", 1, 1), "text": "1 分"},
        {"id": "M2", "value": 2, "when": between("score:M", 2, 3), "text": "2～3 分"},
        {"id": "M3", "value": 3, "when": between("score:M", 4), "text": "4～6 分"},
    ],
    "items": [
        {"code": "B.2.1", "name": "认知功能", "hint": "画钟测验（10点45分）与回忆3个词语", "options": [
            [0, "画钟正确（画出一个闭锁圆，指针位置准确），且能回忆出2～3个词"],
            [1, "画钟错误（圆不闭锁，或指针位置不准确），或只回忆出0～1个词"],
            [2, "已确诊为认知障碍，如老年痴呆"],
        ]},
        {"code": "B.2.2", "name": "攻击行为", "options": [
            [0, "无身体攻击行为（打、踢、推、咬、抓、摔东西）和语言攻击行为（骂人、语言威胁、尖叫）"],
            [1, "每月有几次身体攻击行为，或每周有几次语言攻击行为"],
            [2, "每周有几次身体攻击行为，或每日有语言攻击行为"],
        ]},
        {"code": "B.2.3", "name": "抑郁症状", "options": [
            [0, "无"],
            [1, "情绪低落、不爱说话、不爱梳洗、不爱活动"],
            [2, "有自杀念头或自杀行为"],
        ]},
    ],
}

PERCEPTION = {
    "code": "P", "name": "感知觉与沟通", "hint": "4 项，分数越高能力越差；分级按各项组合判定",
    # Written most severe first: where two descriptions match, the worse grade holds.
    "grades": [
        {"id": "P3", "value": 3, "text": "神志清醒或嗜睡，视力或听力评为4，或沟通交流评为3；或昏睡/昏迷",
         "when": any_(
             at_least("B.3.1", 2),
             all_(between("B.3.1", None, 1),
                  any_(is_("B.3.2", 4), is_("B.3.3", 4), is_("B.3.4", 3))),
         )},
        {"id": "P2", "value": 2,
         "text": "神志清醒，视力或听力评为3，或沟通交流评为2；或嗜睡，视力或听力≤3，沟通交流≤2",
         "when": any_(
             all_(is_("B.3.1", 0), any_(is_("B.3.2", 3), is_("B.3.3", 3), is_("B.3.4", 2))),
             all_(is_("B.3.1", 1), between("B.3.2", None, 3), between("B.3.3", None, 3),
                  between("B.3.4", None, 2)),
         )},
        {"id": "P1", "value": 1, "text": "神志清醒，视力或听力评为2，或沟通交流评为1",
         "when": all_(is_("B.3.1", 0), any_(is_("B.3.2", 2), is_("B.3.3", 2), is_("B.3.4", 1)))},
        {"id": "P0", "value": 0, "text": "神志清醒，视力和听力评为0或1，沟通交流评为0",
         "when": all_(is_("B.3.1", 0), between("B.3.2", None, 1), between("B.3.3", None, 1),
                      is_("B.3.4", 0))},
    ],
    "items": [
        {"code": "B.3.1", "name": "意识水平", "options": [
            [0, "神志清醒，对周围环境警觉"],
            [1, "嗜睡，睡眠状态过度延长；呼唤或推动肢体时可唤醒，能正确交谈或执行指令，停止刺激后又入睡"],
            [2, "昏睡，一般外界刺激不能使其觉醒，较强烈刺激时可短时清醒，醒后可简短回答提问"],
            [3, "昏迷，浅昏迷时对疼痛刺激有回避和痛苦表情，深昏迷时对刺激无反应"],
        ]},
        {"code": "B.3.2", "name": "视力", "hint": "平日戴眼镜者在佩戴眼镜的情况下评估", "options": [
            [0, "能看清书报上的标准字体"],
            [1, "能看清楚大字体，但看不清书报上的标准字体"],
            [2, "视力有限，看不清报纸大标题，但能辨认物体"],
            [3, "辨认物体有困难，但眼睛能跟随物体移动，只能看到光、颜色和形状"],
            [4, "没有视力，眼睛不能跟随物体移动"],
        ]},
        {"code": "B.3.3", "name": "听力", "hint": "平日使用助听器者在佩戴助听器的情况下评估", "options": [
            [0, "可正常交谈，能听到电视、电话、门铃的声音"],
            [1, "在轻声说话或说话距离超过2米时听不清"],
            [2, "正常交流有些困难，需在安静的环境或大声说话才能听到"],
            [3, "讲话者大声说话或说话很慢，才能部分听见"],
            [4, "完全听不见"],
        ]},
        {"code": "B.3.4", "name": "沟通交流", "hint": "包括非语言沟通", "options": [
            [0, "无困难，能与他人正常沟通和交流"],
            [1, "能够表达自己的需要及理解别人的话，但需要增加时间或给予帮助"],
            [2, "表达需要或理解有困难，需频繁重复或简化口头表达"],
            [3, "不能表达需要或理解他人的话"],
        ]},
    ],
}

SOCIAL = {
    "code": "S", "name": "社会参与", "hint": "5 项，0～20 分，分数越高能力越差",
    "grades": [
        {"id": "S0", "value": 0, "when": between("score:S", None, 2), "text": "0～2 分"},
        {"id": "S1", "value": 1, "when": between("score:S", 3, 7), "text": "3～7 分"},
        {"id": "S2", "value": 2, "when": between("score:S", 8, 13), "text": "8～13 分"},
        {"id": "S3", "value": 3, "when": between("score:S", 14), "text": "14～20 分"},
    ],
    "items": [
        {"code": "B.4.1", "name": "生活能力", "options": [
            [0, "除个人生活自理外（如饮食、洗漱、穿戴、二便），能料理家务（如做饭、洗衣）或当家管理事务"],
            [1, "除个人生活自理外，能做家务，但欠好，家庭事务安排欠条理"],
            [2, "个人生活能自理；只有在他人帮助下才能做些家务，但质量不好"],
            [3, "个人基本生活事务能自理（如饮食、二便），在督促下可洗漱"],
            [4, "个人基本生活事务（如饮食、二便）需要部分帮助或完全依赖他人帮助"],
        ]},
        {"code": "B.4.2", "name": "工作能力", "options": [
            [0, "原来熟练的脑力工作或体力技巧性工作可照常进行"],
            [1, "原来熟练的脑力工作或体力技巧性工作能力有所下降"],
            [2, "原来熟练的脑力工作或体力技巧性工作明显不如以往，部分遗忘"],
            [3, "对熟练工作只有一些片段保留，技能全部遗忘"],
            [4, "对以往的知识或技能全部磨灭"],
        ]},
        {"code": "B.4.3", "name": "时间/空间定向", "options": [
            [0, "时间观念清楚；可单独出远门，能很快掌握新环境的方位"],
            [1, "时间观念有些下降，年月日清楚，但有时相差几天；"
                "可单独来往于近街，知道现住地名称和方位，但不知回家路线"],
            [2, "时间观念较差，年月日不清楚，可知上半年或下半年；"
                "只能单独在家附近行动，对现住地只知名称，不知方位"],
            [3, "时间观念很差，年月日不清楚，可知上午或下午；只能在左邻右舍间串门，对现住地不知名称和方位"],
            [4, "无时间观念；不能单独外出"],
        ]},
        {"code": "B.4.4", "name": "人物定向", "options": [
            [0, "知道周围人们的关系，知道祖孙、叔伯、姑姨等称谓的意义；可分辨陌生人的大致年龄和身份"],
            [1, "只知家中亲密近亲的关系，不会分辨陌生人的大致年龄，不能称呼陌生人"],
            [2, "只能称呼家中人，或只能照样称呼，不知其关系，不辨辈分"],
            [3, "只认识常同住的亲人，可称呼子女或孙子女，可辨熟人和生人"],
            [4, "只认识保护人，不辨熟人和生人"],
        ]},
        {"code": "B.4.5", "name": "社会交往能力", "options": [
            [0, "参与社会，在社会环境有一定的适应能力，待人接物恰当"],
            [1, "能适应单纯环境，主动接触人，初见面时难让人发现智力问题，不能理解隐喻语"],
            [2, "脱离社会，可被动接触，不会主动待人，谈话中很多不适词句，容易上当受骗"],
            [3, "勉强可与人交往，谈吐内容不清楚，表情不恰当"],
            [4, "难以与人接触"],
        ]},
    ],
}

# The four grades give the initial level. Tried in this order, most severe first, so
# that where the standard's descriptions overlap the more severe level holds.
LEVEL_RULES = [
    {"id": "3a", "value": 3, "when": is_(A, 3), "text": "日常生活活动分级为3"},
    {"id": "3b", "value": 3, "when": all_(is_(A, 2), ALL_TWO),
     "text": "日常生活活动、精神状态、感知觉与沟通、社会参与分级均为2"},
    {"id": "3c", "value": 3, "when": all_(is_(A, 2), ANY_THREE),
     "text": "日常生活活动分级为2，且另三项中至少有一项分级为3"},
    {"id": "2a", "value": 2, "when": all_(is_(A, 1), ALL_TWO),
     "text": "日常生活活动分级为1，另三项分级均为2"},
    {"id": "2b", "value": 2, "when": all_(is_(A, 1), ANY_THREE),
     "text": "日常生活活动分级为1，另三项中有一项分级为3"},
    {"id": "2c", "value": 2,
     "when": all_(is_(A, 2), {"count": OTHERS, "each": {"in": [1, 2]}, "min": 1, "max": 2}),
     "text": "日常生活活动分级为2，另三项中有1～2项分级为1或2"},
    {"id": "2d", "value": 2, "when": is_(A, 2),
     "text": "（补充）日常生活活动分级为2的其余情形：另三项均为0，或均为1～2但不全为2"},
    {"id": "1a", "value": 1,
     "when": all_(is_(A, 0), any_(at_least(M, 1), at_least(P, 1), is_(S, 2))),
     "text": "日常生活活动分级为0，精神状态、感知觉与沟通中至少一项分级为1及以上，或社会参与分级为2"},
    {"id": "1b", "value": 1,
     "when": all_(is_(A, 1), {"count": OTHERS, "each": {"in": [0, 1]}, "min": 1}),
     "text": "日常生活活动分级为1，另三项中至少有一项分级为0或1"},
    {"id": "1c", "value": 1, "when": all_(is_(A, 0), is_(S, 3)),
     "text": "（补充）日常生活活动、精神状态、感知觉与沟通分级均为0，社会参与分级为3"},
    {"id": "0a", "value": 0, "when": all_(is_(A, 0), is_(M, 0), is_(P, 0), between(S, None, 1)),
     "text": "日常生活活动、精神状态、感知觉与沟通分级均为0，社会参与分级为0或1"},
]

# The standard counts falls, choking, suicide and wandering-off (not self-harm or other).
MZT_RISKS = ["risk_fall", "risk_choking", "risk_suicide", "risk_wandering"]

SCALE = {
    "code": CODE,
    "name": "老年人能力评估",
    "standard": "MZ/T 039-2013",
    "description": "日常生活活动、精神状态、感知觉与沟通、社会参与 4 个一级指标，各分 0～3 级，"
                   "由四项分级组合确定初步等级（0～3 级），再依变更依据确定最终等级。",
    "sections": [ADL, MENTAL, PERCEPTION, SOCIAL],
    "conditions": CONDITIONS,
    "grade_names": [[0, "能力完好"], [1, "轻度受损"], [2, "中度受损"], [3, "重度受损"]],
    "show_total": False,
    "levels": [
        {"value": 0, "name": "能力完好"},
        {"value": 1, "name": "轻度失能"},
        {"value": 2, "name": "中度失能"},
        {"value": 3, "name": "重度失能"},
    ],
    "level_rules": LEVEL_RULES,
    "overrides": [
        {"id": "coma", "name": "昏迷", "kind": "set", "level": 3, "when": is_("coma", True),
         "text": "处于昏迷状态者，直接评定为重度失能"},
        {"id": "dementia", "name": "认知症或精神疾病", "kind": "raise", "by": 1,
         "when": is_("diagnosis", DIAGNOSIS_DEMENTIA, DIAGNOSIS_MENTAL),
         "text": "有认知症/痴呆、精神疾病者，在原有能力级别上提高一个级别"},
        {"id": "risk_events", "name": "意外事件", "kind": "raise", "by": 1,
         "when": {"sum": MZT_RISKS, "min": 2},
         "text": "近30天内发生过2次及以上跌倒、噎食、自杀、走失者，在原有能力级别上提高一个级别"},
    ],
    "max_raise": 1,
    "checks": [
        {"id": "coma-consciousness", "when": is_("coma", True), "require": is_("B.3.1", 3),
         "field": "B.3.1", "text": "处于昏迷状态时，意识水平应评为 3（昏迷）"},
        {"id": "consciousness-coma", "when": is_("B.3.1", 3), "require": is_("coma", True),
         "field": "coma", "text": "意识水平评为昏迷时，应勾选“处于昏迷状态”"},
        {"id": "cognition-dementia", "when": is_("B.2.1", 2), "require": is_("diagnosis", DIAGNOSIS_DEMENTIA),
         "field": "diagnosis", "text": "认知功能评为“已确诊为认知障碍”时，诊断应选痴呆"},
        {"id": "dementia-cognition", "when": is_("diagnosis", DIAGNOSIS_DEMENTIA), "require": is_("B.2.1", 2),
         "field": "B.2.1", "text": "已确诊为痴呆时，认知功能应评为 2（已确诊为认知障碍）"},
    ],
}

"""Read operations composed for pages, the API and other apps' pages.

elder_panel(user, elder) is what the elder's page shows (with the include
assessment/_elder_assessments.html): the schedule and every assessment, each with its
changes item by item against the approved one before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Value, When
from django.utils import timezone

from yiyang.assessment import access, schedule
from yiyang.assessment.choices import AssessmentAction, AssessmentReason, DueState
from yiyang.assessment.models import Assessment, AssessmentSchedule
from yiyang.assessment.scales import engine
from yiyang.elders import stats
from yiyang.elders.categories import age_band_q
from yiyang.elders.choices import AgeBand
from yiyang.elders.models import Elder


@dataclass
class ItemLine:
    item: engine.Item
    points: int | None
    option: str
    previous: int | None = None
    changed: bool = False


@dataclass
class SectionBlock:
    section: engine.Section
    lines: list[ItemLine]
    score: int | None
    grade: int | None = None
    grade_name: str = ""


@dataclass
class HistoryEntry:
    assessment: Assessment
    changes: list = field(default_factory=list)  # [(Item, old, new)]
    comparable: bool = True  # False: the previous one used another scale
    fired: list = field(default_factory=list)  # [Override]


def due_state(row: AssessmentSchedule | None, today: dt.date | None = None) -> str | None:
    if row is None or row.due_on is None:
        return None
    today = today or timezone.localdate()
    if row.due_on < today:
        return DueState.OVERDUE
    if row.due_on <= today + dt.timedelta(days=schedule.policy().due_soon_days):
        return DueState.DUE
    return None


def fired_rules(assessment: Assessment) -> list[engine.Override]:
    scale = assessment.scale_def
    known = {o.id for o in scale.overrides}
    return [scale.override(rule_id) for rule_id in assessment.rules_fired if rule_id in known]


def history_entry(assessment: Assessment) -> HistoryEntry:
    entry = HistoryEntry(assessment, fired=fired_rules(assessment))
    previous = assessment.previous
    if previous is None:
        return entry
    if previous.scale != assessment.scale:
        entry.comparable = False
        return entry
    entry.changes = engine.changed_items(assessment.scale_def, previous.answers, assessment.answers)
    return entry


def elder_panel(user, elder: Elder) -> dict | None:
    """The assessment section of an elder's page, or None when the user may not see it."""
    if not access.elders(user, AssessmentAction.VIEW).filter(pk=elder.pk).exists():
        return None
    rows = list(Assessment.objects.restrict(user).filter(elder=elder)
                .select_related("previous", "created_by", "reviewed_by")[:50])
    plan = AssessmentSchedule.objects.filter(elder=elder).first()
    return {
        "elder": elder,
        "entries": [history_entry(a) for a in rows],
        "open": next((a for a in rows if a.is_open), None),
        "schedule": plan,
        "due_state": due_state(plan),
        "can_assess": access.elders(user, AssessmentAction.ASSESS).filter(pk=elder.pk).exists(),
        "can_report": access.can(user, AssessmentAction.REPORT_CONDITION),
    }


def assessment_blocks(assessment: Assessment) -> list[SectionBlock]:
    """Every item with its answer (and the previous approved answer), by section."""
    scale = assessment.scale_def
    previous = assessment.previous
    if previous is not None and previous.scale != scale.code:
        previous = None
    blocks = []
    for section in scale.sections:
        lines = []
        for item in section.items:
            points = assessment.answers.get(item.code)
            option = item.option(points) if points is not None else None
            before = previous.answers.get(item.code) if previous else None
            lines.append(ItemLine(item, points, option.label if option else "", before,
                                  previous is not None and before != points))
        grade = assessment.section_grades.get(section.code)
        blocks.append(SectionBlock(
            section, lines, assessment.section_scores.get(section.code), grade,
            scale.grade_names.get(grade, "") if grade is not None else ""))
    return blocks


def due_schedules(user, today: dt.date):
    """Re-assessments overdue or falling due soon, in the user's scope, soonest first."""
    soon = today + dt.timedelta(days=schedule.policy().due_soon_days)
    return (AssessmentSchedule.objects.restrict(user).of_active_elders().due_by(soon)
            .select_related("elder", "elder__region", "elder__region__parent")
            .order_by("due_on", "elder_id"))


def worklist(user, today: dt.date | None = None) -> dict:
    """The worker's list: assessments to finish or approve, re-assessments due."""
    today = today or timezone.localdate()
    assessments = Assessment.objects.select_related("elder", "elder__region", "submitted_by")
    due = due_schedules(user, today)
    return {
        "in_progress": list(assessments.restrict(user, AssessmentAction.ASSESS).editable()
                            .order_by("-last_updated")[:50]),
        "awaiting": list(assessments.restrict(user, AssessmentAction.APPROVE).awaiting_approval()
                         .order_by("submitted_at")[:50]),
        "submitted": list(assessments.restrict(user, AssessmentAction.ASSESS).awaiting_approval()
                          .order_by("submitted_at")[:50]),
        "due": due,
        "overdue_count": due.overdue(today).count(),
        "today": today,
    }


def suggested_reason(elder: Elder) -> str:
    """首次 if never approved, 即时 after a reported change of condition, else 常规."""
    if not Assessment.objects.approved().filter(elder=elder).exists():
        return AssessmentReason.FIRST
    plan = AssessmentSchedule.objects.filter(elder=elder).first()
    if plan is not None and plan.condition_changed_on is not None:
        return AssessmentReason.CONDITION_CHANGE
    return AssessmentReason.ROUTINE


def elders_to_assess(user, term: str, limit: int = 20) -> list[Elder]:
    """Active elders matching a search, for starting an assessment."""
    if not term.strip():
        return []
    qs = access.elders(user, AssessmentAction.ASSESS).active().search(term)
    return list(qs.select_related("region", "region__parent").order_by("name", "id")[:limit])


def preview(scale: engine.Scale, answers: dict, conditions: dict) -> dict:
    """Sub-totals of what is answered so far; the result (or what stops it) once all is."""
    from yiyang.assessment.messages import problem_message

    subtotals, total, unanswered = engine.partial_subtotals(scale, answers)
    result, problems = None, []
    if unanswered == 0:
        try:
            given = {code: value for code, value in answers.items() if value is not None}
            result = engine.score(scale, given, conditions)
        except engine.AnswerError as exc:
            problems = [problem_message(p) for ps in exc.problems.values() for p in ps]
    return {"subtotals": subtotals, "total": total, "unanswered": unanswered,
            "result": result, "problems": problems}


# --- statistics for a region --------------------------------------------------------------
LEVELS = ("0", "1", "2", "3", "4")


def region_stats(region, children, today: dt.date | None = None) -> dict:
    """Counts of active elders by current capability level, per child region (towns of a
    county, villages of a town) and per age band, and re-assessments overdue and due.
    Level counts come from the registry's maintained totals (elders.stats)."""
    today = today or timezone.localdate()
    prefix = region.prefix
    summary = stats.summary(prefix, today)
    plans = AssessmentSchedule.objects.in_prefix(prefix).of_active_elders()
    soon = today + dt.timedelta(days=schedule.policy().due_soon_days)
    overdue_by_village = dict(
        plans.overdue(today).values_list("elder__region_id").annotate(n=Count("pk")).order_by()
    )
    rows = []
    for child in children:
        totals = stats.key_totals(child.prefix)
        rows.append({
            "region": child,
            "levels": [totals.get(f"level:{lv}", 0) for lv in LEVELS],
            "none": totals.get("level:none", 0),
            "total": totals.get("total", 0),
            "overdue": sum(n for code, n in overdue_by_village.items() if code.startswith(child.prefix)),
        })
    return {
        "summary": summary,
        "levels": [summary["levels"][lv] for lv in LEVELS],
        "not_assessed": summary["levels"]["none"],
        "children": rows,
        "age_bands": _by_age_band(prefix, today),
        "overdue": sum(overdue_by_village.values()),
        "due_soon": plans.filter(due_on__gte=today, due_on__lte=soon).count(),
        "awaiting": Assessment.objects.awaiting_approval()
        .filter(elder__in=Elder.objects.in_prefix(prefix).values("pk")).count(),
    }


def _by_age_band(prefix: str, today: dt.date) -> list[dict]:
    bands = [str(b) for b in AgeBand.values]
    band = Case(*[When(age_band_q(b, today), then=Value(b)) for b in bands], default=Value("<60"))
    counts = (Elder.objects.in_prefix(prefix).active().annotate(band=band)
              .values_list("band", "capability_level").annotate(n=Count("id")).order_by())
    table = {b: {"levels": [0] * len(LEVELS), "none": 0, "total": 0} for b in bands}
    for name, level, n in counts:
        if name not in table:
            continue
        row = table[name]
        if level is None:
            row["none"] += n
        else:
            row["levels"][level] += n
        row["total"] += n
    return [{"band": AgeBand(b).label, **row} for b, row in table.items()]

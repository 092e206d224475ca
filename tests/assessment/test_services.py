"""The assessment workflow: start, answer, submit, approve or return; each step one
transaction, audited, scope re-checked; approval sets the elder's level with the
registry counts kept exact, and schedules the re-assessment."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.http import Http404

from tests.assessment.helpers import GBT, MZT, best
from tests.fixtures import county_fixture, db_state  # noqa: F401
from yiyang.assessment import queries, services
from yiyang.assessment.models import Assessment, AssessmentSchedule
from yiyang.assessment.services import AssessmentDetails, InvalidAssessment
from yiyang.core.models import AuditLog
from yiyang.core.testing import COUNTY, TOWN_A, VILLAGE_A1
from yiyang.elders import services as elder_services
from yiyang.elders import stats
from yiyang.elders.choices import AgeBand
from yiyang.elders.models import Elder

TODAY = dt.date(2026, 6, 15)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def details(**overrides) -> AssessmentDetails:
    data = {"reason": "first", "assessed_on": TODAY, "place": "老人家中",
            "assessor_1": "刘芳", "assessor_2": "陈明", "informant": "", "notes": ""}
    data.update(overrides)
    return AssessmentDetails(**data)


def start(county, elder="a1", user="village", **kwargs) -> Assessment:
    return services.start_assessment(county.elders[elder], kwargs.pop("details", details()),
                                     actor=county.users[user], **kwargs)


def approved(county, elder="a1", answers=None, *, by="village", approver="town", **kwargs):
    assessment = start(county, elder, by, answers=answers or best(), submit=True, **kwargs)
    return services.approve_assessment(assessment, actor=county.users[approver])


def level_counts(prefix: str) -> dict:
    """The registry's levels counted row by row (the oracle for stats.summary)."""
    rows = Elder.objects.in_prefix(prefix).active()
    counts = Counter("none" if e.capability_level is None else str(e.capability_level) for e in rows)
    return {key: counts.get(key, 0) for key in ("0", "1", "2", "3", "4", "none")}


def assert_counts_exact():
    for prefix in (COUNTY[:6], TOWN_A[:9], VILLAGE_A1):
        assert stats.summary(prefix, TODAY)["levels"] == level_counts(prefix), prefix


# --- start and answer ------------------------------------------------------------------------
def test_it_starts_a_draft_and_audits_it(county):
    assessment = start(county, answers={"B.1.1": 3})
    assert (assessment.status, assessment.scale, assessment.answers) == ("draft", GBT.code, {"B.1.1": 3})
    assert assessment.created_by == county.users["village"]
    assert assessment.previous is None
    entry = AuditLog.objects.get(action="create", object_type="assessment.assessment")
    assert (entry.actor_name, entry.region_code) == ("village", VILLAGE_A1)
    assert entry.changes["answers"] == {"B.1.1": 3}


def test_only_one_assessment_per_elder_is_in_progress(county):
    start(county)
    before = db_state(county.elders["a1"])
    with pytest.raises(InvalidAssessment) as exc:
        start(county, user="town")
    assert "elder" in exc.value.errors
    assert db_state(county.elders["a1"]) == before


@pytest.mark.parametrize(("user", "elder"), [
    ("town_b", "a1"),      # another town
    ("village", "a2"),     # another village of the same town
    ("provider", "a1"),    # sees a1 (granted) but does not assess
    ("caregiver", "a1"),
    ("operator", "a1"),
    ("volunteer", "b1"),
])
def test_it_refuses_an_elder_outside_the_assessors_scope_as_404(county, user, elder):
    with pytest.raises(Http404):
        start(county, elder, user)
    assert not Assessment.objects.exists()
    assert not AuditLog.objects.filter(object_type="assessment.assessment").exists()


def test_it_refuses_an_elder_who_moved_away(county):
    elder_services.set_status(county.elders["a1"], "moved", on=TODAY, reason="迁出",
                              actor=county.users["admin"])
    with pytest.raises(InvalidAssessment) as exc:
        start(county)
    assert list(exc.value.errors) == ["elder"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"assessed_on": TODAY + dt.timedelta(days=1)}, "assessed_on"),
    ({"assessor_2": "刘芳"}, "assessor_2"),
])
def test_it_checks_the_details(county, changes, field):
    with pytest.raises(InvalidAssessment) as exc:
        start(county, details=details(**changes))
    assert list(exc.value.errors) == [field]
    assert not Assessment.objects.exists()


def test_a_bad_answer_is_refused_by_item_and_nothing_is_written(county):
    assessment = start(county)
    before = db_state(county.elders["a1"])
    with pytest.raises(InvalidAssessment) as exc:
        services.answer_assessment(assessment, answers={"B.2.4": 4, "B.1.1": 2},
                                   actor=county.users["village"])
    assert list(exc.value.errors) == ["answers.B.2.4"]
    assert "上下楼梯（B.2.4）" in exc.value.errors["answers.B.2.4"][0]
    assert db_state(county.elders["a1"]) == before
    assert Assessment.objects.get().answers == {}


def test_answers_merge_by_default_and_replace_on_request(county):
    assessment = start(county, answers={"B.1.1": 3, "B.1.2": 4})
    user = county.users["village"]
    assessment = services.answer_assessment(assessment, answers={"B.1.2": None, "B.1.3": 2},
                                            conditions={"risk_fall": 1}, actor=user)
    assert assessment.answers == {"B.1.1": 3, "B.1.3": 2}
    assert assessment.conditions["risk_fall"] == 1
    assessment = services.answer_assessment(assessment, answers={"B.4.5": 0}, replace=True, actor=user)
    assert assessment.answers == {"B.4.5": 0}
    assert assessment.conditions["risk_fall"] == 0
    update = AuditLog.objects.filter(action="update", object_type="assessment.assessment").first()
    assert update.changes["answers"][1] == {"B.4.5": 0}


# --- submit ------------------------------------------------------------------------------
def test_an_incomplete_assessment_cannot_be_submitted(county):
    answers = best()
    del answers["B.3.4"], answers["B.4.1"]
    assessment = start(county, answers=answers)
    with pytest.raises(InvalidAssessment) as exc:
        services.submit_assessment(assessment, actor=county.users["village"])
    assert sorted(exc.value.errors) == ["answers.B.3.4", "answers.B.4.1"]
    assert "记忆（B.3.4）" in exc.value.errors["answers.B.3.4"][0]
    assessment.refresh_from_db()
    assert (assessment.status, assessment.level) == ("draft", None)


def test_submitting_stores_the_result(county):
    assessment = start(county, answers=best(B_1_1=3), conditions={"diagnosis": "dementia"},
                       submit=True)
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    assert (assessment.total_score, assessment.initial_level, assessment.level) == (89, 1, 2)
    assert assessment.section_scores == {"B.1": 31, "B.2": 15, "B.3": 28, "B.4": 15}
    assert (assessment.initial_rule, assessment.rules_fired) == ("total-66-89", ["dementia"])
    assert assessment.submitted_by == county.users["village"]
    entry = AuditLog.objects.get(action="status", detail="submitted")
    assert entry.changes["level"] == [None, 2]
    # Submitting does not touch the elder.
    assert Elder.objects.get(pk=county.elders["a1"].pk).capability_level is None


def test_a_submitted_assessment_is_no_longer_editable(county):
    assessment = start(county, answers=best(), submit=True)
    with pytest.raises(InvalidAssessment) as exc:
        services.answer_assessment(assessment, answers={"B.1.1": 0}, actor=county.users["village"])
    assert list(exc.value.errors) == ["status"]


# --- approve and return -------------------------------------------------------------------
def test_approval_sets_the_elders_level_and_keeps_the_counts_exact(county):
    assert_counts_exact()
    assessment = approved(county, answers=best(B_1_1=0, B_1_2=0, **{f"B_1_{n}": 0 for n in range(3, 7)},
                                                B_3_7=0))  # 65: 中度
    assert (assessment.status, assessment.level) == ("approved", 2)
    assert assessment.reviewed_by == county.users["town"]
    elder = Elder.objects.get(pk=county.elders["a1"].pk)
    assert elder.capability_level == 2
    assert_counts_exact()
    assert stats.summary(VILLAGE_A1, TODAY)["levels"]["2"] == 1
    # The elder's own history shows the change of level.
    entry = AuditLog.objects.filter(object_type="elders.elder", object_id=str(elder.pk)).first()
    assert (entry.action, entry.changes) == ("update", {"capability_level": [None, 2]})
    assert entry.detail == f"assessment:{assessment.pk}"


def test_the_person_who_submitted_does_not_approve(county):
    assessment = start(county, user="town", answers=best(), submit=True)
    with pytest.raises(InvalidAssessment) as exc:
        services.approve_assessment(assessment, actor=county.users["town"])
    assert list(exc.value.errors) == ["status"]
    assert Assessment.objects.get().status == "submitted"
    services.approve_assessment(assessment, actor=county.users["admin"])
    assert Assessment.objects.get().status == "approved"


def test_four_eyes_can_be_turned_off(county, settings):
    settings.YIYANG_ASSESSMENT_FOUR_EYES = False
    assessment = start(county, user="town", answers=best(), submit=True)
    assert services.approve_assessment(assessment, actor=county.users["town"]).status == "approved"


@pytest.mark.parametrize("user", ["village", "town_b", "provider", "family"])
def test_only_an_approver_in_scope_approves(county, user):
    assessment = start(county, "a1", "town", answers=best(), submit=True)
    with pytest.raises(Http404):
        services.approve_assessment(assessment, actor=county.users[user])
    assert Assessment.objects.get().status == "submitted"
    assert Elder.objects.get(pk=county.elders["a1"].pk).capability_level is None


def test_a_returned_assessment_is_corrected_and_resubmitted(county):
    assessment = start(county, answers=best(), submit=True)
    with pytest.raises(InvalidAssessment):
        services.return_assessment(assessment, reason="  ", actor=county.users["town"])
    assessment = services.return_assessment(assessment, reason="进食一项请复核", actor=county.users["town"])
    assert (assessment.status, assessment.return_reason) == ("returned", "进食一项请复核")
    with pytest.raises(InvalidAssessment):
        services.approve_assessment(assessment, actor=county.users["town"])
    services.answer_assessment(assessment, answers={"B.1.1": 2}, submit=True, actor=county.users["village"])
    assessment = services.approve_assessment(assessment, actor=county.users["town"])
    assert (assessment.status, assessment.total_score, assessment.level) == ("approved", 88, 1)
    actions = list(AuditLog.objects.filter(object_type="assessment.assessment")
                   .order_by("id").values_list("action", "detail"))
    assert actions == [("create", ""), ("status", "submitted"), ("status", "returned: 进食一项请复核"),
                       ("update", ""), ("status", "submitted"), ("status", "approved")]


def test_a_draft_can_be_discarded_but_not_a_submitted_one(county):
    assessment = start(county)
    services.discard_assessment(assessment, actor=county.users["village"])
    assert not Assessment.objects.exists()
    assessment = start(county, answers=best(), submit=True)
    with pytest.raises(InvalidAssessment):
        services.discard_assessment(assessment, actor=county.users["village"])


# --- history and re-assessment --------------------------------------------------------------
def test_a_re_assessment_is_compared_item_by_item_with_the_last_approved(county):
    first = approved(county)
    with time_machine.travel(dt.datetime(2027, 6, 1, 10, tzinfo=dt.UTC), tick=False):
        second = approved(county, answers=best(B_1_1=2, B_2_3=1),
                          details=details(reason="routine", assessed_on=dt.date(2027, 6, 1)))
    assert second.previous == first
    entry = queries.history_entry(second)
    assert [(i.code, old, new) for i, old, new in entry.changes] == [("B.1.1", 4, 2), ("B.2.3", 4, 1)]
    assert Elder.objects.get(pk=county.elders["a1"].pk).capability_level == 1
    assert_counts_exact()


def test_a_re_assessment_cannot_predate_the_last_approved_one(county):
    approved(county)
    with pytest.raises(InvalidAssessment) as exc:
        start(county, details=details(assessed_on=TODAY - dt.timedelta(days=1)))
    assert list(exc.value.errors) == ["assessed_on"]


def test_an_mzt_assessment_sets_the_matching_registry_level(county):
    answers = best(MZT, B_1_8=0, B_1_9=0, B_1_1=0, B_1_4=0, B_1_3=0, B_1_2=0)  # ADL 40: 重度
    assessment = approved(county, answers=answers, scale=MZT.code)
    assert (assessment.level, assessment.level_name, assessment.registry_level) == (3, "重度失能", 3)
    assert Elder.objects.get(pk=county.elders["a1"].pk).capability_level == 3
    assert_counts_exact()


def test_approval_schedules_the_re_assessment_after_the_interval(county, settings):
    approved(county)
    row = AssessmentSchedule.objects.get(elder=county.elders["a1"])
    assert (row.last_assessed_on, row.due_on) == (TODAY, dt.date(2027, 6, 15))
    settings.YIYANG_REASSESSMENT_MONTHS = 6
    approved(county, "a2", by="town", approver="admin")
    assert AssessmentSchedule.objects.get(elder=county.elders["a2"]).due_on == dt.date(2026, 12, 15)


def test_changing_the_interval_and_rescheduling_moves_due_dates(county, settings):
    from django.core.management import call_command

    approved(county)
    settings.YIYANG_REASSESSMENT_MONTHS = 24
    out = io.StringIO()
    call_command("assessment_reschedule", stdout=out)
    assert out.getvalue().startswith("1 due date(s) changed")
    assert AssessmentSchedule.objects.get(elder=county.elders["a1"]).due_on == dt.date(2028, 6, 15)


def test_a_change_of_condition_brings_the_re_assessment_forward(county):
    approved(county)
    user = county.users["caregiver"]  # caregivers report changes for the elders they serve
    later = TODAY + dt.timedelta(days=40)
    with time_machine.travel(dt.datetime(2026, 7, 25, 10, tzinfo=dt.UTC), tick=False):
        row = services.report_condition_change(county.elders["a1"], on=later, note="脑梗出院", actor=user)
    assert (row.condition_changed_on, row.due_on) == (later, later + dt.timedelta(days=30))
    entry = AuditLog.objects.filter(object_type="elders.elder").first()
    assert entry.changes == {"condition_changed_on": [None, later.isoformat()]}
    with pytest.raises(Http404):
        services.report_condition_change(county.elders["b2"], on=TODAY, note="x", actor=user)
    # The next approved assessment answers the change; the interval counts from it again.
    with time_machine.travel(dt.datetime(2026, 8, 1, 10, tzinfo=dt.UTC), tick=False):
        approved(county, details=details(reason="condition_change", assessed_on=dt.date(2026, 8, 1)))
    row.refresh_from_db()
    assert (row.condition_changed_on, row.due_on) == (None, dt.date(2027, 8, 1))


def test_due_and_overdue_lists_follow_the_calendar(county):
    approved(county)                 # due 2027-06-15
    approved(county, "a2", by="town", approver="admin")
    services.report_condition_change(county.elders["a2"], on=TODAY, note="跌倒两次",
                                     actor=county.users["town"])  # due 2026-07-15
    town = county.users["town"]
    with time_machine.travel(dt.datetime(2026, 6, 20, 10, tzinfo=dt.UTC), tick=False):
        data = queries.worklist(town)
        assert [r.elder.name for r in data["due"]] == ["张建国"]
        assert data["overdue_count"] == 0
    with time_machine.travel(dt.datetime(2027, 6, 1, 10, tzinfo=dt.UTC), tick=False):
        data = queries.worklist(town)
        assert [r.elder.name for r in data["due"]] == ["张建国", "王秀英"]
        assert data["overdue_count"] == 1
        assert [r.elder.name for r in queries.worklist(county.users["town_b"])["due"]] == []


# --- statistics ------------------------------------------------------------------------------
def test_region_statistics_count_levels_by_town_age_band_and_overdue(county):
    approved(county, "a1", best(B_1_1=3))                       # 王秀英 1946: level 1
    approved(county, "a2", best(**{f"B_1_{n}": 0 for n in range(1, 9)}, B_2_1=0, B_2_2=0,
                                   B_2_3=0, B_3_8=0), by="town", approver="admin")  # 45 → level 3
    approved(county, "b1", by="town_b", approver="admin")        # 李桂兰 1935: level 0
    from yiyang.core.models import Region

    county_region = Region.objects.get(code=COUNTY)
    with time_machine.travel(dt.datetime(2027, 7, 1, 10, tzinfo=dt.UTC), tick=False):
        data = queries.region_stats(county_region, list(Region.objects.children_of(county_region)))
    assert data["levels"] == [1, 1, 0, 1, 0]
    assert data["not_assessed"] == 1
    assert data["overdue"] == 3
    by_town = {row["region"].name: (row["levels"], row["none"], row["overdue"]) for row in data["children"]}
    assert by_town == {"东岭镇": ([0, 1, 0, 1, 0], 0, 2), "西河镇": ([1, 0, 0, 0, 0], 1, 1)}
    bands = {row["band"]: (row["levels"], row["none"]) for row in data["age_bands"]}
    # On 2027-07-01: 王秀英 81, 张建国 87, 李桂兰 92, 赵德明 69.
    assert bands[AgeBand.A80.label] == ([0, 1, 0, 1, 0], 0)
    assert bands[AgeBand.A90.label] == ([1, 0, 0, 0, 0], 0)
    assert bands[AgeBand.A60.label] == ([0, 0, 0, 0, 0], 1)

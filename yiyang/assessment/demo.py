"""Assessments in the demo county: the demo village worker's village has a year and a
half of approved assessments (so the re-assessment worklist has due and overdue
elders), a few awaiting the town worker's approval and a few drafts. Everything goes
through the workflow's own services, as a worker's clicks would."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from yiyang.assessment import scales, services
from yiyang.assessment.choices import AssessmentReason
from yiyang.core.models import User
from yiyang.elders.models import Elder

APPROVED, SUBMITTED, DRAFTS = 160, 8, 4
ASSESSORS = [("刘芳", "陈明"), ("孙丽", "周强"), ("吴静", "郑伟")]
# How many items of the scale drop to their least capable option, by registry level.
DEGRADED_ITEMS = {None: 0, 0: 0, 1: 4, 2: 8, 3: 13, 4: 100}


def populate(log=print, seed: int = 2026) -> None:
    village_worker = User.objects.get(username="village")
    town_worker = User.objects.get(username="town")
    elders = list(Elder.objects.in_prefix(village_worker.scope_prefix).active()
                  .order_by("id")[: APPROVED + SUBMITTED + DRAFTS])
    rng = random.Random(seed)
    today = timezone.localdate()
    scale = scales.get(scales.DEFAULT)
    # In a small demo county the village has few elders: keep the proportions.
    drafts = max(1, len(elders) * DRAFTS // (APPROVED + SUBMITTED + DRAFTS))
    submitted = max(1, len(elders) * SUBMITTED // (APPROVED + SUBMITTED + DRAFTS))
    approved = len(elders) - drafts - submitted
    for index, elder in enumerate(elders):
        answers = _answers(scale, DEGRADED_ITEMS.get(elder.capability_level, 0), rng)
        if index < approved:
            details = _details(rng, today - dt.timedelta(days=rng.randint(5, 540)))
            draft = services.start_assessment(elder, details, actor=village_worker,
                                              answers=answers, submit=True)
            services.approve_assessment(draft, actor=town_worker)
        elif index < approved + submitted:
            details = _details(rng, today - dt.timedelta(days=rng.randint(0, 6)))
            services.start_assessment(elder, details, actor=village_worker, answers=answers,
                                      submit=True)
        else:
            half = dict(list(answers.items())[: len(answers) // 2])
            services.start_assessment(elder, _details(rng, today), actor=village_worker,
                                      answers=half)
    log(f"  {len(elders)} capability assessments in {village_worker.scope_region.name}")


def _answers(scale, degraded: int, rng: random.Random) -> dict:
    items = list(scale.items)
    worst = set(rng.sample([item.code for item in items], min(degraded, len(items))))
    return {item.code: (item.min_points if item.code in worst else item.max_points)
            for item in items}


def _details(rng: random.Random, on: dt.date) -> services.AssessmentDetails:
    first, second = rng.choice(ASSESSORS)
    return services.AssessmentDetails(
        reason=AssessmentReason.FIRST, assessed_on=on, place="老人家中",
        assessor_1=first, assessor_2=second, informant="", notes="")

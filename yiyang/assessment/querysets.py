"""Reads of assessments and re-assessment schedules, always from the user's scope."""

from __future__ import annotations

import datetime as dt

from django.db import models

from yiyang.assessment.choices import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    AssessmentAction,
    AssessmentStatus,
)
from yiyang.elders.choices import ElderStatus


def _scoped(qs, user, action: str):
    from yiyang.assessment import access

    if not access.can(user, action):
        return qs.none()
    return qs.filter(elder__in=access.elders(user, action).values("pk"))


class AssessmentQuerySet(models.QuerySet):
    def restrict(self, user, action: str = AssessmentAction.VIEW):
        """The assessments of the elders this user may act on: the front door."""
        return _scoped(self, user, action)

    def approved(self):
        return self.filter(status=AssessmentStatus.APPROVED)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def editable(self):
        return self.filter(status__in=EDITABLE_STATUSES)

    def awaiting_approval(self):
        return self.filter(status=AssessmentStatus.SUBMITTED)

    def latest_approved_for(self, elder_id: int):
        return self.approved().filter(elder_id=elder_id).order_by("-assessed_on", "-id").first()


class ScheduleQuerySet(models.QuerySet):
    def restrict(self, user, action: str = AssessmentAction.VIEW):
        return _scoped(self, user, action)

    def of_active_elders(self):
        return self.filter(elder__status=ElderStatus.ACTIVE)

    def overdue(self, today: dt.date):
        return self.filter(due_on__lt=today)

    def due_by(self, day: dt.date):
        """Due on or before `day` (overdue included)."""
        return self.filter(due_on__lte=day)

    def in_prefix(self, prefix: str):
        from yiyang.elders.models import Elder

        return self.filter(elder__in=Elder.objects.in_prefix(prefix).values("pk"))

"""Recompute every re-assessment due date with the interval now in force
(run after changing YIYANG_REASSESSMENT_MONTHS or YIYANG_REASSESSMENT_CONDITION_DAYS)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from yiyang.assessment import schedule
from yiyang.assessment.models import AssessmentSchedule


class Command(BaseCommand):
    help = "Recompute re-assessment due dates after a change of the interval settings."

    def handle(self, *args, **options):
        rules = schedule.policy()
        changed = 0
        with transaction.atomic():
            batch = []
            for row in AssessmentSchedule.objects.select_for_update().iterator(chunk_size=2000):
                due = schedule.due_date(row.last_assessed_on, row.condition_changed_on, rules)
                if due != row.due_on:
                    row.due_on = due
                    batch.append(row)
                if len(batch) >= 2000:
                    changed += AssessmentSchedule.objects.bulk_update(batch, ["due_on"]) or len(batch)
                    batch = []
            if batch:
                changed += AssessmentSchedule.objects.bulk_update(batch, ["due_on"]) or len(batch)
        self.stdout.write(f"{changed} due date(s) changed ({rules.months} months, "
                          f"{rules.change_days} days after a change of condition).")

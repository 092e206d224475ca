from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentStatus(models.TextChoices):
    """draft → submitted → approved, or → returned (with a reason) → submitted again."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting approval")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")


OPEN_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED, AssessmentStatus.RETURNED)
EDITABLE_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class AssessmentReason(models.TextChoices):
    """评估原因 (GB/T 42195-2022 A.1)."""

    FIRST = "first", _("First assessment (首次评估)")
    ROUTINE = "routine", _("Routine re-assessment (常规评估)")
    CONDITION_CHANGE = "condition_change", _("Change of condition (即时评估)")
    REQUEST = "request", _("On request, result disputed (复评)")
    OTHER = "other", _("Other (其他)")


class AssessmentAction(models.TextChoices):
    """What a role may do with assessments (see constants.ASSESSMENT_ROLE_ACTIONS)."""

    VIEW = "view_assessment", _("See assessments")
    ASSESS = "assess", _("Carry out assessments")
    APPROVE = "approve_assessment", _("Approve or return assessments")
    REPORT_CONDITION = "report_condition", _("Report a change of condition")


class DueState(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    DUE = "due", _("Due soon")

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.assessment import scales
from yiyang.assessment.choices import OPEN_STATUSES, AssessmentReason, AssessmentStatus
from yiyang.assessment.querysets import AssessmentQuerySet, ScheduleQuerySet
from yiyang.core.models import BaseModel
from yiyang.elders.models import Elder


class Assessment(BaseModel):
    """One capability assessment of an elder (老年人能力评估), on one scale.

    The answers are kept as {item code: points} and {condition code: value}; the
    results are computed by the pure scoring module (scales.engine) on submission and
    again on approval, and stored so history, reports and statistics read them back.
    Only an approved assessment sets the elder's capability level.
    """

    elder = models.ForeignKey(Elder, models.PROTECT, related_name="assessments",
                              verbose_name=_("elder"))
    scale = models.CharField(_("scale"), max_length=40, default=scales.DEFAULT)
    reason = models.CharField(_("reason"), max_length=20, choices=AssessmentReason.choices)
    status = models.CharField(_("status"), max_length=12, choices=AssessmentStatus.choices,
                              default=AssessmentStatus.DRAFT)
    assessed_on = models.DateField(_("assessment date"))
    place = models.CharField(_("place"), max_length=100)
    assessor_1 = models.CharField(_("first assessor"), max_length=50)
    assessor_2 = models.CharField(_("second assessor"), max_length=50)
    informant = models.CharField(_("informant"), max_length=60, blank=True,
                                 help_text=_("Who gave information, and how related to the elder."))
    notes = models.TextField(_("notes"), blank=True)

    answers = models.JSONField(_("answers"), default=dict, blank=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)

    section_scores = models.JSONField(default=dict, blank=True, editable=False)
    section_grades = models.JSONField(default=dict, blank=True, editable=False)
    total_score = models.SmallIntegerField(_("total score"), null=True, blank=True, editable=False)
    initial_level = models.SmallIntegerField(_("initial level"), null=True, blank=True,
                                             editable=False)
    initial_rule = models.CharField(max_length=20, blank=True, editable=False)
    rules_fired = models.JSONField(_("rules applied"), default=list, blank=True, editable=False)
    level = models.SmallIntegerField(_("level"), null=True, blank=True, editable=False)

    previous = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("previous approved assessment"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", editable=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     blank=True, related_name="+", editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    return_reason = models.TextField(_("reason for return"), blank=True, editable=False)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [
            models.Index(fields=["elder", "status", "assessed_on"], name="assessment_elder_status"),
            models.Index(fields=["status", "submitted_at"], name="assessment_status_submitted"),
        ]
        constraints = [
            # One assessment in progress per elder: approvals then happen in date order
            # and the elder's level always comes from the latest one.
            models.UniqueConstraint(
                fields=["elder"], condition=models.Q(status__in=list(OPEN_STATUSES)),
                name="assessment_one_open_per_elder",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AssessmentStatus.values),
                name="assessment_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=0, level__lte=4),
                name="assessment_level_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AssessmentStatus.APPROVED) | models.Q(level__isnull=False),
                name="assessment_approved_has_level",
            ),
        ]

    def __str__(self):
        return f"{self.elder.name} {self.assessed_on:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def scale_def(self) -> scales.engine.Scale:
        return scales.get(self.scale)

    @property
    def level_name(self) -> str:
        return "" if self.level is None else self.scale_def.level(self.level).name

    @property
    def registry_level(self) -> int | None:
        return None if self.level is None else self.scale_def.level(self.level).registry_level

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class AssessmentSchedule(models.Model):
    """When an elder's next assessment falls due: the interval after the last approved
    one, or sooner after a reported change of condition (maintained by services)."""

    elder = models.OneToOneField(Elder, models.CASCADE, primary_key=True,
                                 related_name="assessment_schedule", verbose_name=_("elder"))
    last_assessment = models.ForeignKey(Assessment, models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    last_assessed_on = models.DateField(_("last assessed"), null=True, blank=True)
    condition_changed_on = models.DateField(_("change of condition reported"), null=True,
                                            blank=True)
    condition_note = models.CharField(_("change of condition"), max_length=200, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    last_updated = models.DateTimeField(auto_now=True)

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "elder_id"]
        verbose_name = _("re-assessment schedule")
        verbose_name_plural = _("re-assessment schedules")

    def __str__(self):
        return f"{self.elder_id} due {self.due_on}"

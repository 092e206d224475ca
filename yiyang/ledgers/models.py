"""Ledger imports: the uploaded file's check, the user's decision and the write."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core.models import BaseModel
from yiyang.jobs.models import Job, JobStatus
from yiyang.ledgers.choices import BatchStatus, Decision, DuplicatePolicy
from yiyang.ledgers.querysets import ImportBatchQuerySet


class ImportBatch(BaseModel):
    """One uploaded ledger: checked by one job, written (or not) by another.

    The file and the rows found valid stay under YIYANG_FILES_DIR until the import
    is written or discarded."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                              verbose_name=_("uploaded by"))
    region_code = models.CharField(_("scope"), max_length=12)
    file_name = models.CharField(_("file"), max_length=200)
    file_size = models.PositiveBigIntegerField(_("size"), default=0)
    validate_job = models.ForeignKey(Job, models.SET_NULL, null=True, related_name="+")
    write_job = models.ForeignKey(Job, models.SET_NULL, null=True, blank=True, related_name="+")
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_faulty = models.PositiveIntegerField(_("rows with problems"), default=0)
    problems_count = models.PositiveIntegerField(_("problems"), default=0)
    registered_count = models.PositiveIntegerField(_("already registered"), default=0)
    columns = models.JSONField(_("columns found"), default=list, blank=True)
    staged_file = models.CharField(max_length=300, blank=True)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, blank=True)
    duplicate_policy = models.CharField(_("already registered"), max_length=8,
                                        choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP)
    decided_at = models.DateTimeField(null=True, blank=True)
    written_at = models.DateTimeField(_("written"), null=True, blank=True)
    # Set when retention removed the rows of an import nobody decided on (or whose
    # interrupted write was never run again): nothing of it can be written any more.
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("added"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        indexes = [models.Index(fields=["owner", "-created"], name="ledger_batch_owner")]

    def __str__(self):
        return f"{self.file_name} ({self.created:%Y-%m-%d %H:%M})"

    @property
    def status(self) -> str:
        if self.written_at:
            return BatchStatus.WRITTEN
        if self.expired_at:
            return BatchStatus.EXPIRED
        if self.decision == Decision.DISCARD:
            return BatchStatus.DISCARDED
        if self.write_job_id:
            return (BatchStatus.WRITE_FAILED if self.write_job.status == JobStatus.FAILED
                    else BatchStatus.WRITING)
        job = self.validate_job
        if job is None or job.is_active:
            return BatchStatus.CHECKING
        return BatchStatus.REJECTED if job.status == JobStatus.FAILED else BatchStatus.CHECKED

    def get_status_display(self) -> str:
        return BatchStatus(self.status).label

    @property
    def active_job(self) -> Job | None:
        for job in (self.write_job, self.validate_job):
            if job is not None and job.is_active:
                return job
        return None

    @property
    def may_write_all(self) -> bool:
        return self.status == BatchStatus.CHECKED and self.rows_faulty == 0 and self.rows_valid > 0

    @property
    def may_write_valid(self) -> bool:
        return self.status == BatchStatus.CHECKED and self.rows_valid > 0


class ImportProblem(models.Model):
    """One problem of one row (or of the file, row 0): compact, paged by (batch, row)."""

    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=60, blank=True)
    value = models.CharField(_("value"), max_length=120, blank=True)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        ordering = ["batch", "row", "id"]
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        indexes = [models.Index(fields=["batch", "row", "id"], name="ledger_problem_row")]

    def __str__(self):
        return f"{self.row} {self.column}: {self.reason}"

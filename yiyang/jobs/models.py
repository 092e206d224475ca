"""A background job as the person who started it sees it: what it is, where it
got to, and the file it produced. The queue itself is django_tasks'; this row is
the product's record (owner, progress, result) and outlives the queue entry."""

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _


def _files_storage():
    return FileSystemStorage(location=settings.YIYANG_FILES_DIR)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=60, db_index=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=40, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    input_file = models.FileField(storage=_files_storage, upload_to="jobs/in/%Y/%m/", blank=True)
    output_file = models.FileField(storage=_files_storage, upload_to="jobs/out/%Y/%m/", blank=True)
    output_name = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["owner", "kind", "-created"])]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self):
        return f"{self.kind} {self.id}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class DailyRun(models.Model):
    """The last local day a daily routine ran (yiyang.jobs.daily): claimed with one
    UPDATE so that two workers never run it twice on one day."""

    name = models.CharField(max_length=60, primary_key=True)
    last_day = models.DateField(null=True)
    last_result = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.name} {self.last_day}"

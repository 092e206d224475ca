from django.db import models
from django.utils.translation import gettext_lazy as _

REPORT_JOB = "dashboard_report"
SERIES_MONTHS_MAX = 36


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly report")
    SERIES = "series", _("Month by month")


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel (.xlsx)")
    PDF = "pdf", _("PDF")

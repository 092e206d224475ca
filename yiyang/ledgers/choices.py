from django.db import models
from django.utils.translation import gettext_lazy as _


class Decision(models.TextChoices):
    DISCARD = "discard", _("Write nothing")
    WRITE_ALL = "write_all", _("Write all rows")
    WRITE_VALID = "write_valid", _("Write only the valid rows")


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", _("Skip elders already registered")
    UPDATE = "update", _("Update the columns in the file for elders already registered")


class BatchStatus(models.TextChoices):
    """Where an import stands, derived from its jobs and decision (never stored)."""

    CHECKING = "checking", _("Checking")
    REJECTED = "rejected", _("File refused")
    CHECKED = "checked", _("Checked, waiting for your decision")
    DISCARDED = "discarded", _("Nothing written")
    WRITING = "writing", _("Writing")
    WRITE_FAILED = "write_failed", _("Writing interrupted, nothing written")
    WRITTEN = "written", _("Written")
    EXPIRED = "expired", _("Expired, nothing written")


class LedgerJob:
    VALIDATE = "ledger_validate"
    WRITE = "ledger_write"
    EXPORT = "ledger_export"

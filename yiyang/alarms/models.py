"""Devices in elders' homes, what they report, and the alarms people handle."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiyang.alarms.choices import (
    ActivityKind,
    AlarmStatus,
    AlarmType,
    Channel,
    DeviceKind,
    DeviceStatus,
    EventType,
    NotificationStatus,
    Outcome,
    RecipientKind,
    WorkItemKind,
    WorkItemStatus,
)
from yiyang.alarms.querysets import AlarmQuerySet, DeviceQuerySet, RegionScopedQuerySet
from yiyang.core import crypto
from yiyang.core.models import BaseModel, Region
from yiyang.elders.models import Elder
from yiyang.lib import masking

OPEN_STATUSES = (AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED)


class Device(BaseModel):
    """A device installed in an elder's home, with its own secret credential (only
    its SHA-256 is stored) and its latest reported state."""

    kind = models.CharField(_("type"), max_length=16, choices=DeviceKind.choices)
    vendor = models.CharField(_("vendor"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    serial = models.CharField(_("serial / IMEI"), max_length=40, unique=True)
    imei = models.CharField(_("IMEI"), max_length=20, blank=True)
    sim = models.CharField(_("SIM (ICCID or number)"), max_length=24, blank=True)
    elder = models.ForeignKey(Elder, models.PROTECT, related_name="devices", verbose_name=_("elder"))
    region = models.ForeignKey(Region, models.PROTECT, related_name="+",
                               verbose_name=_("village / community"))
    installer = models.CharField(_("installed by"), max_length=50, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DeviceStatus.choices,
                              default=DeviceStatus.ACTIVE)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("credential"), max_length=12, editable=False)
    last_seen_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    battery = models.PositiveSmallIntegerField(_("battery %"), null=True, blank=True)
    signal = models.SmallIntegerField(_("signal"), null=True, blank=True)
    last_motion_at = models.DateTimeField(_("last motion"), null=True, blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["region", "serial"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        indexes = [
            models.Index(fields=["region", "kind"], name="device_region_kind"),
            models.Index(fields=["status", "last_seen_at"], name="device_status_seen"),
            models.Index(fields=["elder", "kind"], name="device_elder_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.serial}"


class DeviceEvent(models.Model):
    """One event as the device sent it, stored before it is acknowledged. The
    device's own event id makes a resend a no-op."""

    device = models.ForeignKey(Device, models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=64)
    type = models.CharField(_("type"), max_length=16, choices=EventType.choices)
    occurred_at = models.DateTimeField(_("happened at"))
    received_at = models.DateTimeField(_("received at"))
    channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.HTTP)
    battery = models.PositiveSmallIntegerField(null=True, blank=True)
    location = models.JSONField(null=True, blank=True)
    extra = models.JSONField(null=True, blank=True)
    alarm = models.ForeignKey("Alarm", models.SET_NULL, null=True, blank=True, related_name="events")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        constraints = [
            models.UniqueConstraint(fields=["device", "event_id"], name="deviceevent_device_event_id"),
        ]
        indexes = [models.Index(fields=["device", "received_at"], name="deviceevent_device_time")]

    def __str__(self):
        return f"{self.device_id}:{self.event_id} {self.type}"


class Alarm(BaseModel):
    """An event that needs a person. Open until someone closes it with an outcome.

    At most one alarm of a kind is open per elder (a database constraint): repeated
    events join it. `seq` is the id of its latest activity, so a console asking for
    "everything since N" gets every alarm that changed after N.
    """

    type = models.CharField(_("type"), max_length=16, choices=AlarmType.choices)
    priority = models.PositiveSmallIntegerField(_("priority"))
    status = models.CharField(_("status"), max_length=12, choices=AlarmStatus.choices,
                              default=AlarmStatus.OPEN)
    elder = models.ForeignKey(Elder, models.PROTECT, related_name="alarms", verbose_name=_("elder"))
    device = models.ForeignKey(Device, models.SET_NULL, null=True, blank=True, related_name="alarms")
    region = models.ForeignKey(Region, models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("received at"), db_index=True)
    occurred_at = models.DateTimeField(_("happened at"))
    last_event_at = models.DateTimeField()
    event_count = models.PositiveIntegerField(default=1)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                        blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    close_note = models.TextField(_("note"), blank=True)
    responder_name = models.CharField(_("helper on the way"), max_length=50, blank=True)
    responder_accepted_at = models.DateTimeField(null=True, blank=True)
    responder_arrived_at = models.DateTimeField(null=True, blank=True)
    escalation_step = models.PositiveSmallIntegerField(default=0)
    seq = models.BigIntegerField(default=0, db_index=True)

    objects = AlarmQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "raised_at", "id"]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        indexes = [
            models.Index(fields=["status", "region", "priority", "raised_at"], name="alarm_queue"),
            models.Index(fields=["region", "raised_at"], name="alarm_region_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["elder", "type"], condition=Q(status__in=OPEN_STATUSES),
                                    name="alarm_one_open_per_elder_type"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_type_display()}"

    @property
    def is_open(self) -> bool:
        return self.status != AlarmStatus.CLOSED


class AlarmActivity(models.Model):
    """The alarm's timeline; its id is the sequence number consoles re-sync by."""

    alarm = models.ForeignKey(Alarm, models.CASCADE, related_name="activities")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=14, choices=ActivityKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField(max_length=60, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["alarm", "id"]
        verbose_name = _("alarm activity")
        verbose_name_plural = _("alarm activities")

    def __str__(self):
        return f"{self.alarm_id} {self.kind}"


class EscalationLadder(BaseModel):
    """A region's escalation rules (the nearest ancestor's apply below it)."""

    region = models.OneToOneField(Region, models.CASCADE, related_name="+", verbose_name=_("region"))
    ack_target_s = models.PositiveIntegerField(_("acknowledge within (s)"), default=60)
    neighbours_after_s = models.PositiveIntegerField(_("neighbours after (s)"), default=180)
    family_after_s = models.PositiveIntegerField(_("family after (s)"), default=300)
    supervisor_name = models.CharField(_("supervisor"), max_length=50, blank=True)
    supervisor_phone_enc = models.TextField(blank=True, editable=False)
    supervisor_phone_masked = models.CharField(max_length=20, blank=True, editable=False)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["region"]
        verbose_name = _("escalation ladder")
        verbose_name_plural = _("escalation ladders")

    def __str__(self):
        return f"{self.region_id}"

    def set_supervisor_phone(self, phone: str) -> None:
        self.supervisor_phone_enc = crypto.seal(phone)
        self.supervisor_phone_masked = masking.mask_phone(phone)

    @property
    def supervisor_phone(self) -> str:
        return crypto.unseal(self.supervisor_phone_enc)


class EscalationTimer(models.Model):
    """A due escalation step, kept in the database so it survives restarts. A
    runner claims it with a conditional UPDATE, in the same transaction as the
    step's work: a crash mid-step leaves it due again."""

    alarm = models.ForeignKey(Alarm, models.CASCADE, related_name="timers")
    step = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["alarm", "step"], name="escalationtimer_alarm_step"),
        ]
        indexes = [
            models.Index(fields=["done_at", "due_at"], name="escalationtimer_due"),
            # What the runners claim: only the pending timers, in due order (the table
            # keeps every alarm's done timers; without it PostgreSQL scanned them all).
            models.Index(fields=["due_at"], condition=Q(done_at__isnull=True),
                         name="escalationtimer_pending"),
        ]

    def __str__(self):
        return f"{self.alarm_id} step {self.step} at {self.due_at:%H:%M:%S}"


class Notification(models.Model):
    """A message to a person (outbox): sent by the gateway after commit, retried;
    neighbours and family get a token for the small phone page."""

    alarm = models.ForeignKey(Alarm, models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=12, choices=RecipientKind.choices)
    name = models.CharField(_("name"), max_length=60)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    token = models.CharField(max_length=43, unique=True)
    status = models.CharField(max_length=8, choices=NotificationStatus.choices,
                              default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["alarm", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["status", "id"], name="notification_outbox")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"

    def set_phone(self, phone: str) -> None:
        self.phone_enc = crypto.seal(phone)
        self.phone_masked = masking.mask_phone(phone) if phone else ""

    @property
    def phone(self) -> str:
        return crypto.unseal(self.phone_enc)


class DeviceWorkItem(BaseModel):
    """Maintenance for the community worker (a device offline, a battery low): not an
    emergency, never an alarm."""

    device = models.ForeignKey(Device, models.CASCADE, related_name="work_items")
    region = models.ForeignKey(Region, models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=WorkItemKind.choices)
    status = models.CharField(_("status"), max_length=6, choices=WorkItemStatus.choices,
                              default=WorkItemStatus.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("device work item")
        verbose_name_plural = _("device work items")
        constraints = [
            models.UniqueConstraint(fields=["device", "kind"], condition=Q(status="open"),
                                    name="workitem_one_open_per_device_kind"),
        ]
        indexes = [models.Index(fields=["status", "region"], name="workitem_status_region")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.device_id}"


class IntakeRejection(models.Model):
    """How many device requests were refused, per day and reason (counted in memory,
    written every few seconds)."""

    day = models.DateField()
    reason = models.CharField(max_length=24)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "reason"]
        constraints = [models.UniqueConstraint(fields=["day", "reason"], name="intakerejection_day_reason")]

    def __str__(self):
        return f"{self.day} {self.reason}={self.count}"

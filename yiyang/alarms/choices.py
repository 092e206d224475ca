from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    CALL_BUTTON = "call_button", _("4G one-key call button")
    MOTION = "motion", _("Infrared motion sensor")
    SMOKE = "smoke", _("Smoke detector")
    GAS = "gas", _("Gas detector")
    WATER = "water", _("Water leak sensor")
    DOOR = "door", _("Door sensor")
    FALL = "fall", _("Fall detector")


class DeviceStatus(models.TextChoices):
    ACTIVE = "active", _("Online")
    OFFLINE = "offline", _("Offline")
    RETIRED = "retired", _("Retired")


class EventType(models.TextChoices):
    """What a device may report (SCAIP statusCode, simplified)."""

    SOS = "sos", _("One-key call (SOS)")
    FALL = "fall", _("Fall detected")
    SMOKE = "smoke", _("Smoke")
    GAS = "gas", _("Gas leak")
    WATER = "water", _("Water leak")
    DOOR_OPEN = "door_open", _("Door opened")
    MOTION = "motion", _("Motion")
    HEARTBEAT = "heartbeat", _("Heartbeat")
    LOW_BATTERY = "low_battery", _("Low battery")
    TAMPER = "tamper", _("Tamper")


class AlarmType(models.TextChoices):
    SOS = "sos", _("One-key call (SOS)")
    FALL = "fall", _("Fall")
    SMOKE = "smoke", _("Smoke")
    GAS = "gas", _("Gas leak")
    WATER = "water", _("Water leak")
    DOOR_NIGHT = "door_night", _("Door opened at night")
    INACTIVITY = "inactivity", _("No movement for hours")


class AlarmStatus(models.TextChoices):
    OPEN = "open", _("Waiting")
    ACKNOWLEDGED = "acknowledged", _("Being handled")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    FALSE_ALARM = "false_alarm", _("False alarm")
    RESOLVED_BY_PHONE = "resolved_by_phone", _("Resolved by phone")
    HELPER_ATTENDED = "helper_attended", _("Helper attended")
    AMBULANCE = "ambulance", _("Ambulance called")
    FIRE_SERVICE = "fire_service", _("Fire service called")
    DECEASED = "deceased", _("Elder deceased")
    OTHER = "other", _("Other")


class ActivityKind(models.TextChoices):
    RAISED = "raised", _("Alarm raised")
    REPEATED = "repeated", _("Repeated event")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CALL = "call", _("Call attempt")
    DISPATCHED = "dispatched", _("Helper dispatched")
    NOTIFIED = "notified", _("Notified")
    ACCEPTED = "accepted", _("Accepted: on the way")
    ARRIVED = "arrived", _("Arrived")
    ESCALATED = "escalated", _("Escalated")
    CLOSED = "closed", _("Closed")


class CallResult(models.TextChoices):
    ANSWERED_OK = "answered_ok", _("Answered: all well")
    ANSWERED_HELP = "answered_help", _("Answered: needs help")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy / unreachable")


class RecipientKind(models.TextChoices):
    SUPERVISOR = "supervisor", _("Supervisor")
    WORKER = "worker", _("Community worker")
    NEIGHBOUR = "neighbour", _("Neighbour (mutual aid)")
    FAMILY = "family", _("Family")
    HELPER = "helper", _("Helper")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WorkItemKind(models.TextChoices):
    OFFLINE = "offline", _("Device offline")
    LOW_BATTERY = "low_battery", _("Low battery")


class WorkItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Channel(models.TextChoices):
    HTTP = "http", "HTTP"
    MQTT = "mqtt", "MQTT"
    SYSTEM = "system", _("System")

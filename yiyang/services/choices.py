from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The "six helps" (六助) and the rest."""

    MEAL = "meal", _("Meal help (助餐)")
    BATH = "bath", _("Bathing help (助浴)")
    CLEAN = "clean", _("Cleaning help (助洁)")
    EMERGENCY = "emergency", _("Emergency help (助急)")
    MEDICAL = "medical", _("Medical help (助医)")
    MOBILITY = "mobility", _("Walking and outings (助行)")
    OTHER = "other", _("Other services")


class Unit(models.TextChoices):
    VISIT = "visit", _("per visit")
    HOUR = "hour", _("per hour")
    MEAL = "meal", _("per meal")


class Skill(models.TextChoices):
    BATHING = "bathing", _("Bathing")
    CLEANING = "cleaning", _("Housekeeping")
    COOKING = "cooking", _("Cooking")
    NURSING = "nursing", _("Basic nursing")
    MEDICAL = "medical", _("Medical escort")
    HAIRCUT = "haircut", _("Haircut")
    ESCORT = "escort", _("Walking and errands")


class OrderStatus(models.TextChoices):
    CREATED = "created", _("Created")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Caregiver assigned")
    ON_THE_WAY = "on_the_way", _("On the way")
    IN_SERVICE = "in_service", _("In service")
    DONE = "done", _("Done")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (OrderStatus.CREATED, OrderStatus.ACCEPTED, OrderStatus.ASSIGNED,
                 OrderStatus.ON_THE_WAY, OrderStatus.IN_SERVICE)
DELIVERED_STATUSES = (OrderStatus.DONE, OrderStatus.CONFIRMED)


class Channel(models.TextChoices):
    PHONE = "phone", _("Telephone (call centre)")
    COMMUNITY = "community", _("Community worker")
    FAMILY = "family", _("Family member")
    PLAN = "plan", _("Care plan")
    API = "api", _("API")


class ConfirmMethod(models.TextChoices):
    CODE = "code", _("One-time code")
    SIGNATURE = "signature", _("Signature")


class Flag(models.IntegerChoices):
    """What the checks catch (paid hours that did not happen), as bits of Order.flags."""

    FAR_CHECKIN = 1, _("Checked in far from the elder's home")
    SHORT_VISIT = 2, _("Much shorter than the service's duration")
    OVERLAP = 4, _("Overlaps another visit of the same caregiver")
    CERTIFICATE = 8, _("Caregiver's certificate expired")
    NOT_CONFIRMED = 16, _("Not confirmed by the elder or family")


class ReviewStatus(models.TextChoices):
    NONE = "none", _("Not flagged")
    PENDING = "pending", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class SchemeBasis(models.TextChoices):
    HOURS = "hours", _("Hours per month")
    AMOUNT = "amount", _("Amount per month (¥)")


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved (locked)")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HANDLING = "handling", _("Being handled")
    CLOSED = "closed", _("Closed")

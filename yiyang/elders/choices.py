from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class EconomicStatus(models.TextChoices):
    NONE = "none", _("None")
    DIBAO = "dibao", _("Minimum living allowance (低保)")
    DIBIAN = "dibian", _("Near-dibao (低边)")
    TEKUN = "tekun", _("Extreme poverty support (特困)")


class LivingArrangement(models.TextChoices):
    WITH_FAMILY = "with_family", _("Lives with family")
    EMPTY_NEST = "empty_nest", _("Empty nest (空巢)")
    ALONE = "alone", _("Lives alone (独居)")
    INSTITUTION = "institution", _("In an institution")


class CapabilityLevel(models.IntegerChoices):
    """GB/T 42195-2022 levels; null means not assessed yet."""

    INTACT = 0, _("Capable (能力完好)")
    MILD = 1, _("Mildly disabled (轻度失能)")
    MODERATE = 2, _("Moderately disabled (中度失能)")
    SEVERE = 3, _("Severely disabled (重度失能)")
    TOTAL = 4, _("Totally disabled (完全失能)")


class ElderStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MOVED = "moved", _("Moved away")
    DECEASED = "deceased", _("Deceased")


class Category(models.TextChoices):
    """The groups bureaus count and filter by; an elder may be in several."""

    DIBAO = "dibao", _("低保")
    DIBIAN = "dibian", _("低边")
    TEKUN = "tekun", _("特困")
    SANLAO = "sanlao", _("三老")
    YOUFU = "youfu", _("优抚对象")
    JISHENG = "jisheng", _("计生特殊家庭")
    ALONE = "alone", _("独居")
    EMPTY_NEST = "empty_nest", _("空巢")
    GUGUA = "gugua", _("孤寡")
    LEFT_BEHIND = "left_behind", _("留守")
    AGED_80 = "aged_80", _("高龄 (80+)")
    CENTENARIAN = "centenarian", _("百岁老人 (100+)")
    DISABLED = "disabled", _("失能 (moderate or worse)")


class AgeBand(models.TextChoices):
    A60 = "60-69", _("60–69")
    A70 = "70-79", _("70–79")
    A80 = "80-89", _("80–89")
    A90 = "90-99", _("90–99")
    A100 = "100+", _("100 and over")


AGE_BAND_BOUNDS = {  # inclusive lower, exclusive upper age
    AgeBand.A60: (60, 70),
    AgeBand.A70: (70, 80),
    AgeBand.A80: (80, 90),
    AgeBand.A90: (90, 100),
    AgeBand.A100: (100, None),
}


class GrantKind(models.TextChoices):
    PROVIDER = "provider", _("Served by provider")
    CAREGIVER = "caregiver", _("Assigned caregiver")
    FAMILY = "family", _("Family member")
    VOLUNTEER = "volunteer", _("Assigned volunteer")


class Relation(models.TextChoices):
    SON = "son", _("Son")
    DAUGHTER = "daughter", _("Daughter")
    SPOUSE = "spouse", _("Spouse")
    RELATIVE = "relative", _("Other relative")
    NEIGHBOUR = "neighbour", _("Neighbour")
    OTHER = "other", _("Other")

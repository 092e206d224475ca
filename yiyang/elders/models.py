from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from yiyang.core import crypto
from yiyang.core.models import BaseModel, Organisation, Region
from yiyang.elders.choices import (
    CapabilityLevel,
    EconomicStatus,
    ElderStatus,
    GrantKind,
    LivingArrangement,
    Relation,
    Sex,
)
from yiyang.elders.querysets import ElderQuerySet
from yiyang.lib import masking
from yiyang.lib.chinese import name_grams, pinyin_initials

ID_KIND, PHONE_KIND = "id", "phone"
_CHOICE_LABELS: dict = {}  # field -> {value: lazy label}, for Elder.get_FOO_display()


class PersonalData(models.Model):
    """Sealed personal fields with a masked copy for display and a blind index."""

    class Meta:
        abstract = True

    def _seal_phone(self, phone: str, prefix: str = "phone") -> None:
        setattr(self, f"{prefix}_enc", crypto.seal(phone))
        setattr(self, f"{prefix}_hash", crypto.blind_index(PHONE_KIND, phone))
        setattr(self, f"{prefix}_masked", masking.mask_phone(phone))


class Elder(PersonalData, BaseModel):
    """A resident aged 60 or over: the registry's row (老年人基本数据库)."""

    name = models.CharField(_("name"), max_length=50)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, editable=False)
    name_grams = models.TextField(editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True, default="汉族")

    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=40, unique=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    address_enc = models.TextField(blank=True, editable=False)
    address_masked = models.CharField(_("address"), max_length=100, blank=True, editable=False)

    # No index of its own: the village indexes below lead with it (one index fewer to
    # write per new elder; see docs/ledgers.md).
    region = models.ForeignKey(Region, models.PROTECT, db_index=False,
                               verbose_name=_("village / community"))
    town_code = models.CharField(max_length=9, editable=False)
    county_code = models.CharField(max_length=6, editable=False)

    economic_status = models.CharField(
        _("economic status"), max_length=10, choices=EconomicStatus.choices,
        default=EconomicStatus.NONE,
    )
    living_arrangement = models.CharField(
        _("living arrangement"), max_length=12, choices=LivingArrangement.choices,
        default=LivingArrangement.WITH_FAMILY,
    )
    is_gugua = models.BooleanField(_("孤寡 (no spouse, no children)"), default=False)
    is_sanlao = models.BooleanField(_("三老"), default=False)
    is_youfu = models.BooleanField(_("优抚对象"), default=False)
    is_jisheng_special = models.BooleanField(_("计生特殊家庭"), default=False)
    is_left_behind = models.BooleanField(_("留守"), default=False)
    capability_level = models.PositiveSmallIntegerField(
        _("capability level"), choices=CapabilityLevel.choices, null=True, blank=True
    )

    status = models.CharField(
        _("status"), max_length=10, choices=ElderStatus.choices, default=ElderStatus.ACTIVE
    )
    status_date = models.DateField(_("status date"), null=True, blank=True)
    status_reason = models.CharField(_("status reason"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = ElderQuerySet.as_manager()

    class Meta:
        # By name in pinyin order (initials, then the characters): what Chinese users
        # expect. Each scope level has an index in that order, so a page is an index
        # range read in order, never a sort of the whole town or county.
        ordering = ["name_initials", "name", "id"]
        verbose_name = _("elder")
        verbose_name_plural = _("elders")
        indexes = [
            models.Index(fields=["town_code", "name_initials", "name", "id"],
                         name="elder_town_pinyin"),
            models.Index(fields=["county_code", "name_initials", "name", "id"],
                         name="elder_county_pinyin"),
            models.Index(fields=["region", "name_initials", "name", "id"],
                         name="elder_village_pinyin"),
            models.Index(fields=["name_initials", "name", "id"], name="elder_pinyin"),
            # One birth-date index for every level (it was one per county, town and
            # village: each cost a ledger import of 100,000 rows about a second on
            # PostgreSQL): the dashboard's exact age counts read half a birth year of it,
            # the scope a condition on its region column (stats._active_under).
            models.Index(fields=["status", "birth_date", "sex", "region"],
                         name="elder_birth_sex"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capability_level__isnull=True)
                | models.Q(capability_level__gte=0, capability_level__lte=4),
                name="elder_capability_level_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.id_number_masked})"

    # personal data ---------------------------------------------------------------
    def set_id_number(self, value: str) -> None:
        self.id_number_enc = crypto.seal(value)
        self.id_number_hash = crypto.blind_index(ID_KIND, value)
        self.id_number_masked = masking.mask_id_number(value)

    def set_phone(self, value: str) -> None:
        self._seal_phone(value)

    def set_address(self, value: str) -> None:
        self.address_enc = crypto.seal(value)
        self.address_masked = masking.mask_address(value)

    @property
    def id_number(self) -> str:
        return crypto.unseal(self.id_number_enc)

    @property
    def phone(self) -> str:
        return crypto.unseal(self.phone_enc)

    @property
    def address(self) -> str:
        return crypto.unseal(self.address_enc)

    def masked(self, field: str) -> str:
        return getattr(self, f"{field}_masked")

    def _get_FIELD_display(self, field):
        # Django's version rebuilds a dict of the field's choices, hashing every lazy
        # label, on each call (about 0.1 ms): the list page calls it 150 times.
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value: Django's general path
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)

    # derived columns -------------------------------------------------------------
    def refresh_derived(self) -> None:
        self.name = self.name.strip()
        self.name_initials = pinyin_initials(self.name)
        self.name_grams = name_grams(self.name)
        self.town_code = self.region_id[:9]
        self.county_code = self.region_id[:6]

    def age_on(self, day: dt.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(dt.date.today())

    @property
    def is_active(self) -> bool:
        return self.status == ElderStatus.ACTIVE

    def categories(self) -> list[str]:
        from yiyang.elders.categories import categories_of

        return categories_of(self)


class EmergencyContact(PersonalData, BaseModel):
    """Who to call for an elder, in order."""

    elder = models.ForeignKey(Elder, models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    phone_enc = models.TextField(editable=False)
    phone_hash = models.CharField(max_length=40, editable=False, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False)
    position = models.PositiveSmallIntegerField(_("order"), default=1)

    class Meta:
        ordering = ["elder", "position", "id"]
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")

    def __str__(self):
        return f"{self.name} ({self.get_relation_display()})"

    def set_phone(self, value: str) -> None:
        self._seal_phone(value)

    @property
    def phone(self) -> str:
        return crypto.unseal(self.phone_enc)


class ElderGrant(BaseModel):
    """Access to one elder outside the region roles: the provider serving them, an
    assigned caregiver or volunteer, a family member."""

    elder = models.ForeignKey(Elder, models.CASCADE, related_name="grants")
    kind = models.CharField(_("kind"), max_length=12, choices=GrantKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="elder_grants"
    )
    organisation = models.ForeignKey(
        Organisation, models.CASCADE, null=True, blank=True, related_name="elder_grants"
    )

    class Meta:
        ordering = ["elder", "kind"]
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        indexes = [
            models.Index(fields=["user", "elder"], name="grant_user_elder"),
            models.Index(fields=["organisation", "elder"], name="grant_org_elder"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(organisation__isnull=False),
                name="grant_has_holder",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.user or self.organisation} → {self.elder_id}"


class ElderCount(models.Model):
    """Pre-aggregated counts of active elders per village and key (e.g. "econ:dibao",
    "sby:F:1946"), kept in step by elders.stats on every write, so county counts read a
    few thousand rows instead of a million."""

    region = models.ForeignKey(Region, models.CASCADE, db_constraint=False, db_index=False)
    key = models.CharField(max_length=24)
    count = models.IntegerField(default=0)

    class Meta:
        ordering = ["region", "key"]
        verbose_name = _("elder count")
        constraints = [
            models.UniqueConstraint(fields=["region", "key"], name="eldercount_region_key"),
        ]
        indexes = [
            # Covering for stats.key_totals (sum of count by key over a code range): an
            # index-only read instead of one table lookup per village and key. In key
            # order, a county's sums need no sort (SQLite skip-scans it for a town once
            # ANALYZE has run); in region order, a village or town without statistics.
            models.Index(fields=["key", "region", "count"], name="eldercount_key_cover"),
            models.Index(fields=["region", "key", "count"], name="eldercount_region_cover"),
        ]

    def __str__(self):
        return f"{self.region_id} {self.key}={self.count}"

"""Home-care services (居家上门服务): catalogue, providers and caregivers, entitlements,
orders with their visit, ratings and complaints, monthly settlement.

One Order row is one visit: what was asked (items, window, provider), who does it,
what happened on site (check-in/out with position, log, confirmation), what the
checks found and the bureau decided, and which settlement paid it. Keeping the visit
on the order keeps the checks and the settlement to single-table scans.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core.models import BaseModel, Organisation, Region, SealedPhone
from yiyang.elders.models import Elder
from yiyang.services.choices import (
    Category,
    Channel,
    ComplaintStatus,
    ConfirmMethod,
    Flag,
    OrderStatus,
    ReviewStatus,
    SchemeBasis,
    SettlementStatus,
    Unit,
)
from yiyang.services.querysets import OrderQuerySet

ZERO = Decimal("0.00")


def _files_storage():
    return FileSystemStorage(location=settings.YIYANG_FILES_DIR)


class ServiceItem(BaseModel):
    """One item of a county's catalogue (e.g. 助浴 · 上门助浴, per visit, 60 min, ¥80)."""

    county = models.ForeignKey(Region, models.PROTECT, verbose_name=_("county"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    standard_minutes = models.PositiveSmallIntegerField(_("standard duration (minutes)"))
    price = models.DecimalField(_("price (¥)"), max_digits=8, decimal_places=2)
    skills = models.JSONField(_("skills needed"), default=list, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["county", "category", "code"]
        verbose_name = _("service item")
        verbose_name_plural = _("service catalogue")
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="serviceitem_county_code"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="serviceitem_price_positive"),
            models.CheckConstraint(condition=models.Q(standard_minutes__gt=0),
                                   name="serviceitem_minutes_positive"),
        ]

    def __str__(self):
        return self.name


class ProviderProfile(BaseModel):
    """What home care needs to know about a provider organisation: its base (for the
    nearest-provider suggestion) and the area it serves (a region code prefix)."""

    organisation = models.OneToOneField(Organisation, models.CASCADE, primary_key=True,
                                        related_name="service_profile", verbose_name=_("provider"))
    area = models.ForeignKey(Region, models.PROTECT, verbose_name=_("service area"))
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=100, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("provider profile")
        verbose_name_plural = _("provider profiles")

    def __str__(self):
        return str(self.organisation)

    def serves(self, region_code: str) -> bool:
        return self.area.contains(region_code)


class ProviderOffer(BaseModel):
    """A provider offers a catalogue item, at its own contracted price."""

    provider = models.ForeignKey(Organisation, models.CASCADE, related_name="service_offers",
                                 verbose_name=_("provider"))
    item = models.ForeignKey(ServiceItem, models.CASCADE, related_name="offers",
                             verbose_name=_("service item"))
    price = models.DecimalField(_("price (¥)"), max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["provider", "item"]
        verbose_name = _("provider offer")
        verbose_name_plural = _("provider offers")
        constraints = [
            models.UniqueConstraint(fields=["provider", "item"], name="provideroffer_unique"),
        ]

    def __str__(self):
        return f"{self.provider} · {self.item} ¥{self.price}"


class Caregiver(BaseModel, SealedPhone):
    """A caregiver (护理员) of a provider, maybe with a login (role caregiver)."""

    provider = models.ForeignKey(Organisation, models.PROTECT, related_name="caregivers",
                                 verbose_name=_("provider"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                related_name="caregiver", verbose_name=_("login"))
    name = models.CharField(_("name"), max_length=50)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    home_lat = models.FloatField(_("home base latitude"), null=True, blank=True)
    home_lng = models.FloatField(_("home base longitude"), null=True, blank=True)
    home_address = models.CharField(_("home base"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["provider", "name", "id"]
        verbose_name = _("caregiver")
        verbose_name_plural = _("caregivers")

    def __str__(self):
        return self.name


class Certificate(BaseModel):
    """A caregiver's certificate (养老护理员职业技能等级证书, 健康证…) and its expiry."""

    caregiver = models.ForeignKey(Caregiver, models.CASCADE, related_name="certificates",
                                  verbose_name=_("caregiver"))
    name = models.CharField(_("certificate"), max_length=60)
    number = models.CharField(_("number"), max_length=40, blank=True)
    expires_on = models.DateField(_("valid until"))

    class Meta:
        ordering = ["caregiver", "-expires_on"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [models.Index(fields=["caregiver", "expires_on"], name="certificate_expiry")]

    def __str__(self):
        return f"{self.name} ({self.expires_on:%Y-%m-%d})"


class ElderHome(BaseModel):
    """Where an elder lives, as coordinates (for the check-in distance and the map link),
    and what a caregiver must know before going in (needs, risks)."""

    elder = models.OneToOneField(Elder, models.CASCADE, primary_key=True, related_name="home",
                                 verbose_name=_("elder"))
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    care_notes = models.CharField(_("needs and risks"), max_length=300, blank=True)

    class Meta:
        ordering = ["elder"]
        verbose_name = _("elder's home")
        verbose_name_plural = _("elders' homes")

    def __str__(self):
        return f"{self.elder_id} ({self.lat:.5f}, {self.lng:.5f})"


class Scheme(BaseModel):
    """A government-purchased service scheme (政府购买服务): who is eligible, from the
    registry and the capability level, and what they get each month."""

    county = models.ForeignKey(Region, models.PROTECT, verbose_name=_("county"))
    name = models.CharField(_("name"), max_length=80)
    economic_statuses = models.JSONField(_("economic statuses"), default=list, blank=True,
                                         help_text=_("Any of these; empty: anyone."))
    min_capability_level = models.PositiveSmallIntegerField(_("capability level at least"),
                                                            null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("age at least"), null=True, blank=True)
    basis = models.CharField(_("quota in"), max_length=8, choices=SchemeBasis.choices)
    monthly_quota = models.DecimalField(_("monthly quota"), max_digits=8, decimal_places=2)
    categories = models.JSONField(_("service categories covered"), default=list, blank=True,
                                  help_text=_("Empty: every category."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["county", "name"]
        verbose_name = _("entitlement scheme")
        verbose_name_plural = _("entitlement schemes")
        constraints = [
            models.CheckConstraint(condition=models.Q(monthly_quota__gt=0), name="scheme_quota_positive"),
        ]

    def __str__(self):
        return self.name

    def covers(self, category: str) -> bool:
        return not self.categories or category in self.categories


class Entitlement(BaseModel):
    """An elder's place in a scheme, from eligibility (active until no longer eligible)."""

    elder = models.ForeignKey(Elder, models.CASCADE, related_name="entitlements",
                              verbose_name=_("elder"))
    scheme = models.ForeignKey(Scheme, models.CASCADE, related_name="entitlements",
                               verbose_name=_("scheme"))
    active = models.BooleanField(_("active"), default=True)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    region_code = models.CharField(max_length=12, editable=False)

    class Meta:
        ordering = ["scheme", "elder"]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "elder"], name="entitlement_unique"),
        ]
        indexes = [models.Index(fields=["elder", "active"], name="entitlement_elder"),
                   models.Index(fields=["region_code", "active"], name="entitlement_region")]

    def __str__(self):
        return f"{self.scheme} → {self.elder_id}"


class CarePlan(BaseModel):
    """A recurring order (e.g. a bath every Tuesday 9–11) that makes one order per week day."""

    elder = models.ForeignKey(Elder, models.CASCADE, related_name="care_plans",
                              verbose_name=_("elder"))
    provider = models.ForeignKey(Organisation, models.PROTECT, related_name="care_plans",
                                 verbose_name=_("provider"))
    item = models.ForeignKey(ServiceItem, models.PROTECT, verbose_name=_("service item"))
    quantity = models.DecimalField(_("quantity"), max_digits=6, decimal_places=2, default=1)
    weekdays = models.JSONField(_("week days"), default=list,
                                help_text=_("0 = Monday … 6 = Sunday"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    caregiver = models.ForeignKey(Caregiver, models.SET_NULL, null=True, blank=True,
                                  verbose_name=_("usual caregiver"))
    generated_until = models.DateField(null=True, blank=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", editable=False)
    region_code = models.CharField(max_length=12, editable=False)

    class Meta:
        ordering = ["elder", "id"]
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")

    def __str__(self):
        return f"{self.item} · {self.elder_id}"


class Settlement(BaseModel):
    """One provider's month (结算): the payable visits, split into government-paid and
    self-paid; locked once the bureau approves it."""

    provider = models.ForeignKey(Organisation, models.PROTECT, related_name="settlements",
                                 verbose_name=_("provider"))
    county = models.ForeignKey(Region, models.PROTECT, verbose_name=_("county"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    status = models.CharField(_("status"), max_length=10, choices=SettlementStatus.choices,
                              default=SettlementStatus.DRAFT)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    hours = models.DecimalField(_("hours"), max_digits=10, decimal_places=2, default=ZERO)
    gov_amount = models.DecimalField(_("government-paid (¥)"), max_digits=12, decimal_places=2,
                                     default=ZERO)
    self_amount = models.DecimalField(_("self-paid (¥)"), max_digits=12, decimal_places=2,
                                      default=ZERO)
    rejected = models.PositiveIntegerField(_("rejected visits"), default=0)
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "provider"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="settlement_provider_month"),
        ]

    def __str__(self):
        return f"{self.provider} {self.month:%Y-%m}"

    @property
    def total(self):
        return self.gov_amount + self.self_amount

    @property
    def is_locked(self) -> bool:
        return self.status == SettlementStatus.APPROVED


class Order(BaseModel):
    """A service order and its visit (点单式服务工单)."""

    # Foreign keys led by a composite index below carry no index of their own: every
    # index is rewritten when a visit changes, and a county has 1.5 M visits a year.
    elder = models.ForeignKey(Elder, models.PROTECT, related_name="service_orders",
                              verbose_name=_("elder"), db_index=False)
    region_code = models.CharField(max_length=12, editable=False)
    town_code = models.CharField(max_length=9, editable=False)
    county_code = models.CharField(max_length=6, editable=False)
    provider = models.ForeignKey(Organisation, models.PROTECT, related_name="service_orders",
                                 verbose_name=_("provider"), db_index=False)
    caregiver = models.ForeignKey(Caregiver, models.PROTECT, null=True, blank=True,
                                  related_name="orders", verbose_name=_("caregiver"), db_index=False)
    plan = models.ForeignKey(CarePlan, models.SET_NULL, null=True, blank=True, related_name="orders",
                             verbose_name=_("care plan"), db_index=False)
    entitlement = models.ForeignKey(Entitlement, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("entitlement"), db_index=False)
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices,
                              default=OrderStatus.CREATED)
    channel = models.CharField(_("ordered through"), max_length=10, choices=Channel.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("ordered by"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    service_date = models.DateField(_("service date"))
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("to"))
    planned_minutes = models.PositiveIntegerField(_("planned minutes"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    total_amount = models.DecimalField(_("amount (¥)"), max_digits=10, decimal_places=2)
    gov_hours = models.DecimalField(_("government-paid hours"), max_digits=6, decimal_places=2,
                                    default=ZERO)
    gov_amount = models.DecimalField(_("government-paid (¥)"), max_digits=10, decimal_places=2,
                                     default=ZERO)
    self_amount = models.DecimalField(_("self-paid (¥)"), max_digits=10, decimal_places=2,
                                      default=ZERO)

    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    on_way_at = models.DateTimeField(_("set out"), null=True, blank=True)
    checkin_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checkin_lat = models.FloatField(null=True, blank=True)
    checkin_lng = models.FloatField(null=True, blank=True)
    checkin_accuracy_m = models.FloatField(null=True, blank=True)
    checkin_distance_m = models.PositiveIntegerField(_("check-in distance (m)"), null=True, blank=True)
    checkout_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    checkout_lat = models.FloatField(null=True, blank=True)
    checkout_lng = models.FloatField(null=True, blank=True)
    actual_minutes = models.PositiveIntegerField(_("minutes on site"), null=True, blank=True)
    log_items = models.JSONField(_("items done"), default=list, blank=True)
    log_notes = models.TextField(_("service notes"), blank=True)

    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_expires = models.DateTimeField(null=True, blank=True, editable=False)
    code_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirm_method = models.CharField(_("confirmed by"), max_length=10, blank=True,
                                      choices=ConfirmMethod.choices)
    signature = models.TextField(blank=True, editable=False)

    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    flags = models.PositiveSmallIntegerField(_("checks"), default=0)
    review_status = models.CharField(_("review"), max_length=10, choices=ReviewStatus.choices,
                                     default=ReviewStatus.NONE)
    review_reason = models.CharField(_("review reason"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-window_start", "-id"]
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        indexes = [
            # A list in one scope, newest first, is a backward walk of one of these
            # (equality on the scope's column, then window_start), never a sort.
            models.Index(fields=["region_code", "window_start"], name="order_region_start"),
            models.Index(fields=["town_code", "window_start"], name="order_town_start"),
            models.Index(fields=["county_code", "window_start"], name="order_county_start"),
            models.Index(fields=["county_code", "status", "window_start"], name="order_county_status"),
            models.Index(fields=["provider", "service_date", "status"], name="order_provider_date"),
            models.Index(fields=["provider", "window_start"], name="order_provider_start"),
            models.Index(fields=["caregiver", "service_date", "window_start"], name="order_caregiver_day"),
            models.Index(fields=["caregiver", "checkin_at"], name="order_caregiver_checkin"),
            models.Index(fields=["elder", "service_date"], name="order_elder_date"),
            models.Index(fields=["service_date", "review_status"], name="order_date_review"),
            models.Index(fields=["entitlement", "service_date"], name="order_entitlement_date"),
            models.Index(fields=["plan", "service_date"], name="order_plan_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(window_end__gt=models.F("window_start")),
                                   name="order_window_ordered"),
            models.CheckConstraint(
                condition=models.Q(checkout_at__isnull=True)
                | models.Q(checkin_at__isnull=False, checkout_at__gte=models.F("checkin_at")),
                name="order_checkout_after_checkin"),
            models.CheckConstraint(condition=models.Q(status__in=OrderStatus.values),
                                   name="order_status_valid"),
            models.CheckConstraint(condition=models.Q(gov_amount__gte=0, self_amount__gte=0),
                                   name="order_amounts_positive"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.window_start:%Y-%m-%d %H:%M}"

    @property
    def flag_list(self) -> list[Flag]:
        return [flag for flag in Flag if self.flags & flag]

    @property
    def settlement(self) -> Settlement | None:
        """The settlement that paid this visit (through SettledVisit), if any."""
        settled = getattr(self, "settled", None)
        return settled.settlement if settled is not None else None

    @property
    def is_open(self) -> bool:
        from yiyang.services.choices import OPEN_STATUSES

        return self.status in OPEN_STATUSES


class SettledVisit(models.Model):
    """A visit paid by a settlement. The order is the primary key, so a visit is
    settled once; kept beside the order (not a column of it) so linking a month's
    100,000 visits inserts narrow rows instead of rewriting wide, much-indexed ones."""

    order = models.OneToOneField(Order, models.CASCADE, primary_key=True, related_name="settled",
                                 verbose_name=_("order"))
    settlement = models.ForeignKey(Settlement, models.PROTECT, related_name="settled_visits",
                                   verbose_name=_("settlement"))

    class Meta:
        ordering = ["settlement", "order"]
        verbose_name = _("settled visit")
        verbose_name_plural = _("settled visits")

    def __str__(self):
        return f"{self.order_id} → {self.settlement_id}"


class OrderItem(models.Model):
    """A line of an order: an item, how many (visits, hours, meals), at which price."""

    order = models.ForeignKey(Order, models.CASCADE, related_name="lines", verbose_name=_("order"))
    item = models.ForeignKey(ServiceItem, models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), max_digits=6, decimal_places=2)
    unit_price = models.DecimalField(_("unit price (¥)"), max_digits=8, decimal_places=2)
    amount = models.DecimalField(_("amount (¥)"), max_digits=10, decimal_places=2)
    minutes = models.PositiveIntegerField(_("minutes"))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self):
        return f"{self.item} × {self.quantity}"


class VisitPhoto(models.Model):
    """A photo taken on a visit (before/after), kept private, served through a scoped view."""

    order = models.ForeignKey(Order, models.CASCADE, related_name="photos")
    image = models.FileField(storage=_files_storage, upload_to="services/photos/%Y/%m/")
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self):
        return self.image.name


class Rating(BaseModel):
    """The elder's or family's rating of one visit (满意度)."""

    order = models.OneToOneField(Order, models.CASCADE, related_name="rating",
                                 verbose_name=_("order"))
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 related_name="+", verbose_name=_("rated by"))
    provider = models.ForeignKey(Organisation, models.PROTECT, related_name="+", editable=False)
    caregiver = models.ForeignKey(Caregiver, models.SET_NULL, null=True, related_name="ratings",
                                  editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_range"),
        ]
        indexes = [models.Index(fields=["provider", "score"], name="rating_provider"),
                   models.Index(fields=["caregiver", "score"], name="rating_caregiver")]

    def __str__(self):
        return f"{self.order_id}: {self.score}"


class Complaint(BaseModel):
    """A complaint about a visit: a case the bureau follows to closure."""

    order = models.ForeignKey(Order, models.CASCADE, related_name="complaints",
                              verbose_name=_("order"))
    text = models.TextField(_("complaint"))
    status = models.CharField(_("status"), max_length=10, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.OPEN)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 related_name="+", verbose_name=_("filed by"))
    notes = models.TextField(_("follow-up notes"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name=_("closed by"))
    region_code = models.CharField(max_length=12, editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["region_code", "status"], name="complaint_region_status")]

    def __str__(self):
        return f"{self.order_id}: {self.get_status_display()}"


class ServiceDay(models.Model):
    """Pre-aggregated figures per village and service day (for the dashboard), kept
    by stats.refresh() from the orders after every change of one of them."""

    day = models.DateField()
    region_code = models.CharField(max_length=12)
    orders = models.IntegerField(default=0)
    minutes = models.IntegerField(default=0)
    flagged = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    ratings = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)

    class Meta:
        ordering = ["day", "region_code"]
        verbose_name = _("service day figures")
        constraints = [
            models.UniqueConstraint(fields=["day", "region_code"], name="serviceday_unique"),
        ]
        indexes = [models.Index(fields=["region_code", "day"], name="serviceday_region")]

    def __str__(self):
        return f"{self.day} {self.region_code}"


__all__ = [
    "CarePlan", "Caregiver", "Certificate", "Complaint", "ElderHome", "Entitlement", "Order",
    "OrderItem", "ProviderOffer", "ProviderProfile", "Rating", "Scheme", "ServiceDay",
    "ServiceItem", "SettledVisit", "Settlement", "Unit", "VisitPhoto",
]

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiyang.core import crypto
from yiyang.core.choices import AuditAction, OrganisationKind, RegionLevel, Role
from yiyang.lib import masking

PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.VILLAGE: 12,
}


class BaseModel(models.Model):
    """Timestamps shared by every domain model."""

    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_updated = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        abstract = True


class RegionQuerySet(models.QuerySet):
    def within(self, prefix: str):
        """Regions whose code starts with prefix, as an index range (no LIKE)."""
        return self.filter(code__gte=prefix, code__lt=prefix_upper_bound(prefix))

    def children_of(self, region: Region | None):
        return self.filter(parent=region)


def prefix_upper_bound(prefix: str) -> str:
    """The smallest code greater than every code that starts with prefix."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\uffff"


class Region(BaseModel):
    """A division by its 12-digit statistical code (NBS 统计用区划代码)."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )
    population = models.PositiveIntegerField(
        _("resident population"), null=True, blank=True,
        help_text=_("All residents, for the ageing rate."),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["parent", "code"], name="region_parent_code")]

    def __str__(self):
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)

    def ancestors(self) -> list[Region]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class Organisation(BaseModel):
    """A bureau, a service provider (服务机构) or a call centre."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name=_("region"))
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class SealedPhone(models.Model):
    """A person's phone number, personal data like an elder's: sealed at rest (AES-GCM),
    shown masked, revealed only on purpose."""

    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)

    class Meta:
        abstract = True

    def set_phone(self, phone: str) -> None:
        self.phone_enc = crypto.seal(phone) if phone else ""
        self.phone_masked = masking.mask_phone(phone) if phone else ""

    @property
    def phone(self) -> str:
        return crypto.unseal(self.phone_enc) if self.phone_enc else ""


class User(AbstractUser, SealedPhone):
    """A person who logs in: one role, one region scope, maybe one organisation."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    scope_region = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, verbose_name=_("scope"),
        help_text=_("The region this user works in; they see nothing outside it."),
    )
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, verbose_name=_("organisation")
    )
    # Set by an administrator's create or reset (accounts.services): until the person
    # chooses their own password, every page leads to 我的账号 (accounts.middleware).
    password_is_temporary = models.BooleanField(_("temporary password"), default=False)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def scope_prefix(self) -> str | None:
        return self.scope_region.prefix if self.scope_region_id else None


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")


class AuditLog(models.Model):
    """Append-only record of logins, changes, reveals and exports (等保 安全审计).

    Besides refusing update/delete here, database triggers refuse them too
    (see migration core.0002).
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False,
        db_index=False, verbose_name=_("user"),  # audit_actor leads with it
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    region_code = models.CharField(_("region code"), max_length=12, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=32, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object"),
            models.Index(fields=["actor", "at"], name="audit_actor"),
            models.Index(fields=["action", "at"], name="audit_action"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60, default="api")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(_("expires"))
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, *, days: int = 30, name: str = "api") -> tuple[ApiToken, str]:
        key = "yy_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_hash=cls.hash_key(key), prefix=key[:8],
            expires=timezone.now() + timezone.timedelta(days=days),
        )
        return token, key

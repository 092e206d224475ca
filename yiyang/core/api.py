"""Token authentication and the auth/region endpoints of the REST API."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from yiyang.core import audit, scoping
from yiyang.core.choices import AuditAction
from yiyang.core.models import ApiToken, Region
from yiyang.elders import stats


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user", "user__scope_region")
            .filter(key_hash=ApiToken.hash_key(token), expires__gt=timezone.now())
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used=timezone.now())
        request.user = row.user
        return row.user


router = Router(tags=["auth and regions"])


class InvalidInput(Exception):
    """Raised with {field: [messages]}; answered as 400 JSON by yiyang.api."""

    def __init__(self, errors: dict):
        super().__init__("invalid input")
        self.errors = errors


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires: str


@router.post("/auth/token", auth=None, response=TokenOut)
def issue_token(request, credentials: Credentials):
    """Exchange a username and password for a bearer token (30 days)."""
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if getattr(request, "axes_locked_out", False):
        raise HttpError(429, "Too many failed logins; try again later.")
    if user is None:
        raise HttpError(401, "Wrong username or password.")
    token, key = ApiToken.issue(user)
    audit.record(AuditAction.TOKEN, actor=user, detail=token.prefix)
    return {"token": key, "expires": token.expires.isoformat()}


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None
    elders: int | None = None


def _region_out(region: Region, count: int | None) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level,
            "parent": region.parent_id, "elders": count}


@router.get("/regions", response=list[RegionOut])
def list_regions(request, parent: str | None = None):
    """Children of a region (default: the user's scope root), with active elder counts."""
    user = request.auth
    regions = scoping.visible_regions(user)
    root = get_object_or_404(regions, code=parent or user.scope_region_id)
    children = list(regions.children_of(root))
    totals = stats.child_totals(root, children) if scoping.is_region_scoped(user) else {}
    return [_region_out(child, totals.get(child.code)) for child in children]


@router.get("/regions/{code}", response=RegionOut)
def get_region(request, code: str):
    region = get_object_or_404(scoping.visible_regions(request.auth), code=code)
    count = sum(stats.village_totals(region.prefix).values()) if scoping.is_region_scoped(
        request.auth) else None
    return _region_out(region, count)

"""Reading accounts for the account pages."""

from __future__ import annotations

from django.db.models import Q

from yiyang.accounts.services import manageable


def account_list(actor, *, q: str = "", role: str = "", active: str = ""):
    rows = manageable(actor).select_related("scope_region", "organisation").order_by("username")
    if q := q.strip():
        rows = rows.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    if role:
        rows = rows.filter(role=role)
    if active in ("1", "0"):
        rows = rows.filter(is_active=active == "1")
    return rows

"""Writing the append-only audit log. Services call record(); nothing updates it."""

from __future__ import annotations

from yiyang.core.context import current_request
from yiyang.core.models import AuditLog


def record(
    action: str,
    *,
    actor=None,
    obj=None,
    changes: dict | None = None,
    detail: str = "",
    region_code: str = "",
    actor_name: str = "",
) -> AuditLog:
    context = current_request.get()
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor_name or (actor.get_username() if actor is not None else ""),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        region_code=region_code or getattr(obj, "region_id", "") or "",
        changes=changes or {},
        detail=detail[:500],
        ip_address=context.ip_address if context else None,
        request_id=context.request_id if context else "",
    )


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose values differ."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }

"""The current request, for audit entries written deep inside services."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None


current_request: ContextVar[RequestContext | None] = ContextVar("current_request", default=None)


def client_ip(request) -> str | None:
    # Behind a proxy, configure it to set REMOTE_ADDR (uvicorn --proxy-headers).
    return request.META.get("REMOTE_ADDR") or None

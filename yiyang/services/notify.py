"""Sending text messages (the confirmation code to the family phone), pluggable.

The default "log" backend sends nothing: it writes what would be sent to the
`yiyang.services.notify` logger and keeps the last messages in SENT (tests and the
demo read them). A deployment plugs in its SMS gateway by naming a callable
`module:function(phone, text)` in YIYANG_SERVICES_NOTIFY_BACKEND.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from importlib import import_module

from django.utils import timezone

from yiyang.services.conf import conf

log = logging.getLogger(__name__)
SENT: deque = deque(maxlen=200)


@dataclass(frozen=True)
class Message:
    phone: str
    text: str
    at: object


def send_text(phone: str, text: str) -> None:
    backend = conf().notify_backend
    if backend == "log":
        SENT.append(Message(phone=phone, text=text, at=timezone.now()))
        log.warning("text message to %s: %s", phone, text)
        return
    module, _, function = backend.partition(":")
    getattr(import_module(module), function)(phone, text)


def last_to(phone: str) -> Message | None:
    """The latest message the log backend kept for this phone."""
    for message in reversed(SENT):
        if message.phone == phone:
            return message
    return None

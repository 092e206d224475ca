"""Where notifications go: a pluggable gateway (YIYANG_NOTIFY_BACKEND).

"log" writes each message to the log (the demo); "webhook" POSTs it as JSON to
YIYANG_NOTIFY_WEBHOOK_URL, the adapter of a real SMS or voice provider.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import asdict, dataclass

from yiyang.alarms import conf

log = logging.getLogger("yiyang.alarms.notify")


@dataclass
class Message:
    to: str
    name: str
    kind: str
    text: str
    link: str
    alarm: int


class GatewayError(Exception):
    pass


class LogGateway:
    def send(self, message: Message) -> None:
        log.warning("notify %s %s (%s): %s", message.kind, message.name, message.to or "-", message.text)


class WebhookGateway:
    def __init__(self, url: str, timeout: float):
        if not url:
            raise GatewayError("YIYANG_NOTIFY_WEBHOOK_URL is not set")
        self.url, self.timeout = url, timeout

    def send(self, message: Message) -> None:
        body = json.dumps(asdict(message), ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if not 200 <= response.status < 300:
                    raise GatewayError(f"HTTP {response.status}")
        except OSError as exc:
            raise GatewayError(str(exc)[:200]) from exc


def gateway(backend: str | None = None):
    backend = backend or conf.NOTIFY_BACKEND
    if backend == "webhook":
        return WebhookGateway(conf.NOTIFY_WEBHOOK_URL, conf.NOTIFY_WEBHOOK_TIMEOUT_S)
    return LogGateway()

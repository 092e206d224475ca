"""A small asyncio HTTP/1.1 client with keep-alive, for the device simulator and the
benchmark (thousands of requests a second without a client library)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, body: dict, headers: dict, timeout: float = 10) -> tuple[int, dict]:
        """POST and read the answer; reconnects once if the kept-alive socket was closed."""
        payload = json.dumps(body).encode()
        for attempt in (1, 2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                head = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                        "Content-Type: application/json", f"Content-Length: {len(payload)}",
                        *(f"{k}: {v}" for k, v in headers.items())]
                self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
                return await asyncio.wait_for(self._read(), timeout)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
        raise ConnectionError("unreachable")

    async def _read(self) -> tuple[int, dict]:
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        try:
            return status, json.loads(body) if body else {}
        except ValueError:
            return status, {}

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def split_base(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80

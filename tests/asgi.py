"""Yiyang's real ASGI application served by uvicorn in a thread, for tests that need
what only the server does (WebSockets, lifespan, ASGI streaming). The test database
must be a file (or PostgreSQL) so that the server's threads open their own
connections, and the data it reads must be committed (transactional tests)."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import uvicorn
from django.db import connections


@contextmanager
def serving():
    """Yields the server's base URL; the alarm ticker stays off (tests drive it)."""
    from yiyang.alarms import conf
    from yiyang.asgi import application

    database = connections["default"]
    assert database.vendor != "sqlite" or not database.is_in_memory_db(), \
        "the server's threads would share the test's one connection"
    ticker, conf.TICKER_IN_SERVER = conf.TICKER_IN_SERVER, False
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on",
                                           ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        conf.TICKER_IN_SERVER = ticker

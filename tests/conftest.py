import contextlib
import importlib
import os
from unittest import mock

import pytest
from django.core.management.commands import flush as flush_command

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + ORM in tests

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


_APPEND_ONLY = importlib.import_module("yiyang.core.migrations.0002_audit_append_only")
_AUDIT_GUARD = {  # (lift, restore) the trigger that refuses emptying the audit log
    "sqlite": ("DROP TRIGGER IF EXISTS core_auditlog_no_delete", _APPEND_ONLY.SQLITE[1]),
    "postgresql": (
        "ALTER TABLE core_auditlog DISABLE TRIGGER core_auditlog_no_truncate",
        "ALTER TABLE core_auditlog ENABLE TRIGGER core_auditlog_no_truncate",
    ),
}


@pytest.fixture(scope="session", autouse=True)
def _flush_lifts_audit_guard():
    """Let transactional_db's end-of-test flush empty the append-only audit log.

    The database refuses DELETE (SQLite) and TRUNCATE (PostgreSQL) on core_auditlog
    (core migration 0002), so `manage.py flush`, which TransactionTestCase runs after
    every live-server test, fails. Only the flush's own statement list is changed: the
    guard is lifted and restored around it, in the same transaction, and stays in force
    while the tests themselves run.
    """
    original = flush_command.sql_flush

    def sql_flush(style, connection, *args, **kwargs):
        statements = original(style, connection, *args, **kwargs)
        guard = _AUDIT_GUARD.get(connection.vendor)
        if not statements or guard is None:
            return statements
        lift, restore = guard
        return [lift, *statements, restore]

    with mock.patch.object(flush_command, "sql_flush", sql_flush):
        yield


_DAYTIME_SUITES = ("/tests/services/", "/tests/dashboard/",
                   "/tests/browser/test_services", "/tests/browser/test_dashboard")


@pytest.fixture(autouse=True)
def _in_the_local_evening(request):
    """Home-care tests (and the dashboard's view of them) build visits "today at 9 or
    13 o'clock, already done": run them at 20:00 local time (the clock still ticks),
    whatever the hour of the run."""
    if not any(part in str(request.path) for part in _DAYTIME_SUITES):
        yield
        return
    import time_machine
    from django.utils import timezone

    evening = timezone.localtime().replace(hour=20, minute=0, second=0, microsecond=0)
    with time_machine.travel(evening, tick=True):
        yield


def pytest_unconfigure(config):
    """Remove the write-ahead log files of this process's SQLite test database: Django
    deletes the database file at the end, while connections of server threads still
    hold its -wal and -shm siblings open."""
    from django.conf import settings

    if not settings.configured or not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return
    name = settings.DATABASES["default"].get("TEST", {}).get("NAME") or ""
    if name and not name.startswith(("file:", ":memory:")) and not os.path.exists(name):
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(name + suffix)

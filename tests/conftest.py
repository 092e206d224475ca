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

"""Fixtures for the Playwright flows: the shared county, a logged-in page, screenshots.

Each test gets its own database (transactional_db, flushed afterwards) and its own
browser context; the browser and the live server are started once per xdist worker.
Set YIYANG_SHOTS=/some/dir to save a full-page PNG at every `shot(...)` call.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management.commands import flush as flush_command
from playwright.sync_api import Page, expect

from yiyang.core.models import User
from yiyang.core.testing import PASSWORD, build_county

SHOTS = os.environ.get("YIYANG_SHOTS", "")

expect.set_options(timeout=5_000)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The users are Chinese county and village workers: a zh-CN browser, a laptop screen.
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1366, "height": 800},
    }


@pytest.fixture
def page(page: Page) -> Page:
    """Playwright's page, failing the test on a script error or a blocked inline style or
    script (the Content-Security-Policy allows neither: all CSS and JS live in files)."""
    page.set_default_timeout(5_000)
    page.set_default_navigation_timeout(10_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text
            else None)
    yield page
    assert not problems, "\n".join(problems)


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


@pytest.fixture
def county(transactional_db, settings):
    """The shared personas (yiyang.core.testing.build_county) in this test's database.

    Their passwords are re-hashed with Argon2 at test cost: every flow logs in through
    the real form, and full-cost Argon2 takes ~0.5 s per check on these machines.
    """
    settings.PASSWORD_HASHERS = ["tests.browser.helpers.QuickArgon2Hasher", *settings.PASSWORD_HASHERS]
    built = build_county()
    User.objects.update(password=make_password(PASSWORD))
    return built


@pytest.fixture
def url(live_server):
    def make(path: str) -> str:
        return live_server.url + path

    return make


@pytest.fixture
def login(page: Page, url, county):
    """Log in through the real login form; returns the page, now on the registry."""

    def do(username: str, password: str = PASSWORD) -> Page:
        page.goto(url("/login/"))
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(password)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("whoami")).to_contain_text(username)
        return page

    return do


@pytest.fixture
def shot(page: Page, request):
    """shot("name"): a full-page screenshot under $YIYANG_SHOTS (no-op when unset)."""

    def take(name: str) -> None:
        if not SHOTS:
            return
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^\w.-]+", "-", name)
        page.screenshot(path=str(folder / f"{safe}.png"), full_page=True, animations="disabled")

    return take

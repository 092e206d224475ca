"""Fixtures for the Playwright flows: the shared county, a logged-in page, screenshots.

Each test gets its own database (transactional_db, flushed afterwards) and its own
browser context; the browser and the live server are started once per xdist worker.
Set YIYANG_SHOTS=/some/dir to save a full-page PNG at every `shot(...)` call.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
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

"""Small helpers shared by the browser flows."""

from __future__ import annotations

import re

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.utils import translation
from playwright.sync_api import Page, expect


def zh(text) -> str:
    """A (lazy) label as the zh-hans interface shows it, translated or not yet."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if type(text) is str else str(text)


def listed_names(page: Page):
    """The name links in the registry table, in table order (use with expect)."""
    return page.locator("[data-testid=elder-row] .yy-name-link")


def count_of(page: Page):
    """The registry's result count, e.g. "4 elders" (use with expect)."""
    return page.get_by_test_id("result-count")


def choose(page: Page, select: str, value: str) -> None:
    """Pick an option in a self-applying filter select and wait for the new page."""
    with page.expect_navigation():
        page.locator(select).select_option(value)


def in_list_order(names) -> list[str]:
    """These elders' names in the order the registry lists them (its default sort)."""
    from yiyang.elders.forms import SORTS
    from yiyang.elders.models import Elder

    rows = Elder.objects.filter(name__in=list(names)).order_by(*SORTS["name"])
    return list(rows.values_list("name", flat=True))


class QuickArgon2Hasher(Argon2PasswordHasher):
    """Argon2 at test cost: the same algorithm and hash format (so either hasher verifies
    the other's hashes), milliseconds instead of half a second per login."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


def log_out(page: Page) -> None:
    """Press 退出; below 1200 px wide the menu is folded behind its toggle first."""
    page.wait_for_load_state("load")  # Bootstrap's script handles the toggle
    toggle = page.locator(".navbar-toggler")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
        # Bootstrap's collapse slides open; a click while it moves missed the button once.
        expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_test_id("logout").click()
    # Logged out once the login form is back: a page asked for before that would still
    # be served to the signed-in user (the login page itself redirects them away).
    expect(page.get_by_test_id("login-username")).to_be_visible()

"""End-to-end tests in a real headless Chromium (Debian's package, driven by Playwright).

Chromium is launched once per test module, in that module's event loop; every test module
here therefore runs its tests in the module loop (MODULE_MARKS in helpers.py), and the harness
instances they start (the `fed` fixture) live in the same loop, on real loopback ports.
When Chromium or Playwright is missing the tests skip, saying why."""

from __future__ import annotations

import os

import pytest
import pytest_asyncio

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, DESKTOP
from tests.harness import Federation


def unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.access(CHROMIUM, os.X_OK):
        return (f"{CHROMIUM} not found: install Debian's chromium package "
                "(scripts/test does: apt-get install chromium)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chromium():
    """One headless Chromium for the whole module."""
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=15_000)  # generous: CI machines are small and busy
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="module")
async def fed(tmp_path):
    """The harness federation, in the module loop that Chromium runs in."""
    federation = Federation(tmp_path)
    try:
        yield federation
    finally:
        await federation.close()


@pytest_asyncio.fixture(loop_scope="module")
async def contexts(chromium):
    """contexts(**options) -> a new browser context (cookies of its own), closed after the test."""
    made = []

    async def make(**options):
        options.setdefault("viewport", DESKTOP)
        ctx = await chromium.new_context(**options)
        ctx.set_default_timeout(20_000)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        await ctx.close()

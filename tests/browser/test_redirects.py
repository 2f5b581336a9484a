"""Chromium itself follows the sign-in redirect: whatever a hostile link puts in `next=`, the
browser ends up on this site, signed in."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests.browser.helpers import MODULE_MARKS

pytestmark = MODULE_MARKS
expect = pytest.importorskip("playwright.async_api", reason="Playwright for Python is not installed").expect

# evil.test resolves to loopback as well: a redirect there would load, so the check is real.
HOSTILE_NEXT = ["//evil.test/", "/\\evil.test/", "\\\\evil.test/", "/\t/evil.test/", "/\n/evil.test/",
                " //evil.test/", "/%09/evil.test", "/%5Cevil.test", "https://evil.test/", "http:evil.test",
                "/.//evil.test/", "javascript:alert(document.domain)", "/\r\nSet-Cookie: x=1"]


async def test_sign_in_redirect_stays_on_the_site(fed, contexts):
    site = await fed.start("site.test")
    await site.user("alice")
    for value in HOSTILE_NEXT:
        ctx = await contexts()
        page = await ctx.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        await page.goto(f"{site.base}/auth/sign_in?next={quote(value, safe='')}")
        await page.get_by_label("E-mail or username").fill("alice")
        await page.get_by_label("Password").fill("password123")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        assert urlsplit(page.url).netloc == site.domain, (value, page.url)
        assert not dialogs, (value, dialogs)
        assert "x" not in {c["name"] for c in await ctx.cookies()}
        await ctx.close()

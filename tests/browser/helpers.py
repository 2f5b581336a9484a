"""What the browser tests share: signing in, watching a page for script activity, auditing the
DOM for anything executable or unlabelled, measuring horizontal overflow, and reloading until
something arrives."""

from __future__ import annotations

import asyncio
import os

import pytest

CHROMIUM = os.environ.get("FEDI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    # The test instances have *.test domains; Chromium resolves them to loopback.
    "--host-resolver-rules=MAP *.test 127.0.0.1",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# Every test module of this directory puts these in its own `pytestmark`: the module's event
# loop, and quiet about the deprecated urwid aliases that Playwright's stack inspection touches
# (urwid comes with toot, used by other tests).
MODULE_MARKS = [pytest.mark.asyncio(loop_scope="module"),
                pytest.mark.filterwarnings(r"ignore:urwid\..* is moved to:DeprecationWarning")]

# Every element attribute that could run script or navigate to script, as the page holds it.
DOM_AUDIT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]+/g, '').toLowerCase();
      if (name.startsWith('on')) bad.push(`${el.tagName} ${name}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(name)
          && (value.startsWith('javascript:') || value.startsWith('data:text/html') || name === 'srcdoc'))
        bad.push(`${el.tagName} ${name}=${attr.value.slice(0, 60)}`);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (!s.src || new URL(s.src).origin !== location.origin) bad.push('SCRIPT ' + (s.src || 'inline'));
  }
  for (const f of document.querySelectorAll('iframe, frame, object, embed')) bad.push(f.tagName);
  return bad;
}"""

# What a screen reader would miss: unnamed form fields and buttons, images without alt text,
# a page without exactly one h1, a document without a language; and what nobody can read: text
# in the same colour as its own background.
PAGE_AUDIT = """() => {
  const bad = [];
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? `[name=${el.name}]` : '');
  const labelled = el => (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby')
    || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el.closest('label')
    || (el.getAttribute('title') || '').trim();
  const shown = el => el.getClientRects().length > 0;  // not hidden from everyone
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!shown(el)) continue;
    if (['submit', 'reset', 'button'].includes(el.type) ? !(el.value || labelled(el)) : !labelled(el))
      bad.push('unlabelled ' + describe(el));
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    if (shown(el) && !el.textContent.trim() && !labelled(el) && !el.querySelector('img[alt]:not([alt=""])'))
      bad.push('unnamed ' + describe(el));
  }
  for (const img of document.querySelectorAll('img:not([alt])')) bad.push('no alt: ' + img.src.slice(0, 60));
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) bad.push(`${h1} h1 headings`);
  if (!document.documentElement.lang) bad.push('no lang on <html>');
  for (const el of document.querySelectorAll('body *')) {
    if (!shown(el) || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(el);
    if (style.backgroundColor !== 'rgba(0, 0, 0, 0)' && style.backgroundColor === style.color)
      bad.push(`invisible text (${style.color} on the same): ${describe(el)} "${el.textContent.trim().slice(0, 30)}"`);
  }
  return bad;
}"""

OVERFLOW = """() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,
  widest: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')
                         + (e.id ? '#' + e.id : ''))})"""


class Watch:
    """Dialogs, console messages and uncaught errors of one page."""

    def __init__(self, page):
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        asyncio.ensure_future(dialog.dismiss())

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]

    def assert_quiet(self):
        """Nothing the pages should not do: no dialogs, no script errors, no blocked inline code."""
        assert not self.dialogs, self.dialogs
        assert not self.errors, self.errors
        assert not self.csp_violations, self.csp_violations


async def reload_until(page, url: str, locator_for, timeout: float = 30.0):
    """Open `url` and reload it until `locator_for(page)` matches something visible."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        await page.goto(url)
        loc = locator_for(page)
        if await loc.count() and await loc.first.is_visible():
            return loc.first
        if loop.time() > end:
            raise AssertionError(f"nothing matching {loc} on {url} after {timeout}s")
        await asyncio.sleep(0.3)


async def sign_in(page, base: str, login: str, password: str) -> None:
    """Sign in with the form, as a person would, and check that it worked."""
    from playwright.async_api import expect

    await page.goto(f"{base}/auth/sign_in")
    await page.get_by_label("E-mail or username").fill(login)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def overflow(page) -> dict:
    return await page.evaluate(OVERFLOW)

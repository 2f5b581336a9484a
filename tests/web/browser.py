"""A minimal form-posting browser for page tests: a cookie jar, CSRF tokens read from the
page, and redirects followed (or not) like a browser does."""

from __future__ import annotations

import re
from dataclasses import dataclass

import aiohttp

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Page:
    status: int
    url: str
    text: str
    headers: dict
    set_cookies: list  # every Set-Cookie along the way, redirects included

    @property
    def csrf(self) -> str:
        found = TOKEN_RE.search(self.text)
        assert found, f"no CSRF token on {self.url}"
        return found.group(1)


async def _page(resp: aiohttp.ClientResponse) -> Page:
    cookies = [c for r in (*resp.history, resp) for c in r.headers.getall("Set-Cookie", [])]
    return Page(resp.status, str(resp.url), (await resp.read()).decode("utf-8", "replace"),
                dict(resp.headers), cookies)


class Browser:
    def __init__(self, inst, resolver):
        self.inst = inst
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=resolver),
            cookie_jar=aiohttp.CookieJar(unsafe=True),
        )
        self.last: Page | None = None

    async def get(self, path: str, **kw) -> Page:
        async with self.session.get(self.inst.base + path, **kw) as resp:
            self.last = await _page(resp)
        return self.last

    async def post(self, path: str, data: dict | None = None, *, csrf: str | None = None,
                   follow: bool = True) -> Page:
        form = dict(data or {})
        if "csrf_token" not in form:
            form["csrf_token"] = csrf if csrf is not None else self.last.csrf
        async with self.session.post(self.inst.base + path, data=form, allow_redirects=follow) as resp:
            self.last = await _page(resp)
        return self.last

    async def sign_in(self, login: str, password: str) -> Page:
        await self.get("/auth/sign_in")
        return await self.post("/auth/sign_in", {"login": login, "password": password})

    def cookie(self, name: str) -> str | None:
        for c in self.session.cookie_jar:
            if c.key == name:
                return c.value
        return None

    async def close(self) -> None:
        await self.session.close()

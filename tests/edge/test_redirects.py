"""Redirect targets taken from a request stay on this site, and nothing a request carries can
reach a response header unescaped (which would make aiohttp drop the connection)."""

import re
from urllib.parse import quote, urljoin, urlsplit

import aiohttp
import pytest

from fedi.edge.redirects import local_target
from fedi.services import statuses

SITE = "https://site.example/some/page"
HOSTILE = [
    "//evil.example/", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    "/\n/evil.example", "/\r\n/evil.example", " //evil.example", "\x01//evil.example", "//evil.example\\@site.example",
    "https://evil.example/", "http:evil.example", "javascript:alert(1)", "data:text/html,<script>1</script>",
    "/x\r\nSet-Cookie: stolen=1", "/x\rLocation: https://evil.example", "/\u3000/evil.example",
    "/\ud800", "/" + "a" * 3000, "", None, 42, ["/home"],
]
KEPT = ["/home", "/@alice?page=2#top", "/tags/caf%C3%A9", "/search?q=a%20b", "/a%0d%0ab", "/%2F%2Fevil.example"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_targets_fall_back_to_the_default(value):
    target = local_target(value, "/home")
    assert urlsplit(urljoin(SITE, target)).netloc == "site.example"
    assert not any(c in target for c in "\r\n\t\x00 \\")
    if isinstance(value, str) and any(word in value for word in ("evil", "Cookie", "alert", "script", "\ud800")):
        assert target == "/home"


@pytest.mark.parametrize("value", KEPT)
def test_same_site_paths_are_kept(value):
    assert local_target(value, "/home") == value


def test_unicode_is_escaped_rather_than_refused():
    assert local_target("/tags/café") == "/tags/caf%C3%A9"


async def _site(fed):
    site = await fed.start("site.test")
    await site.user("alice")
    return site


def _session(fed):
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=fed.resolver),
                                 cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _csrf(session, url) -> str:
    async with session.get(url) as resp:
        assert resp.status == 200, url
        return re.search(r'name="csrf_token" value="([^"]+)"', await resp.text()).group(1)


async def test_sign_in_next_never_leaves_the_site(fed):
    site = await _site(fed)
    async with _session(fed) as s:
        for value in [v for v in HOSTILE if isinstance(v, str) and "\ud800" not in v]:
            csrf = await _csrf(s, f"{site.base}/auth/sign_in")
            async with s.post(f"{site.base}/auth/sign_in", allow_redirects=False, data={
                    "login": "alice", "password": "password123", "csrf_token": csrf, "next": value}) as r:
                assert r.status == 303, (value, r.status)
                assert r.headers["Location"] == "/home", (value, r.headers["Location"])
                assert "stolen" not in r.headers.getall("Set-Cookie", [""])[0]
            # Already signed in, the form page sends the browser on at once.
            async with s.get(f"{site.base}/auth/sign_in?next={quote(value, safe='')}", allow_redirects=False) as r:
                assert r.status == 303 and r.headers["Location"] == "/home", value
            async with s.post(f"{site.base}/auth/sign_out", allow_redirects=False,
                              data={"csrf_token": await _csrf(s, f"{site.base}/home")}) as r:
                assert r.status == 303
        # A same-site target is honoured.
        csrf = await _csrf(s, f"{site.base}/auth/sign_in")
        async with s.post(f"{site.base}/auth/sign_in", allow_redirects=False, data={
                "login": "alice", "password": "password123", "csrf_token": csrf, "next": "/@alice?x=1"}) as r:
            assert r.headers["Location"] == "/@alice?x=1"


async def test_header_injection_gets_an_answer_not_a_dropped_connection(fed):
    site = await _site(fed)
    alice = await site.state.store.accounts.by_handle("alice", None)
    post = await statuses.create(site.state, alice, "hello", visibility="public")
    async with _session(fed) as s:
        csrf = await _csrf(s, f"{site.base}/auth/sign_in")
        async with s.post(f"{site.base}/auth/sign_in", allow_redirects=False, data={
                "login": "alice", "password": "password123", "csrf_token": csrf}) as r:
            assert r.status == 303
        csrf = await _csrf(s, f"{site.base}/home")
        for path, form in [
            ("/auth/sign_in?next=/%0d%0aSet-Cookie:%20stolen=1", None),
            ("/@alice?x=%0d%0aSet-Cookie:%20stolen=1", None),
            ("/tags/x%0d%0aSet-Cookie:stolen=1", None),
            (f"/statuses/{post.id}/favourite", {"csrf_token": csrf, "back": "/\r\nSet-Cookie: stolen=1"}),
            (f"/statuses/{post.id}/unfavourite", {"csrf_token": csrf, "back": "/\t/evil.example"}),
            ("/settings/profile", {"csrf_token": csrf, "display_name": "A", "back": "/x\r\nLocation: //evil"}),
        ]:
            async with s.request("POST" if form else "GET", site.base + path, data=form, allow_redirects=False,
                                 headers={"Referer": site.base + "/%0d%0aX:%20y"}) as r:
                assert r.status < 500, (path, r.status)
                assert "stolen" not in " ".join(r.headers.getall("Set-Cookie", [])), path
                location = r.headers.get("Location", "/")
                assert location.startswith("/") and not location.startswith("//"), (path, location)


async def test_oauth_refuses_redirect_uris_with_control_characters(fed):
    site = await _site(fed)
    for uri in ["https://app.example/cb\r\nSet-Cookie: x=1", "myapp://cb\x00", "https://app.example/a b",
                "https://app.example/\x7f"]:
        status, body = await site.api("POST", "/api/v1/apps", body={"client_name": "x", "redirect_uris": uri})
        assert status in (400, 422), (uri, status, body)  # NUL is refused before the app is looked at
    status, body = await site.api("POST", "/api/v1/apps", body={"client_name": "x", "redirect_uris": "myapp://cb"})
    assert status == 200, body

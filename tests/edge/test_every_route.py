"""Every route of every face answers hostile input with a 4xx, never a 5xx, and keeps nothing.

The client is signed in on the web (session cookie and CSRF token) and holds an API token
of an administrator, so that requests get past authentication to where bodies and
parameters are read. Each route is called with every class of garbage below, with its
path parameters filled with absurd values; the answers must be below 500, errors must
carry a short JSON or HTML message, nothing may be logged as an error, and no post or
upload may appear.
"""

import json
import logging
import re

import aiohttp

from fedi.appkeys import STATE

DEEP = 50_000


def _multipart(part: bytes, boundary: str = "XyZ") -> tuple[bytes, str]:
    return part, f"multipart/form-data; boundary={boundary}"


def garbage_bodies(csrf: str) -> dict[str, tuple[bytes, str]]:
    token = csrf.encode()
    return {
        "deeply nested JSON": (b"[" * DEEP + b"]" * DEEP, "application/json"),
        "deeply nested object": (b'{"a":' * DEEP + b"1" + b"}" * DEEP, "application/json"),
        "deeply nested activity": (b'{"type":"Create","object":' + b"[" * DEEP + b"]" * DEEP + b"}",
                                   "application/activity+json"),
        "NUL and lone surrogate in JSON": (b'{"status": "a\\u0000b", "\\ud800": "x", "q": "\\udfff"}',
                                           "application/json"),
        "huge number in JSON": (b'{"limit": ' + b"9" * 5000 + b", \"x\": 1e999}", "application/json"),
        "non-UTF-8 JSON": (b'{"status": "\xff\xfe"}', "application/json"),
        "broken boundary": _multipart(b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--Other--\r\n"),
        "NUL in a file name": _multipart(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\x00b.png\"\r\n"
            b"Content-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n"),
        "bad header in a part": _multipart(
            b"--XyZ\r\nContent-Disposition form-data name=file\r\nX\x01: y\r\n\r\nv\r\n--XyZ--\r\n"),
        "truncated multipart": _multipart(b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvvv"),
        "no boundary": (b"--XyZ\r\n\r\n", "multipart/form-data"),
        "undecodable field name": _multipart(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nv\r\n--XyZ--\r\n"),
        "unknown charset in a part": _multipart(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: text/plain; charset=nope"
            b"\r\n\r\nv\r\n--XyZ--\r\n"),
        "non-UTF-8 form": (b"login=\xff\xfe&password=\xc3\x28&csrf_token=" + token, "application/x-www-form-urlencoded"),
        "form with unknown charset": (b"a=b&csrf_token=" + token, "application/x-www-form-urlencoded; charset=nope"),
        "NUL in a form": (b"status=a%00b&csrf_token=" + token, "application/x-www-form-urlencoded"),
    }


GARBAGE_QUERY = ("next=/%0d%0aSet-Cookie:%20x=1&back=/%09/evil.example&redirect_uri=http://evil.example/%0d%0a"
                 "&max_id=99999999999999999999999999&limit=-99999999999999999999&q=%ff%fe&resource=acct:%0a@x"
                 "&page=true&min_id=%ff&since_id=-1&offset=1e999&type[]=%00x")
PATH_VALUES = ("99999999999999999999999999", "%ff%fe..%2F..%2Fetc%2Fpasswd", "-1", "@nobody@evil.example")


def routes(app) -> list[tuple[str, str]]:
    found = set()
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter")
        if path is None:
            continue
        if path != "/" and path.endswith("/") and path.rstrip("/") in {
                r.get_info().get("path") or r.get_info().get("formatter") for r in app.router.resources()}:
            continue  # the trailing-slash twin of a route already listed
        for route in resource:
            if route.method not in ("HEAD", "OPTIONS"):
                found.add((route.method, path))
    return sorted(found)


def concrete(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


async def _csrf(session, url: str) -> str:
    async with session.get(url) as resp:
        return re.search(r'name="csrf_token" value="([^"]+)"', await resp.text()).group(1)


async def _ask(session, method: str, url: str, body, headers: dict) -> str | None:
    """What is wrong with the answer to one hostile request, if anything."""
    async with session.request(method, url, data=body, headers=headers, allow_redirects=False) as resp:
        if resp.status >= 500:
            return f"{resp.status} {(await resp.text(errors='replace'))[:120]!r}"
        location = resp.headers.get("Location", "")
        if "evil" in location or any(c in location for c in "\r\n"):
            return f"redirected to {location!r}"
        if resp.status < 400:
            return None
        text = await resp.text(errors="replace")
        if not text.strip() or resp.content_type not in ("application/json", "text/html"):
            return f"{resp.status} {resp.content_type} {text[:80]!r}"
        if resp.content_type == "application/json":
            json.loads(text)
        return None


async def _sweep(site, session, bodies: dict, headers: dict, methods: tuple[str, ...]) -> tuple[list[str], int]:
    """Send every class of garbage to every route; the problems found and the requests made."""
    failures, answered = [], 0
    for method, path in routes(site.app):
        if method not in methods:
            continue
        for value in PATH_VALUES if "{" in path else ("",):
            url = f"{site.base}{concrete(path, value)}"
            cases = [(name, body, ctype, None) for name, (body, ctype) in bodies.items()]
            cases.append(("garbage query", None, None, GARBAGE_QUERY))
            for name, body, ctype, query in cases:
                site.app[STATE].api_requests.clear()
                sent = {**headers, "Accept": "text/html" if answered % 2 else "*/*"}
                if ctype:
                    sent["Content-Type"] = ctype
                try:
                    problem = await _ask(session, method, url + (f"?{query}" if query else ""), body, sent)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    problem = f"no answer ({type(exc).__name__})"
                answered += 1
                if problem:
                    failures.append(f"{method} {path} [{value}] {name}: {problem}")
    return failures, answered


def _session(fed) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=fed.resolver),
                                 cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=20))


async def test_every_route_answers_garbage_with_4xx(fed, caplog):
    site = await fed.start("site.test")
    await site.user("alice", admin=True)
    await site.user("bob")
    token = await site.token("alice", scopes="read write follow push admin:read admin:write")
    assert len(routes(site.app)) > 250
    caplog.set_level(logging.WARNING)
    async with _session(fed) as signed_in, _session(fed) as visitor:
        csrf = await _csrf(signed_in, f"{site.base}/auth/sign_in")
        async with signed_in.post(f"{site.base}/auth/sign_in", allow_redirects=False,
                                  data={"login": "alice", "password": "password123", "csrf_token": csrf}) as r:
            assert r.status == 303
        csrf = await _csrf(signed_in, f"{site.base}/settings/profile")
        failures, answered = await _sweep(site, signed_in, garbage_bodies(csrf), {"Authorization": f"Bearer {token}"},
                                          ("GET", "POST", "PUT", "PATCH", "DELETE"))
        # A visitor: no token, no session, but a CSRF token of its own for the public forms.
        csrf = await _csrf(visitor, f"{site.base}/auth/sign_in")
        more, count = await _sweep(site, visitor, garbage_bodies(csrf), {}, ("POST", "PUT", "PATCH", "DELETE"))
        failures += more
        answered += count
    assert answered > 9000
    assert not failures, f"{len(failures)} of {answered}:\n" + "\n".join(failures[:60])
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, "\n".join(f"{r.name}: {r.getMessage()[:200]}" for r in errors[:20])
    await site.runner.run_until_idle()
    for table in ("statuses", "media"):
        rows = await site.state.store.database.fetchall(f"SELECT COUNT(*) AS n FROM {table}")
        assert rows[0]["n"] == 0, f"garbage left something in {table}"

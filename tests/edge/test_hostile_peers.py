"""A hostile or broken peer cannot make a lookup answer 5xx.

Searching for, opening, following and following-from an account on a peer that answers
WebFinger and actor requests with garbage (wrong types everywhere, ids on other hosts,
NUL characters, deep nesting, HTML, errors, redirect loops) gives a 4xx or an empty
result on every face, and nothing is logged as an error.
"""

import json
import logging
import re
from urllib.parse import parse_qs, quote, urlsplit

import aiohttp
from aiohttp import web

from tests.federation.hostile_peer import HostilePeer

SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"


def _actor(peer, username: str, changes: dict) -> dict:
    uri = f"{peer.base}/users/{username}"
    doc = {"@context": "https://www.w3.org/ns/activitystreams", "id": uri, "type": "Person",
           "preferredUsername": username, "inbox": f"{uri}/inbox", "outbox": f"{uri}/outbox"}
    doc.update(changes)
    return doc


GARBAGE_ACTORS = {
    "types": dict(preferredUsername=["x"], name={"a": 1}, summary=5, icon=[1, "x", {"url": 5}], image="x",
                  publicKey="x", attachment="x", tag=5, endpoints=[], url={"href": 5}, published="never",
                  followers=["x"], following=7, featured={"id": 5}, manuallyApprovesFollowers="yes",
                  alsoKnownAs=5, discoverable="no"),
    "elsewhere": dict(id="http://other.test/users/x", inbox="http://other.test/inbox"),
    "noinbox": dict(inbox=None),
    "keys": dict(publicKey=[{"id": 5, "publicKeyPem": ["x"]}, "y", {"publicKeyPem": "-----BEGIN junk"}]),
    "long": dict(name="N" * 200_000, summary="<p>" + "<b>" * 5000 + "</p>"),
}


class Peer(HostilePeer):
    """Answers WebFinger for each name in its own broken way."""

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        self.requests[request.path] += 1
        if request.path == "/.well-known/webfinger":
            resource = parse_qs(urlsplit(str(request.url)).query).get("resource", [""])[0]
            name = resource.removeprefix("acct:").split("@")[0]
            return self.webfinger(name)
        name = request.path.rsplit("/", 1)[-1]
        if name in GARBAGE_ACTORS:
            return web.Response(text=json.dumps(_actor(self, name, GARBAGE_ACTORS[name])),
                                content_type="application/activity+json")
        raw = {"nul": b'{"id": "x\\u0000", "type": "Person"}', "deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
               "html": b"<html>hello</html>", "list": b"[1, 2]", "notjson": b"{{{"}.get(name)
        if raw is not None:
            return web.Response(body=raw, content_type="text/html" if name == "html" else "application/activity+json")
        if name == "loop":
            return web.Response(status=302, headers={"Location": request.path})
        if name == "error":
            return web.Response(status=500, text="boom")
        return web.Response(status=404)

    def webfinger(self, name: str) -> web.Response:
        href = f"{self.base}/users/{name}"
        docs = {
            "linksint": {"links": 5}, "linksdict": {"links": {"rel": "self"}}, "linkstr": {"links": ["self"]},
            "typelist": {"links": [{"rel": "self", "type": ["application/activity+json"], "href": href}]},
            "hrefint": {"links": [{"rel": "self", "type": "application/activity+json", "href": 5}]},
            "template": {"links": [{"rel": SUBSCRIBE, "template": 5}, {"rel": SUBSCRIBE, "template": "javascript:{uri}"}]},
            "notdict": [1, 2, 3],
        }
        if name in docs:
            return web.json_response(docs[name], content_type="application/jrd+json")
        if name == "wfloop":
            return web.Response(status=302, headers={"Location": "/.well-known/webfinger?resource=acct:wfloop@x"})
        if name == "wf500":
            return web.Response(status=500)
        return web.json_response({"subject": f"acct:{name}@{self.domain}", "links": [
            {"rel": "self", "type": "application/activity+json", "href": href},
            {"rel": SUBSCRIBE, "template": f"{self.base}/authorize_interaction?uri={{uri}}"}]},
            content_type="application/jrd+json")


NAMES = ["linksint", "linksdict", "linkstr", "typelist", "hrefint", "template", "notdict", "wfloop", "wf500",
         *GARBAGE_ACTORS, "nul", "deep", "html", "list", "notjson", "loop", "error", "missing"]


async def _csrf(session, url) -> str:
    async with session.get(url) as resp:
        return re.search(r'name="csrf_token" value="([^"]+)"', await resp.text()).group(1)


async def test_lookups_of_accounts_on_a_hostile_peer_never_fail_with_5xx(fed, caplog):
    site = await fed.start("site.test")
    await site.user("alice")
    token = await site.token("alice")
    peer = await Peer("peer.test", site.session).start()
    caplog.set_level(logging.WARNING)
    problems = []
    jar = aiohttp.CookieJar(unsafe=True)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=fed.resolver), cookie_jar=jar) as web_, \
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=fed.resolver)) as visitor:
            csrf = await _csrf(web_, f"{site.base}/auth/sign_in")
            async with web_.post(f"{site.base}/auth/sign_in", allow_redirects=False,
                                 data={"login": "alice", "password": "password123", "csrf_token": csrf}) as r:
                assert r.status == 303
            csrf = await _csrf(web_, f"{site.base}/search")
            visitor_csrf = await _csrf(visitor, f"{site.base}/@alice")
            for name in NAMES:
                handle = f"{name}@{peer.domain}"
                calls = [
                    (site.session, "GET", f"/api/v2/search?q=@{quote(handle)}&resolve=true", None,
                     {"Authorization": f"Bearer {token}"}),
                    (site.session, "GET", f"/api/v1/accounts/lookup?acct={quote(handle)}", None,
                     {"Authorization": f"Bearer {token}"}),
                    (site.session, "GET", f"/api/v2/search?q={quote(peer.base + '/users/' + name)}&resolve=true",
                     None, {"Authorization": f"Bearer {token}"}),
                    (web_, "GET", f"/search?q=@{quote(handle)}", None, {}),
                    (web_, "GET", f"/@{handle}", None, {"Accept": "text/html"}),
                    (web_, "POST", "/follow", {"csrf_token": csrf, "handle": f"@{handle}"}, {}),
                    (visitor, "POST", "/@alice/remote_follow", {"csrf_token": visitor_csrf, "handle": handle}, {}),
                ]
                for session, method, path, form, headers in calls:
                    async with session.request(method, site.base + path, data=form, headers=headers,
                                               allow_redirects=False) as resp:
                        if resp.status >= 500:
                            problems.append(f"{name}: {method} {path} -> {resp.status}")
                        location = resp.headers.get("Location", "")
                        if location and not location.startswith("/"):
                            problems.append(f"{name}: {method} {path} redirected to {location}")
    finally:
        await peer.close()
    assert not problems, "\n".join(problems)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()[:200]}" for r in errors]

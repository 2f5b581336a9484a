"""A minimal Mastodon-like server on loopback, built from saved real Mastodon documents.

It serves the saved actor documents and WebFinger answers of real Mastodon accounts (see
fixtures/mastodon/README.md), with the real host rewritten to the peer's `host:port` and a
key generated here in place of the real public key. It signs its deliveries the way the
saved real Mastodon request was signed (the same covered headers in the same order, the
same header shapes), and it verifies what it receives with the independent `httpsig`
library, checking the body's Digest itself since httpsig does not. Nothing here uses
fedi's own signing or verification code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from time import time
from urllib.parse import urlsplit

import httpsig
import httpsig.sign
from httpsig.utils import generate_message
from aiohttp import web
from aiohttp.test_utils import TestServer, unused_port

from tests.federation.foreign_peer import _keypair

FIXTURES = Path(__file__).with_name("fixtures") / "mastodon"
AP_JSON = "application/activity+json"
# Mastodon asks for either ActivityPub media type when it fetches a key.
MASTODON_FETCH_ACCEPT = "application/activity+json, application/ld+json"
# Headers in the saved request that the receiving side's CDN and proxy added, not Mastodon.
INTERMEDIARY_HEADERS = frozenset({"cdn-loop", "do-connecting-ip", "x-forwarded-for", "x-forwarded-proto"})
# Mastodon refuses signatures whose Date is more than this far from its clock.
CLOCK_WINDOW = 12 * 3600


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def mastodon_json(doc: dict) -> bytes:
    """Compact JSON, unescaped non-ASCII, as Mastodon serialises the activities it sends."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def rewrite_host(text: str, real_domain: str, peer_domain: str) -> str:
    """Point every URL on the real server and its subdomains (its media host, say) at the
    peer, over plain http, and every `user@real_domain` handle at the peer's domain."""
    url = re.compile(r"https://((?:[A-Za-z0-9-]+\.)*)" + re.escape(real_domain) + r"(?![A-Za-z0-9.-])")
    text = url.sub(lambda m: f"http://{m.group(1)}{peer_domain}", text)
    return text.replace("@" + real_domain, "@" + peer_domain)


def signature_params(value: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="([^"]*)"', value))


# --------------------------------------------------------------------------- the saved request


@dataclass(frozen=True)
class SavedRequest:
    """A raw HTTP/1.1 request as captured on the receiving server."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    @classmethod
    def load(cls, name: str = "follow_request.http") -> "SavedRequest":
        raw = (FIXTURES / name).read_bytes()
        head, _, rest = raw.partition(b"\n\n")
        lines = head.decode().splitlines()
        method, target, _version = lines[0].split(" ")
        headers = []
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers.append((key.strip(), value.strip()))
        saved = cls(method, target, headers, b"")
        length = int(saved.header("Content-Length"))
        return cls(method, target, headers, rest[:length])

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def signature(self) -> dict[str, str]:
        return signature_params(self.header("Signature"))

    @property
    def signed_headers(self) -> list[str]:
        return self.signature["headers"].split(" ")

    @property
    def sender_domain(self) -> str:
        return urlsplit(self.signature["keyId"]).netloc


# --------------------------------------------------------------------------- the peer


@dataclass
class PeerActor:
    username: str
    uri: str
    doc: dict
    webfinger: dict
    private_pem: str

    @property
    def key_id(self) -> str:
        return self.doc["publicKey"]["id"]

    @property
    def inbox(self) -> str:
        return self.doc["inbox"]


@dataclass
class Delivery:
    """A POST the peer accepted after verifying its signature."""

    path: str
    activity: dict
    key_id: str
    signed_headers: list[str]
    headers: dict = field(repr=False)


class MastodonPeer:
    """Serves saved Mastodon actors; accepts signed POSTs to their inboxes and the shared inbox."""

    def __init__(self, session, name: str = "mastodon.test"):
        self.port = unused_port()
        self.domain = f"{name}:{self.port}"
        self.base = f"http://{self.domain}"
        self.session = session
        self.template = SavedRequest.load()
        self.actors: dict[str, PeerActor] = {}
        self.requests: list[tuple[str, str, dict, dict]] = []  # (method, path, query, headers)
        self.received: list[Delivery] = []
        self.rejected: list[tuple[str, str]] = []  # (path, reason)
        self.app = web.Application(middlewares=[self._log])
        self.app.router.add_get("/.well-known/webfinger", self._webfinger)
        self.app.router.add_get("/users/{name}", self._actor)
        self.app.router.add_post("/users/{name}/inbox", self._inbox)
        self.app.router.add_post("/inbox", self._inbox)
        self.server = TestServer(self.app, host="127.0.0.1", port=self.port)

    # Accounts ------------------------------------------------------------------
    def add_actor(self, actor_file: str, webfinger_file: str, real_domain: str) -> PeerActor:
        """Serve a saved actor document (and its WebFinger answer) as this peer's account."""
        private, public = _keypair()
        doc = json.loads(rewrite_host((FIXTURES / actor_file).read_text(), real_domain, self.domain))
        finger = json.loads(rewrite_host((FIXTURES / webfinger_file).read_text(), real_domain, self.domain))
        assert real_domain not in json.dumps(doc) + json.dumps(finger)
        doc["publicKey"]["publicKeyPem"] = public
        actor = PeerActor(doc["preferredUsername"], doc["id"], doc, finger, private)
        assert urlsplit(actor.uri).path == f"/users/{actor.username}"
        self.actors[actor.username.lower()] = actor
        return actor

    # Serving -------------------------------------------------------------------
    @web.middleware
    async def _log(self, request: web.Request, handler):
        self.requests.append((request.method, request.path, dict(request.query), dict(request.headers)))
        return await handler(request)

    def gets(self, path: str) -> list[tuple[dict, dict]]:
        """(query, headers) of every GET of `path`."""
        return [(q, h) for m, p, q, h in self.requests if m == "GET" and p == path]

    async def _webfinger(self, request: web.Request) -> web.Response:
        resource = request.query.get("resource", "")
        for actor in self.actors.values():
            if resource.lower() == actor.webfinger["subject"].lower():
                return web.json_response(actor.webfinger, content_type="application/jrd+json")
        raise web.HTTPNotFound()

    async def _actor(self, request: web.Request) -> web.Response:
        actor = self.actors.get(request.match_info["name"].lower())
        if actor is None:
            raise web.HTTPNotFound()
        return web.Response(body=mastodon_json(actor.doc), content_type=AP_JSON, charset="utf-8")

    # Receiving -----------------------------------------------------------------
    async def _fetch_key(self, key_id: str) -> tuple[str, str]:
        async with self.session.get(key_id.split("#")[0], headers={"Accept": MASTODON_FETCH_ACCEPT}) as r:
            doc = await r.json(content_type=None)
        key = doc["publicKey"]
        assert key["id"] == key_id and key["owner"] == doc["id"]
        return doc["id"], key["publicKeyPem"]

    def _refuse(self, request: web.Request, reason: str) -> web.Response:
        self.rejected.append((request.path, reason))
        return web.json_response({"error": reason}, status=401)

    async def _inbox(self, request: web.Request) -> web.Response:
        name = request.match_info.get("name")
        if name is not None and name.lower() not in self.actors:
            raise web.HTTPNotFound()
        body = await request.read()
        headers = dict(request.headers)
        if "Signature-Input" in headers:
            return self._refuse(request, "RFC 9421 signatures are not supported")
        if "Signature" not in headers:
            return self._refuse(request, "request not signed")
        params = signature_params(headers["Signature"])
        signed = params.get("headers", "date").split(" ")
        if not {"(request-target)", "host", "date", "digest"} <= set(signed):
            return self._refuse(request, "signature does not cover the required headers")
        if headers.get("Digest") != digest(body):
            return self._refuse(request, "digest mismatch")
        if abs(parsedate_to_datetime(headers["Date"]).timestamp() - time()) > CLOCK_WINDOW:
            return self._refuse(request, "stale date")
        owner, pem = await self._fetch_key(params["keyId"])
        verifier = httpsig.HeaderVerifier(headers=headers, secret=pem.encode(), method=request.method,
                                          path=request.raw_path, sign_header="signature",
                                          required_headers=["(request-target)", "host", "date", "digest"])
        if not verifier.verify():
            return self._refuse(request, "signature verification failed")
        activity = json.loads(body)
        actor = activity["actor"] if isinstance(activity["actor"], str) else activity["actor"]["id"]
        if actor != owner:
            return self._refuse(request, "signed by someone other than the activity's actor")
        self.received.append(Delivery(request.path, activity, params["keyId"], signed, headers))
        return web.Response(status=202)

    def deliveries(self, type_: str) -> list[Delivery]:
        return [d for d in self.received if d.activity.get("type") == type_]

    # Sending -------------------------------------------------------------------
    def follow(self, actor: PeerActor, target_uri: str, *, saved_id: bool = False) -> dict:
        """The saved Follow with its ids pointed at `actor` and `target_uri`; a fresh id
        shaped like Mastodon's (https://host/<uuid>) unless `saved_id` keeps the saved one."""
        doc = json.loads(self.template.body)
        path = urlsplit(doc["id"]).path if saved_id else f"/{uuid.uuid4()}"
        return {**doc, "id": self.base + path, "actor": actor.uri, "object": target_uri}

    def user_agent(self) -> str:
        saved = self.template.header("User-Agent")
        return saved.replace(f"https://{self.template.sender_domain}/", f"{self.base}/")

    def signed_post_headers(self, actor: PeerActor, url: str, body: bytes) -> dict:
        """Headers for a POST as Mastodon sends them: those of the saved request, less what
        intermediaries added, with fresh values, signed over the saved covered headers in
        their order."""
        target = urlsplit(url)
        fresh = {
            "host": target.netloc, "user-agent": self.user_agent(), "date": formatdate(usegmt=True),
            "digest": digest(body), "content-type": self.template.header("Content-Type"),
        }
        headers = {}
        for key, value in self.template.headers:
            low = key.lower()
            if low in INTERMEDIARY_HEADERS or low in ("signature", "content-length"):
                continue
            headers[key] = fresh.get(low, value)
        path = target.path + (f"?{target.query}" if target.query else "")
        algorithm = self.template.signature["algorithm"]
        covered = self.template.signed_headers
        signing_string = generate_message(covered, headers, method=self.template.method, path=path)
        value = {"keyId": actor.key_id, "algorithm": algorithm, "headers": " ".join(covered),
                 "signature": httpsig.sign.Signer(actor.private_pem, algorithm).sign(signing_string)}
        # The parameters in the saved request's order (httpsig's own template orders them otherwise).
        headers["Signature"] = ",".join(f'{k}="{value[k]}"' for k in self.template.signature)
        return headers

    async def post(self, url: str, body: bytes, headers: dict) -> int:
        async with self.session.post(url, data=body, headers=headers) as r:
            return r.status

    async def deliver(self, actor: PeerActor, url: str, activity: dict) -> int:
        body = mastodon_json(activity)
        return await self.post(url, body, self.signed_post_headers(actor, url, body))

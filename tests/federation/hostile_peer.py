"""A peer server under a test's control, for attacks on signature checks.

It serves whatever documents, redirects or errors the test registers under a path,
counts every request it receives, can pretend to be down (503 for everything), and
signs requests with the independent `httpsig` (draft-cavage) and
`http-message-signatures` (RFC 9421) packages rather than with fedi's own code.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from functools import lru_cache
from urllib.parse import urlsplit

import httpsig
from aiohttp import web
from aiohttp.test_utils import TestServer, unused_port
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from tests.federation.foreign_peer import _keypair

AS = "https://www.w3.org/ns/activitystreams"
AP_JSON = "application/activity+json"


@dataclass
class _Message:
    method: str
    url: str
    headers: dict = field(default_factory=dict)


@dataclass
class Actor:
    uri: str
    key_id: str
    private: str
    public: str

    def create(self, content: str, to: list[str], n: int = 1) -> dict:
        note = f"{self.uri}/statuses/{n}"
        return {"@context": AS, "id": f"{note}/activity", "type": "Create", "actor": self.uri, "to": to,
                "object": {"id": note, "type": "Note", "attributedTo": self.uri, "content": content,
                           "to": to, "published": "2026-01-01T00:00:00Z"}}


@lru_cache(maxsize=256)
def _header_signer(key_id: str, private: str, signed: tuple[str, ...]) -> httpsig.HeaderSigner:
    """httpsig checks the key's primes each time it loads one: load each key once."""
    return httpsig.HeaderSigner(key_id, private, algorithm="rsa-sha256", headers=list(signed), sign_header="signature")


def sign_cavage(method: str, url: str, body: bytes | None, key_id: str, private: str,
                at: float | None = None, host: str | None = None) -> dict:
    """draft-cavage headers as Mastodon sends them, made with `httpsig`."""
    parts = urlsplit(url)
    headers = {"Host": host or parts.netloc, "Date": formatdate(at, usegmt=True)}
    signed = ["(request-target)", "host", "date"]
    if body is not None:
        headers["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        headers["Content-Type"] = AP_JSON
        signed.append("digest")
    signer = _header_signer(key_id, private, tuple(signed))
    return signer.sign(headers, method=method, path=parts.path + (f"?{parts.query}" if parts.query else ""))


def sign_rfc9421(method: str, url: str, body: bytes | None, key_id: str, private: str,
                 at: float | None = None) -> dict:
    """RFC 9421 headers as Mastodon 4.5 sends them, made with `http-message-signatures`."""
    created = datetime.now(UTC) if at is None else datetime.fromtimestamp(at, tz=UTC)
    headers = {"Host": urlsplit(url).netloc, "Date": formatdate(created.timestamp(), usegmt=True)}
    if body is not None:
        headers["Content-Type"] = AP_JSON
    message = _Message(method, url, headers)
    key = load_pem_private_key(private.encode(), password=None)
    HTTPMessageSigner(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: key}),
    ).sign(message, key_id=key_id, created=created, label="sig1",
           covered_component_ids=("@method", "@target-uri", "date"), body=body)
    return message.headers


class HostilePeer:
    def __init__(self, name: str, session):
        self.name = name
        self.port = unused_port()
        self.base = f"http://{name}:{self.port}"
        self.domain = f"{name}:{self.port}"
        self.session = session
        self.routes: dict[str, web.Response | dict] = {}
        self.requests: Counter[str] = Counter()
        self.down = False
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._serve)
        self.server = TestServer(app, host="127.0.0.1", port=self.port)

    async def start(self) -> "HostilePeer":
        await self.server.start_server()
        return self

    async def close(self) -> None:
        await self.server.close()

    def serve(self, path: str, doc: dict) -> None:
        self.routes[path] = doc

    def redirect(self, path: str, location: str) -> None:
        self.routes[path] = web.Response(status=302, headers={"Location": location})

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        self.requests[request.path] += 1
        if self.down:
            return web.Response(status=503, text="down for maintenance")
        found = self.routes.get(request.path)
        if found is None:
            return web.Response(status=404)
        if isinstance(found, web.Response):
            return web.Response(status=found.status, headers=found.headers)
        return web.Response(text=json.dumps(found), content_type=AP_JSON)

    def actor(self, name: str, *, key_id: str | None = None, uri: str | None = None,
              keypair: tuple[str, str] | None = None) -> Actor:
        """A Mastodon-shaped actor served at /users/<name> (unless `uri` puts it elsewhere)."""
        uri = uri or f"{self.base}/users/{name}"
        private, public = keypair or _keypair()
        actor = Actor(uri, key_id or f"{uri}#main-key", private, public)
        self.serve(urlsplit(uri).path, self.actor_doc(actor, name))
        return actor

    def actor_doc(self, actor: Actor, name: str) -> dict:
        return {"@context": [AS, "https://w3id.org/security/v1"], "id": actor.uri, "type": "Person",
                "preferredUsername": name, "inbox": f"{actor.uri}/inbox", "outbox": f"{actor.uri}/outbox",
                "followers": f"{actor.uri}/followers", "following": f"{actor.uri}/following",
                "endpoints": {"sharedInbox": f"{self.base}/inbox"},
                "publicKey": {"id": actor.key_id, "owner": actor.uri, "publicKeyPem": actor.public}}

    def rotate(self, actor: Actor, name: str) -> None:
        actor.private, actor.public = _keypair()
        self.serve(urlsplit(actor.uri).path, self.actor_doc(actor, name))

    async def deliver(self, url: str, activity: dict, actor: Actor, *, key_id: str | None = None,
                      private: str | None = None, at: float | None = None) -> tuple[int, str]:
        body = json.dumps(activity).encode()
        headers = sign_cavage("POST", url, body, key_id or actor.key_id, private or actor.private, at=at)
        async with self.session.post(url, data=body, headers=headers) as resp:
            return resp.status, await resp.text()

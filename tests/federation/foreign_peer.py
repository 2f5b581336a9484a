"""A minimal foreign ActivityPub server shaped like Mastodon, signing and verifying
with the independent `httpsig` library (draft-cavage only; RFC 9421 is refused)."""

from __future__ import annotations

import base64
import hashlib
import json
from email.utils import formatdate

import httpsig
from aiohttp import web
from aiohttp.test_utils import TestServer, unused_port
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class ForeignPeer:
    def __init__(self, name: str, session):
        self.name = name
        self.port = unused_port()
        self.base = f"http://{name}:{self.port}"
        self.domain = f"{name}:{self.port}"
        self.session = session
        self.private, self.public = _keypair()
        self.received: list[dict] = []
        self.rejected: list[str] = []
        self.app = web.Application()
        self.app.router.add_get("/users/{name}", self.actor)
        self.app.router.add_post("/users/{name}/inbox", self.inbox)
        self.app.router.add_post("/inbox", self.inbox)
        self.server = TestServer(self.app, host="127.0.0.1", port=self.port)

    def actor_uri(self, name="zed"):
        return f"{self.base}/users/{name}"

    def actor_doc(self, name="zed") -> dict:
        uri = self.actor_uri(name)
        # Shape of a Mastodon 4.x actor document.
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", {
                "manuallyApprovesFollowers": "as:manuallyApprovesFollowers", "toot": "http://joinmastodon.org/ns#",
                "featured": {"@id": "toot:featured", "@type": "@id"}, "discoverable": "toot:discoverable",
                "schema": "http://schema.org#", "PropertyValue": "schema:PropertyValue", "value": "schema:value"}],
            "id": uri, "type": "Person", "following": f"{uri}/following", "followers": f"{uri}/followers",
            "inbox": f"{uri}/inbox", "outbox": f"{uri}/outbox", "featured": f"{uri}/collections/featured",
            "featuredTags": f"{uri}/collections/tags", "preferredUsername": name, "name": "Zed <b>Z</b>",
            "summary": "<p>Hi <script>alert(1)</script>there</p>", "url": f"{self.base}/@{name}",
            "manuallyApprovesFollowers": False, "discoverable": True, "indexable": True,
            "published": "2023-01-01T00:00:00Z", "memorial": False, "devices": f"{uri}/collections/devices",
            "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": self.public},
            "tag": [], "attachment": [{"type": "PropertyValue", "name": "Site",
                                       "value": '<a href="https://zed.example" rel="me">zed.example</a>'}],
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "icon": {"type": "Image", "mediaType": "image/png", "url": f"{self.base}/avatar.png"},
        }

    async def actor(self, request):
        return web.json_response(self.actor_doc(request.match_info["name"]), content_type="application/activity+json")

    async def _fetch_key(self, key_id: str) -> str:
        async with self.session.get(key_id.split("#")[0], headers={"Accept": "application/activity+json"}) as r:
            doc = await r.json(content_type=None)
        return doc["publicKey"]["publicKeyPem"]

    async def inbox(self, request):
        body = await request.read()
        headers = dict(request.headers)
        if "Signature-Input" in headers:
            self.rejected.append("rfc9421")
            return web.json_response({"error": "unsupported signature"}, status=401)
        sig = headers.get("Signature", "")
        key_id = sig.split('keyId="', 1)[1].split('"', 1)[0]
        pem = await self._fetch_key(key_id)
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        verifier = httpsig.HeaderVerifier(headers=headers, secret=pem.encode(), method="POST",
                                          path=request.raw_path, sign_header="signature",
                                          required_headers=["(request-target)", "host", "date", "digest"])
        if headers.get("Digest") != digest or not verifier.verify():
            self.rejected.append("cavage")
            return web.json_response({"error": "bad signature"}, status=401)
        self.received.append(json.loads(body))
        return web.Response(status=202)

    def signed_headers(self, method: str, target_url: str, body: bytes | None, name="zed",
                       at: float | None = None) -> dict:
        from urllib.parse import urlsplit

        parts = urlsplit(target_url)
        headers = {"Host": parts.netloc, "Date": formatdate(at, usegmt=True)}
        signed = ["(request-target)", "host", "date"]
        if body is not None:
            headers["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
            headers["Content-Type"] = "application/activity+json"
            signed += ["digest", "content-type"]
        else:
            headers["Accept"] = "application/activity+json"
            signed.append("accept")
        signer = httpsig.HeaderSigner(f"{self.actor_uri(name)}#main-key", self.private, algorithm="rsa-sha256",
                                      headers=signed, sign_header="signature")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return signer.sign(headers, method=method, path=path)

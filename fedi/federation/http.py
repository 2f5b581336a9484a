"""HTTP plumbing shared by the federation routes."""

from __future__ import annotations

import json

from aiohttp import web

from fedi.activitypub.signatures import SignatureError
from fedi.activitypub.verifier import VerifiedSignature
from fedi.activitypub.vocab import AP_CONTENT_TYPE
from fedi.activitypub.parse import host_of
from fedi.appkeys import DEREF, SCHEMES, STATE, VERIFIER
from fedi.edge import bodies
from fedi.federation.schemes import RFC9421
from fedi.models import Account
from fedi.services import known_accounts
from fedi.services.errors import ServiceError

MAX_INBOX_BODY = 1024 * 1024
def ap_response(doc: dict, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(doc, ensure_ascii=False).encode(), status=status,
        content_type=AP_CONTENT_TYPE, headers={"Vary": "Accept, Signature", **(headers or {})},
    )


def error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def signature_present(request: web.Request) -> bool:
    h = request.headers
    return "Signature" in h or "Signature-Input" in h or h.get("Authorization", "").startswith("Signature")


async def read_body(request: web.Request, limit: int = MAX_INBOX_BODY) -> bytes:
    """The request body: 413 past `limit` bytes, 408 when it arrives too slowly."""
    return await bodies.read_bytes(request, limit)


def _unauthorized(message: str) -> web.HTTPUnauthorized:
    return web.HTTPUnauthorized(text=json.dumps({"error": f"signature rejected: {message}"}),
                                content_type="application/json")


async def verify_request(request: web.Request, body: bytes | None) -> VerifiedSignature:
    """The verified signature of this request, or 401.

    The signature must have been made for this server: the Host header (which cavage
    signatures cover, and from which RFC 9421's @authority and @target-uri are rebuilt)
    must name this instance or one of its configured aliases. Behind a reverse proxy that
    passes the Host header on, this is the public host name.
    """
    state = request.app[STATE]
    host = request.headers.get("Host", "")
    if not state.urls.is_own_authority(host):
        raise _unauthorized("the request was not addressed to this server")
    try:
        verified = await request.app[VERIFIER].verify(
            request.method, request.raw_path, request.headers, body,
            authority=host, scheme=state.urls.scheme,
        )
    except SignatureError as exc:
        raise _unauthorized(str(exc)) from None
    if verified.scheme == RFC9421:
        await request.app[SCHEMES].learn(host_of(verified.owner), RFC9421)
    return verified


async def signed_fetcher(request: web.Request, *, required: bool) -> Account | None:
    """The signing actor of a GET.

    When a signature is not required, an absent or unverifiable one gives None
    rather than an error, so public documents stay fetchable.
    """
    if not signature_present(request):
        if required:
            raise web.HTTPUnauthorized(
                text=json.dumps({"error": "this server requires signed requests"}),
                content_type="application/json",
            )
        return None
    try:
        owner = (await verify_request(request, None)).owner
    except web.HTTPUnauthorized:
        if required:
            raise
        return None
    state = request.app[STATE]
    if state.domain_blocked(host_of(owner)):
        # A key stored before the block still verifies; the block must win, as it does
        # when the key has to be fetched (which a blocked domain is refused).
        if required:
            raise _unauthorized("your domain is not allowed here")
        return None
    account = await known_accounts.by_uri(state, owner)
    if account is None:
        try:
            account = await request.app[DEREF].actor(owner)
        except ServiceError:
            return None
    return account


def fetch_required(request: web.Request) -> bool:
    return request.app[STATE].config.federation.authorized_fetch

"""HTTP plumbing shared by the federation routes."""

from __future__ import annotations

import json

from aiohttp import web

from fedi.activitypub.signatures import SignatureError
from fedi.activitypub.vocab import AP_CONTENT_TYPE
from fedi.activitypub.parse import host_of
from fedi.appkeys import DEREF, SCHEMES, STATE, VERIFIER
from fedi.federation.schemes import RFC9421
from fedi.models import Account
from fedi.services.errors import ServiceError

MAX_INBOX_BODY = 1024 * 1024
AP_MEDIA = ("application/activity+json", "application/ld+json")


def wants_activitypub(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "").lower()
    return any(m in accept for m in AP_MEDIA)


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
    """The request body, or HTTPRequestEntityTooLarge before more than `limit` bytes are read."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length,
                                            text="request body too large")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size, text="request body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def authority(request: web.Request) -> str:
    return request.headers.get("Host") or request.host


async def verify_request(request: web.Request, body: bytes | None) -> str:
    """The actor URI that signed this request, or 401."""
    verifier = request.app[VERIFIER]
    try:
        verified = await verifier.verify(
            request.method, request.raw_path, request.headers, body,
            authority=authority(request), scheme=request.app[STATE].urls.base.split(":", 1)[0],
        )
    except SignatureError as exc:
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": f"signature rejected: {exc}"}), content_type="application/json"
        ) from None
    if verified.scheme == RFC9421:
        await request.app[SCHEMES].learn(host_of(verified.owner), RFC9421)
    return verified.owner


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
        owner = await verify_request(request, None)
    except web.HTTPUnauthorized:
        if required:
            raise
        return None
    state = request.app[STATE]
    if state.domain_blocked(host_of(owner)):
        # A key stored before the block still verifies; the block must win, as it does
        # when the key has to be fetched (which a blocked domain is refused).
        if required:
            raise web.HTTPUnauthorized(
                text=json.dumps({"error": "signature rejected: your domain is not allowed here"}),
                content_type="application/json",
            )
        return None
    account = await state.store.accounts.by_uri(owner)
    if account is None:
        try:
            account = await request.app[DEREF].actor(owner)
        except ServiceError:
            return None
    return account


def fetch_required(request: web.Request) -> bool:
    return request.app[STATE].config.federation.authorized_fetch

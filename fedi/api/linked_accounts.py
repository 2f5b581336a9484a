"""Linked accounts in the client API (a fedi extension, docs/client-api.md): the other
accounts of the same person, each verified only while it links back."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities
from fedi.api.http import authenticate, error, ok, params, route
from fedi.appkeys import STATE
from fedi.services import identity_links, known_accounts


async def _entries(state, account) -> list[dict]:
    out = []
    for item in await identity_links.linked(state, account):
        other = item["account"]
        verified = item["verified_at"]
        out.append({"uri": item["uri"], "account": await entities.account(state, other) if other else None,
                    "label": item["label"],
                    "verified_at": entities.iso(verified) if isinstance(verified, (int, float)) else None})
    return out


async def list_links(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:accounts")
    return ok(await _entries(request.app[STATE], auth.user()))


async def add_link(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:accounts")
    state = request.app[STATE]
    p = await params(request)
    reference = str(p.get("account") or "").strip()
    if not reference:
        raise error(422, "Validation failed: account (a handle or actor URL) is required")
    await identity_links.link(state, auth.user(), reference, str(p.get("label") or ""))
    account = await known_accounts.get(state, auth.user().id)
    return ok(await _entries(state, account))


async def remove_link(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:accounts")
    state = request.app[STATE]
    uri = str((await params(request)).get("uri") or "")
    if not uri:
        raise error(422, "Validation failed: uri is required")
    await identity_links.unlink(state, auth.user(), uri)
    account = await known_accounts.get(state, auth.user().id)
    return ok(await _entries(state, account))


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/linked_accounts", list_links)
    route(app, "POST", "/api/v1/linked_accounts", add_link)
    route(app, "DELETE", "/api/v1/linked_accounts", remove_link)

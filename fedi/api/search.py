"""Search: accounts by handle (resolving remote ones), statuses by URL, hashtags."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities, entities_status
from fedi.api.http import authenticate, flag, number, ok, params, route
from fedi.appkeys import STATE
from fedi.services import search as searching


async def search(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:search", required=False)
    viewer = auth.account if auth else None
    state = request.app[STATE]
    p = await params(request)
    kind = p.get("type") or None
    found = await searching.search(state, str(p.get("q", "")), viewer, kind=kind,
                                   resolve=flag(p, "resolve"), limit=number(p, "limit", 20, 1, 40))
    return ok({
        "accounts": await entities.accounts(state, found.accounts),
        "statuses": await entities_status.statuses(state, found.statuses, viewer) if found.statuses else [],
        "hashtags": [{"name": n, "url": state.urls.tag(n), "history": [], "following": False}
                     for n in found.hashtags],
    })


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v2/search", search)

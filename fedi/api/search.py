"""Search: accounts by handle (resolving remote ones), statuses by URL, hashtags."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities
from fedi.api.http import authenticate, flag, number, ok, params, route
from fedi.appkeys import STATE
from fedi.services import remote
from fedi.services.errors import ServiceError
from fedi.services.visibility import can_view


async def search(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:search", required=False)
    viewer = auth.account if auth else None
    state = request.app[STATE]
    p = await params(request)
    q = str(p.get("q", "")).strip()
    kind = p.get("type") or None
    limit = number(p, "limit", 20, 1, 40)
    resolve = flag(p, "resolve") and viewer is not None  # resolving reaches out: signed-in only
    result = {"accounts": [], "statuses": [], "hashtags": []}
    if not q:
        return ok(result)
    if kind in (None, "accounts"):
        result["accounts"] = await _accounts(state, q, resolve, limit)
    if kind in (None, "statuses") and q.startswith(("http://", "https://")):
        status = await _status(state, q, resolve)
        if status is not None and await can_view(state.store, status, viewer):
            result["statuses"] = await entities.statuses(state, [status], viewer)
    if kind in (None, "hashtags") and not q.startswith(("http://", "https://")):
        names = await state.store.statuses.search_tags(q.lstrip("#"), limit)
        result["hashtags"] = [{"name": n, "url": state.urls.tag(n), "history": [], "following": False}
                              for n in names]
    return ok(result)


async def _accounts(state, q: str, resolve: bool, limit: int) -> list[dict]:
    found = []
    handle = q.lstrip("@")
    if "@" in handle or q.startswith(("http://", "https://")):
        try:
            if resolve:
                found.append(await remote.account_by_reference(state, q))
            else:
                user, _, host = handle.partition("@")
                account = await state.store.accounts.by_handle(user, host or None)
                if account is None and q.startswith(("http://", "https://")):
                    account = await state.store.accounts.by_uri(q)
                if account is not None:
                    found.append(account)
        except ServiceError:
            pass
    if not q.startswith(("http://", "https://")):
        for account in await state.store.accounts.search(q, limit):
            if all(account.id != f.id for f in found):
                found.append(account)
    return [await entities.account(state, a) for a in found[:limit]]


async def _status(state, url: str, resolve: bool):
    status = await state.store.statuses.by_uri(url)
    if status is None:
        local_id = state.urls.status_id_of(url)
        if local_id:
            status = await state.store.statuses.get(local_id)
    if status is None and resolve:
        try:
            status = await remote.status_by_uri(state, url)
        except ServiceError:
            return None
    return status


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v2/search", search)

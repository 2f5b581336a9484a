"""Direct-message conversations: /api/v1/conversations.

Conversations are computed from direct statuses (see `SqliteConversations`). One is
unread for a reader once a direct status someone else wrote arrives in it, until the
reader marks it read (or writes in it).
"""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities_status
from fedi.api.entities import AccountCache
from fedi.api.http import authenticate, error, link_header, ok, page_args, params, route
from fedi.appkeys import STATE
from fedi.models import Account


async def conversation(state, group: dict, viewer: Account, cache: AccountCache) -> dict | None:
    """A Conversation; None when its last status cannot be rendered any more."""
    st = await state.store.statuses.get(group["last_status_id"])
    last = await entities_status.status(state, st, viewer, cache=cache) if st is not None else None
    if last is None:
        return None
    people = await state.store.conversations.participants(viewer.id, group["key"])
    await cache.load(people)
    accounts = [await cache.entity(a) for a in people]
    return {"id": group["id"], "unread": group["unread"],
            "accounts": [a for a in accounts if a is not None], "last_status": last}


async def index(request: web.Request) -> web.Response:
    viewer = (await authenticate(request, "read:statuses")).user()
    state = request.app[STATE]
    groups = await state.store.conversations.page(viewer.id, **page_args(await params(request)))
    cache = AccountCache(state)
    body = [await conversation(state, g, viewer, cache) for g in groups]
    return ok([c for c in body if c is not None],
              headers=link_header(request, [g["last_status_id"] for g in groups]))


async def _own(request: web.Request):
    viewer = (await authenticate(request, "write:conversations")).user()
    state = request.app[STATE]
    group = await state.store.conversations.get(viewer.id, request.match_info["id"])
    if group is None:
        raise error(404, "Record not found")
    return state, viewer, group


async def remove(request: web.Request) -> web.Response:
    """Leave the conversation out of the list (its statuses stay) until someone writes in it again."""
    state, viewer, group = await _own(request)
    await state.store.conversations.hide(viewer.id, group["key"], group["last_status_id"])
    return ok({})


async def read(request: web.Request) -> web.Response:
    state, viewer, group = await _own(request)
    await state.store.conversations.mark_read(viewer.id, group["key"])
    group = {**group, "unread": False}
    doc = await conversation(state, group, viewer, AccountCache(state))
    if doc is None:
        raise error(404, "Record not found")
    return ok(doc)


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/conversations", index)
    route(app, "DELETE", r"/api/v1/conversations/{id:\d+}", remove)
    route(app, "POST", r"/api/v1/conversations/{id:\d+}/read", read)

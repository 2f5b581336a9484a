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
from fedi.services import conversations as svc
from fedi.services.conversations import Conversation


async def conversations(state, items: list[Conversation], viewer: Account) -> list[dict]:
    """Conversations, rendered together (their last statuses in one batch, everyone taking part
    loaded at once); those whose last status cannot be rendered any more are left out."""
    rendered = await entities_status.statuses(state, [c.last_status for c in items if c.last_status], viewer)
    last = {doc["id"]: doc for doc in rendered}
    cache = AccountCache(state)
    await cache.load(a for c in items for a in c.participant_ids)
    out = []
    for c in items:
        if c.last_status_id not in last:
            continue
        accounts = [await cache.entity(a) for a in c.participant_ids]
        out.append({"id": c.id, "unread": c.unread, "accounts": [a for a in accounts if a is not None],
                    "last_status": last[c.last_status_id]})
    return out


async def conversation(state, item: Conversation, viewer: Account) -> dict | None:
    """A Conversation; None when its last status cannot be rendered any more."""
    found = await conversations(state, [item], viewer)
    return found[0] if found else None


async def index(request: web.Request) -> web.Response:
    viewer = (await authenticate(request, "read:statuses")).user()
    state = request.app[STATE]
    items = await svc.page(state, viewer, **page_args(await params(request)))
    return ok(await conversations(state, items, viewer),
              headers=link_header(request, [c.last_status_id for c in items]))


async def _writer(request: web.Request):
    return request.app[STATE], (await authenticate(request, "write:conversations")).user()


async def remove(request: web.Request) -> web.Response:
    """Leave the conversation out of the list (its statuses stay) until someone writes in it again."""
    state, viewer = await _writer(request)
    await svc.remove(state, viewer, request.match_info["id"])
    return ok({})


async def read(request: web.Request) -> web.Response:
    state, viewer = await _writer(request)
    doc = await conversation(state, await svc.mark_read(state, viewer, request.match_info["id"]), viewer)
    if doc is None:
        raise error(404, "Record not found")
    return ok(doc)


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/conversations", index)
    route(app, "DELETE", r"/api/v1/conversations/{id:\d+}", remove)
    route(app, "POST", r"/api/v1/conversations/{id:\d+}/read", read)

"""The outbox (GET public activities is in actors.py) for client-to-server POSTs,
and the owner's view of their inbox."""

from __future__ import annotations

import json

from aiohttp import web

from fedi.activitypub import render
from fedi.activitypub.parse import InvalidDocument, loads
from fedi.appkeys import STATE
from fedi.federation.http import ap_response, error, read_body
from fedi.services import accounts, c2s, served
from fedi.services.errors import ServiceError

PAGE_SIZE = 20


async def bearer_owner(request: web.Request, scope: str):
    """The local account owning the path's username, authenticated by bearer token."""
    state = request.app[STATE]
    auth = request.headers.get("Authorization", "")
    if not auth.lower().startswith("bearer "):
        raise web.HTTPUnauthorized(text=json.dumps({"error": "a bearer token is required"}),
                                   content_type="application/json")
    found = await accounts.account_for_token(state, auth[7:].strip())
    if found is None:
        raise web.HTTPUnauthorized(text=json.dumps({"error": "the access token is invalid"}),
                                   content_type="application/json")
    account, scopes = found
    if scope not in scopes and scope.split(":")[0] not in scopes:
        raise web.HTTPForbidden(text=json.dumps({"error": f"this token lacks the {scope} scope"}),
                                content_type="application/json")
    if account.username.lower() != request.match_info["username"].lower():
        raise web.HTTPForbidden(text=json.dumps({"error": "this is not your outbox"}),
                                content_type="application/json")
    return state, account


async def post_outbox(request: web.Request) -> web.Response:
    state, account = await bearer_owner(request, "write")
    body = await read_body(request)
    try:
        doc = loads(body)
    except InvalidDocument as exc:
        return error(400, str(exc))
    try:
        uri = await c2s.submit(state, account, doc)
    except ServiceError as exc:
        return error(exc.status, exc.message)
    return web.json_response({"id": uri}, status=201, headers={"Location": uri},
                             content_type="application/activity+json")


async def get_own_inbox(request: web.Request) -> web.Response:
    state, account = await bearer_owner(request, "read")
    collection_id = state.urls.inbox(account.username)
    if request.query.get("page") is None:
        page = await served.inbox_page(state, account, None, 1)
        return ap_response(render.ordered_collection(collection_id, page.total or 0, f"{collection_id}?page=true"))
    max_id = request.query.get("max_id")
    page = await served.inbox_page(state, account, max_id, PAGE_SIZE)
    next_url = f"{collection_id}?page=true&max_id={page.next_max_id}" if page.next_max_id else None
    items = [{k: v for k, v in item.items() if k != "@context"} for item in page.items]
    return ap_response(render.collection_page(f"{collection_id}?page=true", collection_id,
                                              items, next_url, total=page.total))


def setup(app: web.Application) -> None:
    from fedi.federation.inbox import post_inbox

    app.router.add_post("/inbox", post_inbox)
    app.router.add_post("/users/{username}/inbox", post_inbox)
    app.router.add_get("/users/{username}/inbox", get_own_inbox)
    app.router.add_post("/users/{username}/outbox", post_outbox)

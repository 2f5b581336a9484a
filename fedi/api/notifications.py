"""Notifications and follow requests."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities, entities_notification
from fedi.api.http import authenticate, error, link_header, listed, number, ok, page_args, params, route
from fedi.appkeys import STATE
from fedi.services import follows, notification_groups

TYPES = ("follow", "follow_request", "mention", "reblog", "favourite", "status", "update", "poll")


async def list_notifications(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:notifications")
    state, viewer = request.app[STATE], auth.user()
    p = await params(request)
    items = await state.store.notifications.page(
        viewer.id, types=listed(p, "types") or None, exclude_types=listed(p, "exclude_types") or None,
        from_account_id=p.get("account_id") or None, **page_args(p))
    body = await entities_notification.notifications(state, items, viewer)
    return ok(body, headers=link_header(request, [n.id for n in items]))


def filters_of(p: dict) -> notification_groups.Filters:
    """The `types[]`, `exclude_types[]` and `account_id` parameters of a notification listing."""
    return notification_groups.Filters(types=tuple(listed(p, "types")),
                                       exclude_types=tuple(listed(p, "exclude_types")),
                                       from_account_id=p.get("account_id") or None)


async def unread_count(request: web.Request) -> web.Response:
    """Notifications newer than the `notifications` marker, counted up to `limit`."""
    auth = await authenticate(request, "read:notifications")
    p = await params(request)
    count = await notification_groups.unread_count(request.app[STATE], auth.user().id, filters_of(p),
                                                   limit=number(p, "limit", 100, 1, 1000))
    return ok({"count": count})


async def _own(request: web.Request, scope: str):
    auth = await authenticate(request, scope)
    state, viewer = request.app[STATE], auth.user()
    n = await state.store.notifications.get(request.match_info["id"])
    if n is None or n.account_id != viewer.id:
        raise error(404, "Record not found")
    return state, viewer, n


async def get_notification(request: web.Request) -> web.Response:
    state, viewer, n = await _own(request, "read:notifications")
    rendered = await entities_notification.notification(state, n, viewer)
    if rendered is None:
        raise error(404, "Record not found")
    return ok(rendered)


async def dismiss(request: web.Request) -> web.Response:
    state, _, n = await _own(request, "write:notifications")
    await state.store.notifications.delete(n.id)
    return ok({})


async def clear(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:notifications")
    await request.app[STATE].store.notifications.clear(auth.user().id)
    return ok({})


async def follow_requests(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:follows")
    state, viewer = request.app[STATE], auth.user()
    paging = page_args(await params(request))
    pairs = await state.store.follows.account_page(viewer.id, followers=True, state="pending", **paging)
    body = await entities.accounts_by_id(state, [a for _, a in pairs])
    # fedi's addition: each request's own details, with the note its sender wrote.
    for doc in body:
        fol = await state.store.follows.get(doc["id"], viewer.id)
        if fol is not None:
            doc["follow_request"] = {"id": fol.id, "note": fol.note, "created_at": entities.iso(fol.created_at)}
    return ok(body, headers=link_header(request, [f for f, _ in pairs]))


async def _answer(request: web.Request, accept: bool) -> web.Response:
    auth = await authenticate(request, "write:follows")
    state, viewer = request.app[STATE], auth.user()
    requester = await state.store.accounts.get(request.match_info["id"])
    if requester is None:
        raise error(404, "Record not found")
    await (follows.accept if accept else follows.reject)(state, viewer, requester)
    return ok(await entities.relationship(state, viewer, requester))


async def authorize(request: web.Request) -> web.Response:
    return await _answer(request, True)


async def reject(request: web.Request) -> web.Response:
    return await _answer(request, False)


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/notifications", list_notifications)
    route(app, "POST", "/api/v1/notifications/clear", clear)
    route(app, "GET", "/api/v1/notifications/unread_count", unread_count)
    route(app, "GET", r"/api/v1/notifications/{id:\d+}", get_notification)
    route(app, "POST", r"/api/v1/notifications/{id:\d+}/dismiss", dismiss)
    route(app, "GET", "/api/v1/follow_requests", follow_requests)
    route(app, "POST", r"/api/v1/follow_requests/{id:\d+}/authorize", authorize)
    route(app, "POST", r"/api/v1/follow_requests/{id:\d+}/reject", reject)

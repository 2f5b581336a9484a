"""Notifications and follow requests."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities, entities_notification
from fedi.api.http import authenticate, error, link_header, listed, number, ok, page_args, params, route
from fedi.appkeys import STATE
from fedi.services import follows, known_accounts, notification_groups
from fedi.services import notifications as notifications_svc

TYPES = ("follow", "follow_request", "mention", "reblog", "favourite", "status", "update", "poll")


async def list_notifications(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:notifications")
    state, viewer = request.app[STATE], auth.user()
    p = await params(request)
    items, versions = await notifications_svc.page_versioned(
        state, viewer, types=listed(p, "types") or None, exclude_types=listed(p, "exclude_types") or None,
        from_account_id=p.get("account_id") or None, **page_args(p))
    body = await entities_notification.notifications(state, items, viewer, versions=versions)
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


async def get_notification(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:notifications")
    state, viewer = request.app[STATE], auth.user()
    n = await notifications_svc.own(state, viewer, request.match_info["id"])
    rendered = await entities_notification.notification(state, n, viewer)
    if rendered is None:
        raise error(404, "Record not found")
    return ok(rendered)


async def dismiss(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:notifications")
    await notifications_svc.dismiss(request.app[STATE], auth.user(), request.match_info["id"])
    return ok({})


async def clear(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:notifications")
    await notifications_svc.clear(request.app[STATE], auth.user())
    return ok({})


async def follow_requests(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:follows")
    state, viewer = request.app[STATE], auth.user()
    paging = page_args(await params(request))
    waiting = await follows.requests_page(state, viewer, **paging)
    body = await entities.accounts_by_id(state, [f.follower_id for f in waiting])
    # fedi's addition: each request's own details, with the note its sender wrote.
    by_sender = {f.follower_id: f for f in waiting}
    for doc in body:
        fol = by_sender[doc["id"]]
        doc["follow_request"] = {"id": fol.id, "note": fol.note, "created_at": entities.iso(fol.created_at)}
    return ok(body, headers=link_header(request, [f.id for f in waiting]))


async def _answer(request: web.Request, accept: bool) -> web.Response:
    auth = await authenticate(request, "write:follows")
    state, viewer = request.app[STATE], auth.user()
    requester = await known_accounts.get(state, request.match_info["id"])
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

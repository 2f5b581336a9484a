"""Scheduled posts: list, read, move and cancel."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities
from fedi.api.http import authenticate, error, ok, params, route
from fedi.appkeys import STATE
from fedi.services import scheduled


async def _me(request: web.Request, scope: str):
    auth = await authenticate(request, scope)
    return request.app[STATE], auth.user()


async def list_scheduled(request: web.Request) -> web.Response:
    state, me = await _me(request, "read:statuses")
    return ok([entities.scheduled_status(r) for r in await scheduled.list_for(state, me)])


async def show(request: web.Request) -> web.Response:
    state, me = await _me(request, "read:statuses")
    return ok(entities.scheduled_status(await scheduled.get(state, me, request.match_info["id"])))


async def update(request: web.Request) -> web.Response:
    state, me = await _me(request, "write:statuses")
    at = (await params(request)).get("scheduled_at")
    if not at:
        raise error(422, "scheduled_at is required")
    record = await scheduled.reschedule(state, me, request.match_info["id"], scheduled.parse_time(at))
    return ok(entities.scheduled_status(record))


async def cancel(request: web.Request) -> web.Response:
    state, me = await _me(request, "write:statuses")
    await scheduled.cancel(state, me, request.match_info["id"])
    return ok({})


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/scheduled_statuses", list_scheduled)
    route(app, "GET", r"/api/v1/scheduled_statuses/{id:\d+}", show)
    route(app, "PUT", r"/api/v1/scheduled_statuses/{id:\d+}", update)
    route(app, "DELETE", r"/api/v1/scheduled_statuses/{id:\d+}", cancel)

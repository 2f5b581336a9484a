"""Polls: reading a poll and voting in it (the Poll entity is in fedi.api.entities_status)."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities_status
from fedi.api.http import authenticate, listed, ok, params, route
from fedi.appkeys import STATE
from fedi.models import Account, Status
from fedi.services import polls as svc


async def _render(state, st: Status, poll: dict, viewer: Account | None) -> dict:
    return entities_status.poll(st, poll, viewer, await svc.own_votes(state, viewer, st))


async def show(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:statuses", required=False)
    state, viewer = request.app[STATE], auth.account if auth else None
    st, poll = await svc.shown(state, request.match_info["id"], viewer)
    return ok(await _render(state, st, poll, viewer))


async def vote(request: web.Request) -> web.Response:
    state, me = request.app[STATE], (await authenticate(request, "write:statuses")).user()
    st, _ = await svc.shown(state, request.match_info["id"], me)
    poll = await svc.vote(state, me, st, listed(await params(request), "choices"))
    return ok(await _render(state, st, poll, me))


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/polls/{id}", show)
    route(app, "POST", "/api/v1/polls/{id}/votes", vote)

"""Polls: reading a poll and voting in it (the Poll entity is in fedi.api.entities_status)."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities_status
from fedi.api.http import authenticate, error, listed, ok, params, route
from fedi.appkeys import STATE
from fedi.models import Account, Status
from fedi.services import polls as svc
from fedi.services.visibility import can_view

NOT_FOUND = "Record not found"


async def _poll_status(state, poll_id: str, viewer: Account | None) -> tuple[Status, dict]:
    st = await state.store.statuses.get(poll_id)
    poll = await state.store.polls.get(poll_id) if st is not None else None
    if poll is None or not await can_view(state.store, st, viewer):
        raise error(404, NOT_FOUND)
    return st, poll


async def _render(state, st: Status, poll: dict, viewer: Account | None) -> dict:
    own = (await state.store.polls.votes_of(viewer.id, [st.id])).get(st.id) if viewer else None
    return entities_status.poll(st, poll, viewer, own)


async def show(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:statuses", required=False)
    state, viewer = request.app[STATE], auth.account if auth else None
    st, poll = await _poll_status(state, request.match_info["id"], viewer)
    return ok(await _render(state, st, poll, viewer))


async def vote(request: web.Request) -> web.Response:
    state, me = request.app[STATE], (await authenticate(request, "write:statuses")).user()
    st, _ = await _poll_status(state, request.match_info["id"], me)
    poll = await svc.vote(state, me, st, listed(await params(request), "choices"))
    return ok(await _render(state, st, poll, me))


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/polls/{id}", show)
    route(app, "POST", "/api/v1/polls/{id}/votes", vote)

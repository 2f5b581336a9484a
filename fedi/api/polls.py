"""Polls: the Poll entity, reading a poll and voting in it."""

from __future__ import annotations

import time

from aiohttp import web

from fedi.api.entities import iso
from fedi.api.http import authenticate, error, listed, ok, params, route
from fedi.appkeys import STATE
from fedi.models import Account, Status
from fedi.services import polls as svc
from fedi.services.visibility import can_view

NOT_FOUND = "Record not found"


def entity(st: Status, poll: dict, viewer: Account | None, own_votes: list[int] | None) -> dict:
    """A Poll as `viewer` sees it; `own_votes` are the viewer's choices (None: anonymous)."""
    expired = svc.expired(poll, time.time())
    counts = list(poll["counts"]) + [0] * (len(poll["options"]) - len(poll["counts"]))
    hidden = poll["hide_totals"] and not expired and (viewer is None or viewer.id != st.account_id)
    doc = {
        "id": st.id,
        "expires_at": iso(poll["expires_at"]),
        "expired": expired,
        "multiple": poll["multiple"],
        "votes_count": sum(counts),
        "voters_count": poll["voters_count"],
        "options": [{"title": title, "votes_count": None if hidden else counts[i]}
                    for i, title in enumerate(poll["options"])],
        "emojis": [],
    }
    if viewer is not None:
        doc["voted"] = bool(own_votes) or viewer.id == st.account_id
        doc["own_votes"] = list(own_votes or [])
    return doc


async def _poll_status(state, poll_id: str, viewer: Account | None) -> tuple[Status, dict]:
    st = await state.store.statuses.get(poll_id)
    poll = await state.store.polls.get(poll_id) if st is not None else None
    if poll is None or not await can_view(state.store, st, viewer):
        raise error(404, NOT_FOUND)
    return st, poll


async def _render(state, st: Status, poll: dict, viewer: Account | None) -> dict:
    own = (await state.store.polls.votes_of(viewer.id, [st.id])).get(st.id) if viewer else None
    return entity(st, poll, viewer, own)


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

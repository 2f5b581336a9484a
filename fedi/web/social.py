"""Notifications, follow requests (connection requests on professional instances) and
connections (mutual follows)."""

from __future__ import annotations

from aiohttp import web

from fedi.api.entities import acct, iso
from fedi.appkeys import STATE
from fedi.services import follows, personal
from fedi.services.errors import NotFound
from fedi.web import security, views
from fedi.web.render import page, redirect, render, require_viewer

PAGE = 20
STATUS_TYPES = ("mention", "status", "reblog", "favourite", "poll", "update")


def _max_id(request: web.Request) -> str | None:
    value = request.query.get("max_id", "")
    return value if value.isdigit() and len(value) <= 30 else None


@page
async def notifications(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    state = request.app[STATE]
    max_id = _max_id(request)
    items = await state.store.notifications.page(account.id, max_id=max_id, limit=PAGE)
    status_ids = list(dict.fromkeys(n.status_id for n in items if n.status_id))
    found = [await state.store.statuses.get(i) for i in status_ids]
    status_docs = {d["id"]: d for d in await views.statuses(state, [s for s in found if s], account,
                                                            context="notifications")}
    senders = await state.store.accounts.get_many(list({n.from_account_id for n in items}))
    sender_docs = {d["id"]: d for d in await views.accounts(state, list(senders.values()))}
    last_read = await personal.saw_notifications(state, account.id, items[0].id if items and max_id is None else None)
    entries = []
    for n in items:
        sender = sender_docs.get(n.from_account_id)
        status = status_docs.get(n.status_id) if n.status_id else None
        if sender is None or (n.type in STATUS_TYPES and status is None):
            continue  # the account or the post is gone, or hidden from this reader
        fol = await state.store.follows.get(n.from_account_id, account.id) if n.type == "follow_request" else None
        entries.append({"id": n.id, "type": n.type, "account": sender, "status": status,
                        "created_at": iso(n.created_at), "own": n.from_account_id == account.id,
                        "unread": personal.is_unread(n.id, last_read), "note": fol.note if fol else ""})
    requests = len(await follows.pending_for(state, account))
    return await render(request, "notifications.html", entries=entries, requests=requests,
                        next_max_id=items[-1].id if len(items) == PAGE else None, paged=max_id is not None)


@page
async def follow_requests(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    state = request.app[STATE]
    pairs = await state.store.follows.account_page(account.id, followers=True, state="pending",
                                                   max_id=_max_id(request), limit=PAGE)
    others = await state.store.accounts.get_many([a for _, a in pairs])
    docs = {d["id"]: d for d in await views.accounts(state, list(others.values()))}
    entries = []
    for _, other_id in pairs:
        if other_id in docs:
            fol = await state.store.follows.get(other_id, account.id)
            entries.append({"account": docs[other_id], "note": fol.note if fol else ""})
    return await render(request, "follow_requests.html", entries=entries,
                        next_max_id=pairs[-1][0] if len(pairs) == PAGE else None)


async def _answer(request: web.Request, accept: bool) -> web.Response:
    account = await require_viewer(request)
    form = await security.checked_form(request)
    state = request.app[STATE]
    requester = await state.store.accounts.get(request.match_info["id"])
    if requester is None:
        raise NotFound("This request was withdrawn.")
    await (follows.accept if accept else follows.reject)(state, account, requester)
    name = f"@{acct(requester)}"
    if accept and form.get("connect"):
        back = await follows.follow(state, account, requester)  # both ways: a connection
        notice = f"You and {name} are connected." if back.accepted else \
            f"{name} now follows you, and you asked to follow them back: you are connected once they accept."
    elif accept:
        notice = f"{name} now follows you."
    else:
        notice = f"You declined the request from {name}."
    return redirect(request, "/follow_requests", notice)


@page
async def connections(request: web.Request) -> web.Response:
    """The signed-in account's connections: accounts it follows that follow it back."""
    account = await require_viewer(request)
    state = request.app[STATE]
    pairs = await state.store.follows.mutuals_page(account.id, max_id=_max_id(request), limit=PAGE)
    found = await state.store.accounts.get_many([a for _, a in pairs])
    people = await views.accounts(state, [found[a] for _, a in pairs if a in found])
    return await render(request, "connections.html", people=people,
                        next_max_id=pairs[-1][0] if len(pairs) == PAGE else None)


@page
async def authorize(request: web.Request) -> web.Response:
    return await _answer(request, True)


@page
async def reject(request: web.Request) -> web.Response:
    return await _answer(request, False)


def setup(app: web.Application) -> None:
    app.router.add_get("/notifications", notifications)
    app.router.add_get("/follow_requests", follow_requests)
    app.router.add_get("/connections", connections)
    app.router.add_post(r"/follow_requests/{id:\d+}/authorize", authorize)
    app.router.add_post(r"/follow_requests/{id:\d+}/reject", reject)

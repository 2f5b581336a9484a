"""Notifications, follow requests (connection requests on professional instances) and
connections (mutual follows)."""

from __future__ import annotations

from aiohttp import web

from fedi.api.entities import acct, iso
from fedi.appkeys import STATE
from fedi.services import follows, known_accounts, network, personal
from fedi.services import notifications as notifications_svc
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
    items = await notifications_svc.page(state, account, max_id=max_id, limit=PAGE)
    found = await notifications_svc.statuses_of(state, [n.status_id for n in items])
    status_docs = {d["id"]: d for d in await views.statuses(state, found, account, context="notifications")}
    senders = await known_accounts.get_many(state, [n.from_account_id for n in items])
    sender_docs = {d["id"]: d for d in await views.accounts(state, list(senders.values()))}
    notes = await network.request_notes(state, account, [n.from_account_id for n in items
                                                         if n.type == "follow_request"])
    last_read = await personal.saw_notifications(state, account.id, items[0].id if items and max_id is None else None)
    entries = []
    for n in items:
        sender = sender_docs.get(n.from_account_id)
        status = status_docs.get(n.status_id) if n.status_id else None
        if sender is None or (n.type in STATUS_TYPES and status is None):
            continue  # the account or the post is gone, or hidden from this reader
        note = notes.get(n.from_account_id, "") if n.type == "follow_request" else ""
        entries.append({"id": n.id, "type": n.type, "account": sender, "status": status,
                        "created_at": iso(n.created_at), "own": n.from_account_id == account.id,
                        "unread": personal.is_unread(n.id, last_read), "note": note})
    requests = len(await follows.pending_for(state, account))
    return await render(request, "notifications.html", entries=entries, requests=requests,
                        next_max_id=items[-1].id if len(items) == PAGE else None, paged=max_id is not None)


@page
async def follow_requests(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    state = request.app[STATE]
    waiting, keys = await network.waiting_requests(state, account, max_id=_max_id(request), limit=PAGE)
    docs = await views.accounts(state, [requester for requester, _ in waiting])
    entries = [{"account": doc, "note": fol.note} for doc, (_, fol) in zip(docs, waiting)]
    return await render(request, "follow_requests.html", entries=entries,
                        next_max_id=keys[-1] if len(keys) == PAGE else None)


async def _answer(request: web.Request, accept: bool) -> web.Response:
    account = await require_viewer(request)
    form = await security.checked_form(request)
    state = request.app[STATE]
    requester = await known_accounts.get(state, request.match_info["id"])
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
    found, keys = await network.connections(state, account, max_id=_max_id(request), limit=PAGE)
    people = await views.accounts(state, found)
    return await render(request, "connections.html", people=people,
                        next_max_id=keys[-1] if len(keys) == PAGE else None)


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

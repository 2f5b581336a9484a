"""Finding people and posts: the search page, and following or unfollowing any account by
its handle (`@user@host`, `user@host` or a profile address, resolved through WebFinger)."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from fedi.appkeys import STATE
from fedi.services import follows, network
from fedi.services import search as searching
from fedi.services.errors import ServiceError
from fedi.web import security, views
from fedi.web.render import page, redirect, render, require_viewer, viewer

MAX_HANDLE = 500


async def _relationships(state, account, docs: list[dict]) -> None:
    """Mark each account document with how `account` follows it: self, following, requested or ''."""
    relations = await network.relations(state, account, [doc["id"] for doc in docs])
    for doc in docs:
        doc["relation"] = relations[doc["id"]]


@page
async def search_page(request: web.Request) -> web.Response:
    state = request.app[STATE]
    account = await viewer(request)
    q = request.query.get("q", "").strip()[:searching.MAX_QUERY]
    found = await searching.search(state, q, account, resolve=account is not None, limit=20)
    people = await views.accounts(state, found.accounts)
    await _relationships(state, account, people)
    posts = await views.statuses(state, found.statuses, account, context="public") if found.statuses else []
    return await render(request, "search.html", q=q, people=people, posts=posts, tags=found.hashtags,
                        handle_like="@" in q.lstrip("@") or searching.is_url(q))


async def _follow_form(request: web.Request, *, handle: str = "", note: str = "", error: str = "",
                       status: int = 200) -> web.Response:
    return await render(request, "follow.html", status=status, handle=handle, note=note, error=error,
                        note_max=follows.MAX_NOTE)


@page
async def follow_form(request: web.Request) -> web.Response:
    await require_viewer(request)
    return await _follow_form(request, handle=request.query.get("handle", "").strip()[:MAX_HANDLE])


@page
async def follow(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    form = await security.checked_form(request)
    state = request.app[STATE]
    handle = str(form.get("handle") or "").strip()[:MAX_HANDLE]
    note = str(form.get("note") or "").strip()[:follows.MAX_NOTE]
    try:
        target = await searching.resolve_account(state, handle)
        fol = await follows.follow(state, account, target, note=note)
    except ServiceError as exc:
        return await _follow_form(request, handle=handle, note=note, status=exc.status,
                                  error=f"Could not follow {handle or 'that account'}: {exc.message}")
    doc = await views.account(state, target)
    if fol.accepted:
        notice = f"You are now connected with @{doc['acct']}." if state.config.professional else \
            f"You now follow @{doc['acct']}."
    else:
        notice = f"Request sent: @{doc['acct']} will decide whether to accept it."
    return redirect(request, doc["profile_path"], notice)


@page
async def unfollow(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    form = await security.checked_form(request)
    state = request.app[STATE]
    target = await searching.resolve_account(state, str(form.get("handle") or "")[:MAX_HANDLE])
    was = await network.follow_of(state, account, target)
    await follows.unfollow(state, account, target)
    doc = await views.account(state, target)
    if was is None:
        notice = f"You were not following @{doc['acct']}."
    elif not was.accepted:
        notice = f"Your request to @{doc['acct']} is withdrawn."
    else:
        notice = f"You removed the connection with @{doc['acct']}." if state.config.professional else \
            f"You no longer follow @{doc['acct']}."
    return redirect(request, doc["profile_path"], notice)


@page
async def authorize_interaction(request: web.Request) -> web.Response:
    """Where other servers send their users to follow an account or answer a post seen
    elsewhere (the `subscribe` link of WebFinger): the search page finds it."""
    await require_viewer(request)
    uri = request.query.get("uri", "").strip()[:MAX_HANDLE]
    return redirect(request, f"/search?q={quote(uri, safe='')}" if uri else "/search")


def setup(app: web.Application) -> None:
    app.router.add_get("/search", search_page)
    app.router.add_get("/follow", follow_form)
    app.router.add_post("/follow", follow)
    app.router.add_post("/unfollow", unfollow)
    app.router.add_get("/authorize_interaction", authorize_interaction)

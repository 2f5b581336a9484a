"""Server-rendered public pages: landing, profile and post permalink."""

from __future__ import annotations

from aiohttp import web

from fedi.appkeys import STATE, TEMPLATES
from fedi.models import Account
from fedi.services.visibility import can_view

CSP = "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; " \
      "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


def render(request: web.Request, name: str, status: int = 200, **context) -> web.Response:
    state = request.app[STATE]
    env = request.app[TEMPLATES]
    html = env.get_template(name).render(instance=state.config.instance, domain=state.urls.domain,
                                         professional=state.config.professional, **context)
    return web.Response(text=html, status=status, content_type="text/html",
                        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                                 "Vary": "Accept"})


async def profile(request: web.Request, account: Account) -> web.Response:
    state = request.app[STATE]
    page = await state.store.statuses.by_account(account.id, max_id=request.query.get("max_id"), limit=20)
    followers, following = await state.store.follows.counts(account.id)
    return render(request, "profile.html", account=account, statuses=page.items, next_max_id=page.next_max_id,
                  followers=followers, following=following, post_count=page.total,
                  acct=account.acct(state.urls.domain))


async def status(request: web.Request, account: Account, status_id: str) -> web.Response:
    state = request.app[STATE]
    st = await state.store.statuses.get(status_id)
    if st is None or st.account_id != account.id or not await can_view(state.store, st, None):
        return render(request, "error.html", status=404, message="This post does not exist or is not public.")
    replies = await state.store.statuses.replies(st.uri)
    authors = await state.store.accounts.get_many([r.account_id for r in replies])
    return render(request, "status.html", account=account, status=st, replies=replies, authors=authors)


async def profile_page(request: web.Request) -> web.Response:
    state = request.app[STATE]
    account = await state.store.accounts.by_handle(request.match_info["username"], None)
    if account is None or account.suspended:
        return render(request, "error.html", status=404, message="No such account.")
    if "application/activity+json" in request.headers.get("Accept", "") or \
            "application/ld+json" in request.headers.get("Accept", ""):
        raise web.HTTPFound(state.urls.actor(account.username))
    return await profile(request, account)


async def status_page(request: web.Request) -> web.Response:
    state = request.app[STATE]
    account = await state.store.accounts.by_handle(request.match_info["username"], None)
    if account is None:
        return render(request, "error.html", status=404, message="No such account.")
    if "application/activity+json" in request.headers.get("Accept", ""):
        raise web.HTTPFound(state.urls.status(account.username, request.match_info["status_id"]))
    return await status(request, account, request.match_info["status_id"])


async def index(request: web.Request) -> web.Response:
    state = request.app[STATE]
    accounts = [a for a in await state.store.accounts.list_local() if not a.suspended]
    return render(request, "index.html", accounts=accounts, user_count=len(accounts),
                  status_count=await state.store.statuses.count_local())


def setup(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get(r"/@{username:[A-Za-z0-9_]+}", profile_page)
    app.router.add_get(r"/@{username:[A-Za-z0-9_]+}/{status_id:\d+}", status_page)

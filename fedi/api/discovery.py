"""Finding accounts and posts: follow suggestions, endorsed (featured) accounts, and the
timeline of a trending link (empty: links do not trend here)."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities
from fedi.api.http import authenticate, error, link_header, number, ok, page_args, params, route
from fedi.appkeys import STATE
from fedi.models import Account
from fedi.services import discovery, known_accounts

ACCOUNTS_LIMIT, ACCOUNTS_MAX = 40, 80


async def _target(request: web.Request) -> Account:
    account = await known_accounts.unsuspended(request.app[STATE], request.match_info["id"])
    if account is None:
        raise error(404, "Record not found")
    return account


async def _suggested(request: web.Request) -> list[tuple[discovery.Suggestion, dict]]:
    me = (await authenticate(request, "read")).user()
    state = request.app[STATE]
    limit = number(await params(request), "limit", ACCOUNTS_LIMIT, 1, ACCOUNTS_MAX)
    found = await discovery.suggestions(state, me, limit)
    rendered = await entities.accounts_by_id(state, [s.account_id for s in found])
    by_id = {doc["id"]: doc for doc in rendered}
    return [(s, by_id[s.account_id]) for s in found if s.account_id in by_id]


async def suggestions_v1(request: web.Request) -> web.Response:
    return ok([doc for _, doc in await _suggested(request)])


async def suggestions_v2(request: web.Request) -> web.Response:
    return ok([{"source": s.source, "sources": s.sources, "account": doc}
               for s, doc in await _suggested(request)])


async def dismiss_suggestion(request: web.Request) -> web.Response:
    me = (await authenticate(request, "read")).user()
    await discovery.dismiss(request.app[STATE], me, request.match_info["id"])
    return ok({})


async def endorsements(request: web.Request) -> web.Response:
    me = (await authenticate(request, "read:accounts")).user()
    return await _endorsed_by(request, me)


async def account_endorsements(request: web.Request) -> web.Response:
    await authenticate(request, "read:accounts", required=False)
    account = await _target(request)
    if not account.local:
        return ok([])
    return await _endorsed_by(request, account)


async def _endorsed_by(request: web.Request, account: Account) -> web.Response:
    state, p = request.app[STATE], await params(request)
    paging = {**page_args(p), "limit": number(p, "limit", ACCOUNTS_LIMIT, 1, ACCOUNTS_MAX)}
    pairs = await discovery.endorsed(state, account, **paging)
    body = await entities.accounts_by_id(state, [a for _, a in pairs])
    return ok(body, headers=link_header(request, [k for k, _ in pairs]))


async def _endorsing(request: web.Request, on: bool) -> web.Response:
    me = (await authenticate(request, "write:accounts")).user()
    state, target = request.app[STATE], await _target(request)
    await (discovery.endorse if on else discovery.unendorse)(state, me, target)
    return ok(await entities.relationship(state, me, target))


async def endorse(request: web.Request) -> web.Response:
    return await _endorsing(request, True)


async def unendorse(request: web.Request) -> web.Response:
    return await _endorsing(request, False)


async def link_timeline(request: web.Request) -> web.Response:
    await authenticate(request, "read:statuses", required=False)
    return ok([])


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/suggestions", suggestions_v1)
    route(app, "GET", "/api/v2/suggestions", suggestions_v2)
    route(app, "DELETE", r"/api/v1/suggestions/{id:\d+}", dismiss_suggestion)
    route(app, "GET", "/api/v1/endorsements", endorsements)
    route(app, "GET", r"/api/v1/accounts/{id:\d+}/endorsements", account_endorsements)
    for name, handler in (("pin", endorse), ("unpin", unendorse), ("endorse", endorse),
                          ("unendorse", unendorse)):
        route(app, "POST", rf"/api/v1/accounts/{{id:\d+}}/{name}", handler)
    route(app, "GET", "/api/v1/timelines/link", link_timeline)

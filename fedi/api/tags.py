"""Hashtags: looking one up, following it, the followed ones, and featured ones on profiles."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from fedi.api import entities
from fedi.api.http import authenticate, error, link_header, number, ok, params, route
from fedi.appkeys import STATE
from fedi.models import Account
from fedi.services import known_accounts, tags

FOLLOWED_LIMIT, FOLLOWED_MAX = 100, 200  # as Mastodon pages followed tags


def featured_tag(state, account: Account, row: dict) -> dict:
    """A FeaturedTag. Like Mastodon's server (not its docs), `statuses_count` is a string and
    `last_status_at` a date."""
    return {
        "id": row["id"],
        "name": row["display_name"],
        "url": f"{state.urls.profile(account.username)}/tagged/{quote(row['name'])}",
        "statuses_count": str(row["statuses_count"] or 0),
        "last_status_at": entities.date_only(row["last_status_at"]),
    }


def _name(request: web.Request) -> str:
    return request.match_info["name"]


async def show(request: web.Request) -> web.Response:
    auth = await authenticate(request, required=False)
    state = request.app[STATE]
    name, following = await tags.show(state, auth.account if auth else None, _name(request))
    return ok(entities.tag(state, name, following=following))


async def follow(request: web.Request) -> web.Response:
    me = (await authenticate(request, "write:follows")).user()
    state = request.app[STATE]
    return ok(entities.tag(state, await tags.follow(state, me, _name(request)), following=True))


async def unfollow(request: web.Request) -> web.Response:
    me = (await authenticate(request, "write:follows")).user()
    state = request.app[STATE]
    return ok(entities.tag(state, await tags.unfollow(state, me, _name(request)), following=False))


async def _featuring(request: web.Request, on: bool) -> web.Response:
    me = (await authenticate(request, "write:accounts")).user()
    state = request.app[STATE]
    change = tags.feature_name if on else tags.unfeature_name
    name = await change(state, me, _name(request))
    _, following = await tags.show(state, me, name)
    return ok({**entities.tag(state, name, following=following), "featuring": on})


async def feature(request: web.Request) -> web.Response:
    return await _featuring(request, True)


async def unfeature(request: web.Request) -> web.Response:
    return await _featuring(request, False)


async def followed(request: web.Request) -> web.Response:
    me = (await authenticate(request, "read:follows")).user()
    state, p = request.app[STATE], await params(request)
    rows = await tags.followed(
        state, me, max_id=p.get("max_id") or None, since_id=p.get("since_id") or None,
        min_id=p.get("min_id") or None, limit=number(p, "limit", FOLLOWED_LIMIT, 1, FOLLOWED_MAX))
    body = [entities.tag(state, r["display_name"], following=True) for r in rows]
    return ok(body, headers=link_header(request, [r["id"] for r in rows]))


async def featured(request: web.Request) -> web.Response:
    me = (await authenticate(request, "read:accounts")).user()
    state = request.app[STATE]
    return ok([featured_tag(state, me, r) for r in await tags.featured(state, me)])


async def create_featured(request: web.Request) -> web.Response:
    me = (await authenticate(request, "write:accounts")).user()
    state = request.app[STATE]
    name = (await params(request)).get("name")
    return ok(featured_tag(state, me, await tags.feature(state, me, str(name or ""))))


async def delete_featured(request: web.Request) -> web.Response:
    me = (await authenticate(request, "write:accounts")).user()
    await tags.unfeature(request.app[STATE], me, request.match_info["id"])
    return ok({})


async def featured_suggestions(request: web.Request) -> web.Response:
    me = (await authenticate(request, "read:accounts")).user()
    state = request.app[STATE]
    names = await tags.suggested(state, me)
    followed = await tags.followed_among(state, me, names)
    return ok([entities.tag(state, n, following=n in followed) for n in names])


async def account_featured(request: web.Request) -> web.Response:
    await authenticate(request, required=False)
    state = request.app[STATE]
    account = await known_accounts.get(state, request.match_info["id"])
    if account is None:
        raise error(404, "Record not found")
    return ok([featured_tag(state, account, r) for r in await tags.featured(state, account)])


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/followed_tags", followed)
    route(app, "GET", "/api/v1/tags/{name}", show)
    route(app, "POST", "/api/v1/tags/{name}/follow", follow)
    route(app, "POST", "/api/v1/tags/{name}/unfollow", unfollow)
    route(app, "POST", "/api/v1/tags/{name}/feature", feature)
    route(app, "POST", "/api/v1/tags/{name}/unfeature", unfeature)
    route(app, "GET", "/api/v1/featured_tags", featured)
    route(app, "POST", "/api/v1/featured_tags", create_featured)
    route(app, "GET", "/api/v1/featured_tags/suggestions", featured_suggestions)
    route(app, "DELETE", r"/api/v1/featured_tags/{id:\d+}", delete_featured)
    route(app, "GET", r"/api/v1/accounts/{id:\d+}/featured_tags", account_featured)

"""A reader's own things: preferences, markers, bookmarks, favourites, mutes, blocks, lists."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities, entities_status
from fedi.api.entities import iso
from fedi.api.http import authenticate, flag, link_header, listed, number, ok, page_args, params, route
from fedi.appkeys import STATE
from fedi.services import lists as svc_lists
from fedi.services import personal, profile

async def preferences(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:accounts")
    visibility = await profile.default_visibility(request.app[STATE], auth.user())
    return ok({
        "posting:default:visibility": visibility,
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    })


async def get_markers(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:statuses")
    asked = [str(t) for t in listed(await params(request), "timeline")]
    wanted = [t for t in asked if t in personal.TIMELINES] or list(personal.TIMELINES)
    rows = await personal.markers(request.app[STATE], auth.user(), wanted)
    return ok({r["timeline"]: {"last_read_id": r["last_read_id"], "version": r["version"],
                               "updated_at": iso(r["updated_at"])} for r in rows})


async def set_markers(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:statuses")
    state, p = request.app[STATE], await params(request)
    for timeline in personal.TIMELINES:
        value = p.get(f"{timeline}[last_read_id]")
        if value is None and isinstance(p.get(timeline), dict):
            value = p[timeline].get("last_read_id")
        if value is not None:
            await personal.set_marker(state, auth.user(), timeline, str(value))
    return await get_markers(request)


async def _status_list(request, viewer, which) -> web.Response:
    state = request.app[STATE]
    found, keys = await which(state, viewer, **page_args(await params(request)))
    return ok(await entities_status.statuses(state, found, viewer), headers=link_header(request, keys))


async def bookmarks(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:bookmarks")
    return await _status_list(request, auth.user(), personal.bookmarks)


async def favourites(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:favourites")
    return await _status_list(request, auth.user(), personal.favourites)


async def mute(request: web.Request) -> web.Response:
    auth, state, p = await authenticate(request, "write:mutes"), request.app[STATE], await params(request)
    target = await personal.mute(state, auth.user(), request.match_info["id"],
                                 notifications=flag(p, "notifications", True),
                                 duration=number(p, "duration", 0, 0, 10 ** 9))
    return ok(await entities.relationship(state, auth.user(), target))


async def unmute(request: web.Request) -> web.Response:
    auth, state = await authenticate(request, "write:mutes"), request.app[STATE]
    target = await personal.unmute(state, auth.user(), request.match_info["id"])
    return ok(await entities.relationship(state, auth.user(), target))


async def _accounts(request: web.Request, pairs: list) -> web.Response:
    body = await entities.accounts_by_id(request.app[STATE], [a for _, a in pairs])
    return ok(body, headers=link_header(request, [k for k, _ in pairs]))


async def mutes(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:mutes")
    return await _accounts(request, await personal.muted(request.app[STATE], auth.user(),
                                                         **page_args(await params(request))))


async def blocks(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:blocks")
    p = await params(request)
    paging = {**page_args(p), "limit": number(p, "limit", 40, 1, 80)}
    return await _accounts(request, await personal.blocked(request.app[STATE], auth.user(), **paging))


def _list_entity(row) -> dict:
    return {"id": row["id"], "title": row["title"], "replies_policy": row["replies_policy"],
            "exclusive": bool(row["exclusive"])}


def _list_fields(p: dict) -> dict:
    return {"title": p.get("title"), "replies_policy": p.get("replies_policy"),
            "exclusive": flag(p, "exclusive") if p.get("exclusive") is not None else None}


async def lists(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:lists")
    return ok([_list_entity(r) for r in await svc_lists.of(request.app[STATE], auth.user())])


async def account_lists(request: web.Request) -> web.Response:
    """The reader's lists that include the account."""
    auth = await authenticate(request, "read:lists")
    rows = await svc_lists.containing(request.app[STATE], auth.user(), request.match_info["id"])
    return ok([_list_entity(r) for r in rows])


async def create_list(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:lists")
    p = await params(request)
    return ok(_list_entity(await svc_lists.create(request.app[STATE], auth.user(), **_list_fields(p))))


async def get_list(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:lists")
    return ok(_list_entity(await svc_lists.own(request.app[STATE], auth.user(), request.match_info["id"])))


async def update_list(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:lists")
    row = await svc_lists.update(request.app[STATE], auth.user(), request.match_info["id"],
                                 **_list_fields(await params(request)))
    return ok(_list_entity(row))


async def delete_list(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:lists")
    await svc_lists.delete(request.app[STATE], auth.user(), request.match_info["id"])
    return ok({})


async def list_accounts(request: web.Request) -> web.Response:
    auth, state = await authenticate(request, "read:lists"), request.app[STATE]
    members = await svc_lists.members(state, auth.user(), request.match_info["id"])
    return ok(await entities.accounts(state, members))


async def change_list_accounts(request: web.Request) -> web.Response:
    auth, state = await authenticate(request, "write:lists"), request.app[STATE]
    ids = [str(i) for i in listed(await params(request), "account_ids")]
    change = svc_lists.add if request.method == "POST" else svc_lists.remove
    await change(state, auth.user(), request.match_info["id"], ids)
    return ok({})


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/preferences", preferences)
    route(app, "GET", "/api/v1/markers", get_markers)
    route(app, "POST", "/api/v1/markers", set_markers)
    route(app, "GET", "/api/v1/bookmarks", bookmarks)
    route(app, "GET", "/api/v1/favourites", favourites)
    route(app, "GET", "/api/v1/mutes", mutes)
    route(app, "GET", "/api/v1/blocks", blocks)
    route(app, "POST", r"/api/v1/accounts/{id:\d+}/mute", mute)
    route(app, "POST", r"/api/v1/accounts/{id:\d+}/unmute", unmute)
    route(app, "GET", "/api/v1/lists", lists)
    route(app, "GET", r"/api/v1/accounts/{id:\d+}/lists", account_lists)
    route(app, "POST", "/api/v1/lists", create_list)
    route(app, "GET", r"/api/v1/lists/{id:\d+}", get_list)
    route(app, "PUT", r"/api/v1/lists/{id:\d+}", update_list)
    route(app, "DELETE", r"/api/v1/lists/{id:\d+}", delete_list)
    route(app, "GET", r"/api/v1/lists/{id:\d+}/accounts", list_accounts)
    route(app, "POST", r"/api/v1/lists/{id:\d+}/accounts", change_list_accounts)
    route(app, "DELETE", r"/api/v1/lists/{id:\d+}/accounts", change_list_accounts)

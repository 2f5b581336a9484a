"""A reader's own things: preferences, markers, bookmarks, favourites, mutes, blocks, lists."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities, entities_status
from fedi.api.http import authenticate, error, flag, link_header, listed, number, ok, page_args, params, route
from fedi.api.entities import iso
from fedi.appkeys import STATE

TIMELINES = ("home", "notifications")
REPLIES_POLICIES = ("followed", "list", "none")


async def preferences(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:accounts")
    user = await request.app[STATE].store.users.get(auth.user().id)
    return ok({
        "posting:default:visibility": user.default_visibility if user else "public",
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    })


async def get_markers(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:statuses")
    wanted = [t for t in listed(await params(request), "timeline") if t in TIMELINES] or list(TIMELINES)
    rows = await request.app[STATE].store.markers.get(auth.user().id, wanted)
    return ok({r["timeline"]: {"last_read_id": r["last_read_id"], "version": r["version"],
                               "updated_at": iso(r["updated_at"])} for r in rows})


async def set_markers(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:statuses")
    store, p = request.app[STATE].store, await params(request)
    for timeline in TIMELINES:
        value = p.get(f"{timeline}[last_read_id]")
        if value is None and isinstance(p.get(timeline), dict):
            value = p[timeline].get("last_read_id")
        if value is not None:
            await store.markers.set(auth.user().id, timeline, str(value))
    return await get_markers(request)


async def _status_list(request, pairs, viewer) -> web.Response:
    state = request.app[STATE]
    found = [await state.store.statuses.get(s) for _, s in pairs]
    body = await entities_status.statuses(state, [s for s in found if s is not None], viewer)
    return ok(body, headers=link_header(request, [k for k, _ in pairs]))


async def bookmarks(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:bookmarks")
    viewer = auth.user()
    pairs = await request.app[STATE].store.bookmarks.page(viewer.id, **page_args(await params(request)))
    return await _status_list(request, pairs, viewer)


async def favourites(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:favourites")
    viewer = auth.user()
    pairs = await request.app[STATE].store.favourites.page(viewer.id, **page_args(await params(request)))
    return await _status_list(request, pairs, viewer)


async def _muted_target(request: web.Request):
    auth = await authenticate(request, "write:mutes")
    state = request.app[STATE]
    target = await state.store.accounts.get(request.match_info["id"])
    if target is None or target.id == auth.user().id:
        raise error(404, "Record not found")
    return state, auth.user(), target


async def mute(request: web.Request) -> web.Response:
    state, viewer, target = await _muted_target(request)
    p = await params(request)
    duration = number(p, "duration", 0, 0, 10 ** 9)
    import time

    await state.store.mutes.add(viewer.id, target.id, flag(p, "notifications", True),
                                time.time() + duration if duration else None)
    return ok(await entities.relationship(state, viewer, target))


async def unmute(request: web.Request) -> web.Response:
    state, viewer, target = await _muted_target(request)
    await state.store.mutes.remove(viewer.id, target.id)
    return ok(await entities.relationship(state, viewer, target))


async def mutes(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:mutes")
    state = request.app[STATE]
    pairs = await state.store.mutes.page(auth.user().id, **page_args(await params(request)))
    body = await entities.accounts_by_id(state, [a for _, a in pairs])
    return ok(body, headers=link_header(request, [k for k, _ in pairs]))


async def blocks(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:blocks")
    state, p = request.app[STATE], await params(request)
    paging = {**page_args(p), "limit": number(p, "limit", 40, 1, 80)}
    pairs = await state.store.blocks.page(auth.user().id, **paging)
    body = await entities.accounts_by_id(state, [a for _, a in pairs])
    return ok(body, headers=link_header(request, [k for k, _ in pairs]))


def _list_entity(row) -> dict:
    return {"id": row["id"], "title": row["title"], "replies_policy": row["replies_policy"],
            "exclusive": bool(row["exclusive"])}


async def _own_list(request: web.Request, scope: str):
    auth = await authenticate(request, scope)
    state = request.app[STATE]
    row = await state.store.lists.get(request.match_info["id"])
    if row is None or row["account_id"] != auth.user().id:
        raise error(404, "Record not found")
    return state, auth.user(), row


def _list_fields(p: dict, current=None) -> tuple[str, str, bool]:
    title = str(p.get("title", current["title"] if current else "")).strip()
    if not title:
        raise error(422, "Validation failed: Title can't be blank")
    policy = str(p.get("replies_policy", current["replies_policy"] if current else "list"))
    if policy not in REPLIES_POLICIES:
        raise error(422, f"replies_policy must be one of {', '.join(REPLIES_POLICIES)}")
    exclusive = flag(p, "exclusive", bool(current["exclusive"]) if current else False)
    return title[:200], policy, exclusive


async def lists(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:lists")
    return ok([_list_entity(r) for r in await request.app[STATE].store.lists.of(auth.user().id)])


async def account_lists(request: web.Request) -> web.Response:
    """The reader's lists that include the account."""
    auth = await authenticate(request, "read:lists")
    store, viewer = request.app[STATE].store, auth.user()
    target = await store.accounts.get(request.match_info["id"])
    if target is None:
        raise error(404, "Record not found")
    if target.suspended:
        return ok([])
    ids = set(await store.lists.containing(target.id, [viewer.id]))
    return ok([_list_entity(r) for r in await store.lists.of(viewer.id) if r["id"] in ids])


async def create_list(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:lists")
    store = request.app[STATE].store
    list_id = await store.lists.create(auth.user().id, *_list_fields(await params(request)))
    return ok(_list_entity(await store.lists.get(list_id)))


async def get_list(request: web.Request) -> web.Response:
    _, _, row = await _own_list(request, "read:lists")
    return ok(_list_entity(row))


async def update_list(request: web.Request) -> web.Response:
    state, _, row = await _own_list(request, "write:lists")
    await state.store.lists.update(row["id"], *_list_fields(await params(request), row))
    return ok(_list_entity(await state.store.lists.get(row["id"])))


async def delete_list(request: web.Request) -> web.Response:
    state, _, row = await _own_list(request, "write:lists")
    await state.store.lists.delete(row["id"])
    return ok({})


async def list_accounts(request: web.Request) -> web.Response:
    state, _, row = await _own_list(request, "read:lists")
    accounts = await state.store.accounts.get_many(await state.store.lists.members(row["id"]))
    return ok([await entities.account(state, a) for a in accounts.values()])


async def change_list_accounts(request: web.Request) -> web.Response:
    state, viewer, row = await _own_list(request, "write:lists")
    ids = [str(i) for i in listed(await params(request), "account_ids")]
    if request.method == "POST":
        for account_id in ids:
            follow = await state.store.follows.get(viewer.id, account_id)
            if follow is None or not follow.accepted:
                raise error(422, "Validation failed: You can only add accounts you follow")
        await state.store.lists.add_accounts(row["id"], ids)
    else:
        await state.store.lists.remove_accounts(row["id"], ids)
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

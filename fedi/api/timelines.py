"""Timelines: home, public (federated and local), hashtag and list."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities_status
from fedi.api.http import authenticate, error, flag, link_header, ok, page_args, params, route
from fedi.appkeys import STATE
from fedi.models import Account, Status
from fedi.services import filters
from fedi.services.visibility import can_view, sees_local_only

LIST_SCAN = 400  # home feed entries looked at for one page of a list


async def visible_statuses(state, ids: list[str], viewer: Account | None,
                           context: str = "home") -> list[Status]:
    """The statuses with these ids, in order, that `viewer` may see (for a boost, the post too),
    minus those the viewer's filters hide in this context."""
    store = state.store
    out, cache = [], {}
    for status_id in ids:
        st = await store.statuses.get(status_id)
        if st is None or not await can_view(store, st, viewer):
            continue
        if st.reblog_of_id:
            original = await store.statuses.get(st.reblog_of_id)
            if original is None or not await can_view(store, original, viewer):
                continue
        if viewer is not None and await filters.hidden(state, viewer.id, st, context, cache):
            continue
        out.append(st)
    return out


async def respond(request: web.Request, ids: list[str], viewer: Account | None,
                  context: str = "home") -> web.Response:
    """A page of statuses; the Link header follows the page's ids, whatever was dropped."""
    state = request.app[STATE]
    items = await visible_statuses(state, ids, viewer, context)
    return ok(await entities_status.statuses(state, items, viewer, context=context),
              headers=link_header(request, ids))


def _locality(p: dict) -> bool | None:
    """`local=true`: this server only; `remote=true`: other servers only; else both."""
    if flag(p, "local"):
        return True
    if flag(p, "remote"):
        return False
    return None


async def _reader(request: web.Request) -> Account | None:
    auth = await authenticate(request, "read:statuses", required=False)
    return auth.account if auth else None


async def home(request: web.Request) -> web.Response:
    me = (await authenticate(request, "read:statuses")).user()
    p = await params(request)
    ids = await request.app[STATE].store.feeds.page(me.id, **page_args(p))
    return await respond(request, ids, me)


async def public(request: web.Request) -> web.Response:
    viewer = await _reader(request)
    p = await params(request)
    ids = await request.app[STATE].store.timelines.public(
        local=_locality(p), only_media=flag(p, "only_media"), with_local_only=sees_local_only(viewer),
        **page_args(p))
    return await respond(request, ids, viewer, "public")


async def hashtag(request: web.Request) -> web.Response:
    viewer = await _reader(request)
    p = await params(request)
    tag = request.match_info["hashtag"].lstrip("#")
    ids = await request.app[STATE].store.timelines.public(
        local=_locality(p), only_media=flag(p, "only_media"), tag=tag,
        with_local_only=sees_local_only(viewer), **page_args(p))
    return await respond(request, ids, viewer, "public")


def _in_list(st: Status, owner: Account, members: set[str], replies_policy: str) -> bool:
    """A member's post or boost; replies as the list's replies_policy says (as Mastodon:
    replies to the list's owner always, to members with `list`, to anyone with `followed`)."""
    if st.account_id not in members:
        return False
    to = st.in_reply_to_account_id
    if st.reblog_of_id or to is None or to in (st.account_id, owner.id):
        return True
    return replies_policy == "followed" or (replies_policy == "list" and to in members)


async def list_statuses(state, owner: Account, row, args: dict) -> list[Status]:
    """A page of a list: the owner's home feed (members are followed) kept to its members,
    looking at up to LIST_SCAN feed entries."""
    members = set(await state.store.lists.members(row["id"]))
    ids = await state.store.feeds.page(owner.id, **{**args, "limit": LIST_SCAN})
    ascending = bool(args["min_id"] and not args["since_id"])
    picked = []
    for status_id in ids[::-1] if ascending else ids:
        if len(picked) >= args["limit"]:
            break
        found = await visible_statuses(state, [status_id], owner)
        if found and _in_list(found[0], owner, members, row["replies_policy"]):
            picked.append(found[0])
    return picked[::-1] if ascending else picked


async def list_timeline(request: web.Request) -> web.Response:
    me = (await authenticate(request, "read:lists")).user()
    state = request.app[STATE]
    row = await state.store.lists.get(request.match_info["list_id"])
    if row is None or row["account_id"] != me.id:
        raise error(404, "Record not found")
    items = await list_statuses(state, me, row, page_args(await params(request)))
    return ok(await entities_status.statuses(state, items, me), headers=link_header(request, [s.id for s in items]))


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/timelines/home", home)
    route(app, "GET", "/api/v1/timelines/public", public)
    route(app, "GET", "/api/v1/timelines/tag/{hashtag}", hashtag)
    route(app, "GET", "/api/v1/timelines/list/{list_id}", list_timeline)

"""Actors, their collections, and dereferenceable objects and activities."""

from __future__ import annotations

from aiohttp import web

from fedi.activitypub import render
from fedi.appkeys import BROWSER_PAGES, STATE
from fedi.edge.clients import wants_activitypub
from fedi.federation.http import ap_response, error, fetch_required, signed_fetcher
from fedi.services import accounts, pins, profile, served, statuses
from fedi.services.errors import NotFound

PAGE_SIZE = 20


async def _local(request: web.Request):
    state = request.app[STATE]
    try:
        account = await accounts.local_account(state, request.match_info["username"])
    except NotFound:
        raise web.HTTPNotFound(text='{"error": "no such account"}', content_type="application/json") from None
    return state, account


async def get_actor(request: web.Request) -> web.Response:
    state, account = await _local(request)
    if not wants_activitypub(request) and BROWSER_PAGES in request.app:
        return await request.app[BROWSER_PAGES].profile(request, account)
    fetcher = await signed_fetcher(request, required=False)
    if fetch_required(request) and fetcher is None:
        return ap_response(render.key_document(account, state.urls))
    return ap_response(await profile.actor_document(state, account))


async def get_instance_actor(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return ap_response(render.instance_actor(state.urls, state.instance_public_key, state.config.instance.name))


async def get_instance_outbox(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return ap_response(render.ordered_collection(f"{state.urls.instance_actor}/outbox", 0, None, items=[]))


async def _guard_collection(request: web.Request) -> None:
    if fetch_required(request):
        await signed_fetcher(request, required=True)


async def _paged(request, collection_id: str, fetch_page, to_items) -> web.Response:
    page_param = request.query.get("page")
    if page_param is None:
        first = await fetch_page(None, 1)
        return ap_response(render.ordered_collection(collection_id, first.total or 0, f"{collection_id}?page=true"))
    max_id = request.query.get("max_id")
    page = await fetch_page(max_id, PAGE_SIZE)
    next_url = f"{collection_id}?page=true&max_id={page.next_max_id}" if page.next_max_id else None
    self_id = f"{collection_id}?page=true" + (f"&max_id={max_id}" if max_id else "")
    return ap_response(render.collection_page(self_id, collection_id, await to_items(page.items),
                                              next_url, total=page.total))


async def _identity(items):
    return items


async def get_followers(request: web.Request) -> web.Response:
    state, account = await _local(request)
    await _guard_collection(request)
    return await _paged(request, state.urls.followers(account.username),
                        lambda max_id, n: served.followers_page(state, account, max_id, n), _identity)


async def get_following(request: web.Request) -> web.Response:
    state, account = await _local(request)
    await _guard_collection(request)
    return await _paged(request, state.urls.following(account.username),
                        lambda max_id, n: served.following_page(state, account, max_id, n), _identity)


async def get_outbox(request: web.Request) -> web.Response:
    state, account = await _local(request)
    await _guard_collection(request)

    async def items(activities):
        return [{k: v for k, v in a.body.items() if k != "@context"} for a in activities]

    return await _paged(request, state.urls.outbox(account.username),
                        lambda max_id, n: served.outbox_page(state, account, max_id, n), items)


async def get_featured(request: web.Request) -> web.Response:
    """The pinned posts as full Notes, most recently pinned first (Mastodon's featured collection)."""
    state, account = await _local(request)
    await _guard_collection(request)
    notes = await pins.featured(state, account)
    return ap_response(render.ordered_collection(state.urls.featured(account.username), len(notes), None,
                                                 items=notes))


async def _visible_status(request: web.Request):
    if fetch_required(request):
        await signed_fetcher(request, required=True)  # before any lookup: no existence oracle
    state, account = await _local(request)
    # A local-only post is never served over ActivityPub, whoever signs the request.
    status = await served.status_of(state, account, request.match_info["status_id"])
    if status is None:
        raise web.HTTPNotFound(text='{"error": "no such status"}', content_type="application/json")
    fetcher = await signed_fetcher(request, required=fetch_required(request))
    if not await served.may_fetch(state, status, account, fetcher):
        raise web.HTTPNotFound(text='{"error": "no such status"}', content_type="application/json")
    return state, account, status


async def get_status(request: web.Request) -> web.Response:
    if not wants_activitypub(request) and BROWSER_PAGES in request.app:
        state, account = await _local(request)
        return await request.app[BROWSER_PAGES].status(request, account, request.match_info["status_id"])
    state, account, status = await _visible_status(request)
    return ap_response(render.with_context(await statuses.note_doc(state, status, account)))


async def get_status_activity(request: web.Request) -> web.Response:
    state, account, status = await _visible_status(request)
    activity = await served.status_activity(state, status)
    if activity is None:
        return error(404, "no such activity")
    return ap_response(activity.body)


async def get_replies(request: web.Request) -> web.Response:
    state, account, status = await _visible_status(request)
    replies = await served.public_replies(state, status)
    return ap_response(render.ordered_collection(state.urls.replies(account.username, status.id),
                                                 len(replies), None, items=[r.uri for r in replies]))


async def get_activity(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if fetch_required(request):
        await signed_fetcher(request, required=True)
    activity = await served.activity(state, request.match_info["activity_id"])
    if activity is None:
        return error(404, "no such activity")
    fetcher = await signed_fetcher(request, required=fetch_required(request))
    if not served.may_fetch_activity(activity, fetcher):
        return error(404, "no such activity")
    return ap_response(activity.body)


def setup(app: web.Application) -> None:
    app.router.add_get("/users/{username}", get_actor)
    app.router.add_get("/actor", get_instance_actor)
    app.router.add_get("/actor/outbox", get_instance_outbox)
    app.router.add_get("/users/{username}/followers", get_followers)
    app.router.add_get("/users/{username}/following", get_following)
    app.router.add_get("/users/{username}/outbox", get_outbox)
    app.router.add_get("/users/{username}/collections/featured", get_featured)
    app.router.add_get("/users/{username}/statuses/{status_id}", get_status)
    app.router.add_get("/users/{username}/statuses/{status_id}/activity", get_status_activity)
    app.router.add_get("/users/{username}/statuses/{status_id}/replies", get_replies)
    app.router.add_get("/activities/{activity_id}", get_activity)
